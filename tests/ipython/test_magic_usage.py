"""The magic's help, unknown options, syntax errors and the messages of bad options.

Every case runs nothing: the user's namespace, the profiler hooks and the folders asked
for are as they were.
"""

from __future__ import annotations

import pstats
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError

import workbench
from tests import workloads
from tests.helpers import html_outputs, run
from tests.workloads import CELL_SOURCE
from workbench.session.hooks import HookState

pytestmark = pytest.mark.ipython

PACKAGE = str(Path(workbench.__file__).parent)


@pytest.fixture(scope="module")
def shell(ip: Any) -> Any:
    result, _ = run(ip, CELL_SOURCE)
    assert result.success
    result, _ = run(
        ip,
        "import functools\n"
        "class Shop:\n"
        "    def __init__(self):\n"
        "        self.items = list(range(300))\n"
        "    @property\n"
        "    def total(self):\n"
        "        total = sum(self.items)\n"
        "        return total\n"
        "    @functools.cached_property\n"
        "    def mean(self):\n"
        "        return sum(self.items) / len(self.items)\n"
        "    hidden = property(None)\n"
        "big_list = list(range(50_000))\n",
    )
    assert result.success
    return ip


def _ran_nothing(shell: Any, before: HookState, name: str = "ran") -> None:
    assert name not in shell.user_ns
    assert before.differences(HookState.capture()) == []


@pytest.mark.parametrize(
    "cell",
    [
        "%architect_profile -h",
        "%architect_profile --help",
        "%architect_profile -q -h ran = 1",
        "%architect_profile -m tracemalloc --help ran = 1",
        "%%architect_profile -h\nran = 1",
    ],
)
def test_help_is_shown_and_nothing_runs(shell: Any, cell: str) -> None:
    shell.user_ns.pop("ran", None)
    before = HookState.capture()
    result, captured = run(shell, cell)
    assert result.success, result.error_in_exec
    assert result.result is None
    (output,) = captured.outputs  # displayed, not paged
    text = output.data["text/plain"]
    assert text.startswith("%architect_profile [-l FUNC]")
    for option in ("-l FUNC, --lines FUNC", "-s DIR, --save DIR", "-h, --help"):
        assert option in text
    assert html_outputs(captured) == []  # no report
    _ran_nothing(shell, before)


@pytest.mark.parametrize(
    ("cell", "word"),
    [
        ("%architect_profile --bogus ran = 1", "--bogus"),
        ("%architect_profile -z ran = 1", "-z"),
        ("%architect_profile -q -x+1", "-x"),
        ("%architect_profile -q --top 3 --lnes score ran = 1", "--lnes"),
        ("%%architect_profile -q --bogus\nran = 1", "--bogus"),
    ],
)
def test_unknown_options_are_refused_not_run(shell: Any, cell: str, word: str) -> None:
    shell.user_ns.pop("ran", None)
    before = HookState.capture()
    result, captured = run(shell, cell)
    error = result.error_in_exec
    assert isinstance(error, UsageError)
    message = str(error)
    assert f"has no option {word};" in message
    assert "-l/--lines" in message
    assert "-s/--save" in message
    assert "%architect_profile?" in message
    assert "--" in message.split("Options come before the code")[1]
    assert captured.outputs == []
    _ran_nothing(shell, before)


def test_a_known_flag_without_its_value_is_named(shell: Any) -> None:
    result, _ = run(shell, "%architect_profile -t")
    assert isinstance(result.error_in_exec, UsageError)
    assert "-t needs a value" in str(result.error_in_exec)


def test_code_that_starts_with_a_minus_runs(shell: Any) -> None:
    shell.user_ns["x"] = 2
    result, _ = run(shell, "%architect_profile -q -o rep -- -x + 10")
    assert result.success
    assert result.result == 8
    assert shell.user_ns["rep"].summary.label == "-x + 10"  # `--` ended the options
    result, _ = run(shell, "%architect_profile -q -1 * x")  # a number is never an option
    assert result.success
    assert result.result == -2


@pytest.mark.parametrize(
    ("cell", "line"),
    [
        ("%%architect_profile -q\nran = 1\nx = (", 3),
        ("%%architect_profile -q\nran = 1\nif True:\nprint(1)", 4),
        ("%architect_profile -q ran = (", 1),
        ('%architect_compare -q "ran = 1" "x = ("', 1),
    ],
)
def test_syntax_errors_show_as_ipython_shows_a_cells(shell: Any, cell: str, line: int) -> None:
    """Only the cell's line and the caret, as for any cell that does not compile: none of
    IPython's or the workbench's frames."""
    from workbench.ipython.cells import CellSyntaxError

    shell.user_ns.pop("ran", None)
    before = HookState.capture()
    result, captured = run(shell, cell)
    error = result.error_in_exec
    assert isinstance(error, CellSyntaxError)
    assert isinstance(error, workbench.WorkbenchError)
    assert isinstance(error.error, SyntaxError)
    shown = captured.stdout + captured.stderr
    assert f"Cell In[{result.execution_count}], line {line}" in shown
    assert f"{type(error.error).__name__}: " in shown
    assert "Traceback" not in shown
    assert PACKAGE not in shown
    assert "interactiveshell.py" not in shown
    assert captured.outputs == []
    _ran_nothing(shell, before)


def test_a_property_is_line_profiled_through_its_getter(shell: Any) -> None:
    result, _ = run(shell, "%architect_profile -q -o rep -l Shop.total -l Shop.mean Shop().total")
    assert result.success, result.error_in_exec
    lines = shell.user_ns["rep"].lines
    hit = lines[lines["hits"] > 0]
    assert set(hit["function"]) == {"Shop.total"}
    assert "total = sum(self.items)" in set(hit["source"].str.strip())
    assert set(lines["function"]) == {"Shop.total", "Shop.mean"}  # both traced


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("big_list", "a list"),
        ("Shop.hidden", "a property without a getter"),
        ("CELL_CONSTANT", "an int"),
    ],
)
def test_what_is_no_function_is_named_as_typed(shell: Any, name: str, kind: str) -> None:
    shell.user_ns["CELL_CONSTANT"] = 7
    result, _ = run(shell, f"%architect_profile -q -l {name} ran = 1")
    error = result.error_in_exec
    assert isinstance(error, UsageError)
    message = str(error)
    assert message.startswith(f"-l {name}: {name} ({kind}) is not a function;")
    assert len(message) < 200  # never the value itself
    assert " object at 0x" not in message


def test_compare_versions_with_spaces_unquoted_ask_for_quotes(shell: Any) -> None:
    """`f(a, b)` unquoted is split into `f(a,` and `b)`: a usage error naming the fix, not
    a syntax error at a fragment the user never wrote on its own."""
    before = HookState.capture()
    result, _ = run(shell, "%architect_compare -q ran(1, 2) ran(2, 1)")
    error = result.error_in_exec
    assert isinstance(error, UsageError)
    assert "'ran(1,' is part of a version" in str(error)
    assert 'quote each one that has spaces: %architect_compare "slow(a, b)"' in str(error)
    _ran_nothing(shell, before)


def test_nested_profiling_names_the_running_profile(shell: Any) -> None:
    cell = (
        "%%architect_profile -q\n"
        "outer_mark = 1\n"
        "get_ipython().run_line_magic('architect_profile', 'parse(3)')"
    )
    result, _ = run(shell, cell)
    error = result.error_in_exec
    assert isinstance(error, UsageError)
    message = str(error)
    assert "workbench profile of 'cell: outer_mark = 1 …'" in message
    assert "cProfile" not in message
    assert " object at 0x" not in message


def test_save_into_a_file_is_refused_before_running(shell: Any, tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep")
    for target in (a_file, a_file / "sub"):
        shell.user_ns.pop("ran", None)
        before = HookState.capture()
        result, captured = run(shell, f"%architect_profile -q -s {target} ran = 1")
        error = result.error_in_exec
        assert isinstance(error, UsageError)
        assert f"-s {target}: " in str(error)
        assert f"{a_file} is a file" in str(error)
        assert captured.outputs == []
        _ran_nothing(shell, before)
    assert a_file.read_text() == "keep"


def test_saved_profile_names_cells_as_the_report_does(shell: Any, tmp_path: Path) -> None:
    """pstats and snakeviz read profile.prof: a cell is `In[n]` there too, not the
    temporary file name it was compiled under; real files keep their paths."""
    shell.user_ns["render"] = workloads.render  # defined in a file on disk
    cell = f"%%architect_profile -q -o rep -s {tmp_path}\nscore(parse(2000)) + len(render(3))"
    result, _ = run(shell, cell)
    assert result.success
    files = {key[0] for key in pstats.Stats(str(tmp_path / "profile.prof")).stats}  # type: ignore[attr-defined]
    number = result.execution_count
    assert f"In[{number}]" in files  # the profiled cell
    assert workloads.__file__ in files  # a real file keeps its path
    defined_in = shell.user_ns["rep"].functions.set_index("function").loc["score", "file"]
    assert defined_in.startswith("In[")
    assert defined_in in files  # the cell that defined score
    assert not [f for f in files if f.startswith("<ipython-input-")]
    report = shell.user_ns["rep"]
    cells = {f for f in files if f.startswith("In[")}
    assert cells == {f for f in report.functions["file"] if f.startswith("In[")}
