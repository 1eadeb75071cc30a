"""The magics in an in-process IPython shell: output, namespace, options and faults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError

import workbench
from tests.helpers import html_outputs, return_free_memory, run
from tests.workloads import CELL_SOURCE, parse
from workbench.ipython.cells import CellSyntaxError
from workbench.session.hooks import HookState

pytestmark = pytest.mark.ipython


@pytest.fixture(scope="module")
def cell_ns(ip: Any) -> Any:
    result, _ = run(ip, CELL_SOURCE)
    assert result.success
    return ip


def test_line_magic_shows_report_and_returns_value(cell_ns: Any) -> None:
    result, captured = run(cell_ns, "%architect_profile -o rep score(parse(20000))")
    assert result.success
    assert result.result == cell_ns.user_ns["score"](cell_ns.user_ns["parse"](20000))
    (html,) = html_outputs(captured)
    assert "Architect Workbench: score(parse(20000))" in html
    plain = [o.data["text/plain"] for o in captured.outputs]
    assert any("Functions: top" in p for p in plain)
    report = cell_ns.user_ns["rep"]
    assert isinstance(report, workbench.Report)
    user = report.functions_in_user_code()
    assert user.iloc[0]["function"] == "score"
    assert user.iloc[0]["file"].startswith("In[")  # a cell, not ipykernel's temp path


def test_cell_magic_keeps_namespace_and_shows_last_value(cell_ns: Any) -> None:
    cell = "%%architect_profile -q -o rep\nvalues = parse(1000)\ntotal = score(values)\ntotal + 1"
    result, captured = run(cell_ns, cell)
    assert result.success
    ns = cell_ns.user_ns
    assert ns["values"] == ns["parse"](1000)
    assert result.result == ns["total"] + 1
    assert html_outputs(captured) == []  # -q
    assert ns["rep"].summary.label == "cell: values = parse(1000) …"


def test_named_lines_of_a_cell_function(cell_ns: Any) -> None:
    result, _ = run(cell_ns, "%architect_profile -q -l score -o rep score(parse(5000))")
    assert result.success
    lines = cell_ns.user_ns["rep"].lines
    # The inner loop's header and body take nearly the same time: either can rank first.
    top = {row.source.strip(): row.hits for row in lines.head(2).itertuples()}
    assert top["total += (v * k) % 7"] == 5000 * 12
    assert set(top) <= {"total += (v * k) % 7", "for k in range(12):"}
    assert lines.iloc[0]["file"].startswith("In[")


def test_cell_line_numbers_match_the_visible_cell(cell_ns: Any) -> None:
    cell = "%%architect_profile -q -l off -m tracemalloc -o rep\nx = 1\nbig = 'y' * (8 << 20)"
    result, _ = run(cell_ns, cell)
    assert result.success
    top = cell_ns.user_ns["rep"].memory.iloc[0]
    assert top["lineno"] == 3  # line 3 of the cell as the user sees it
    assert top["source"] == "big = 'y' * (8 << 20)"


def test_memory_lines_of_a_cell_function(cell_ns: Any) -> None:
    return_free_memory()  # the increment is RSS: not what earlier tests freed
    result, captured = run(cell_ns, "%architect_profile -m lines -l grow -o rep grow(32)")
    assert result.success
    memory = cell_ns.user_ns["rep"].memory
    row = memory[memory["source"].str.contains("block = ")].iloc[0]
    assert row["count"] == 1
    assert row["size"] > 16 << 20
    assert "Memory per line" in html_outputs(captured)[0]


def test_save_and_refuse_to_overwrite(cell_ns: Any, tmp_path: Path) -> None:
    target = tmp_path / "rep"
    result, _ = run(cell_ns, f"%architect_profile -q -s {target} parse(10)")
    assert result.success
    assert sorted(p.name for p in target.iterdir()) == [
        "profile.prof",
        "report.html",
        "report.json",
    ]
    cell_ns.user_ns.pop("ran", None)
    result, _ = run(cell_ns, f"%%architect_profile -q -s {target}\nran = True")
    assert isinstance(result.error_in_exec, UsageError)
    assert "--overwrite" in str(result.error_in_exec)
    assert "ran" not in cell_ns.user_ns  # refused before running anything
    result, _ = run(cell_ns, f"%%architect_profile -q -s {target} --overwrite\nran = True")
    assert result.success
    assert cell_ns.user_ns["ran"] is True


def test_save_in_the_formats_asked_for_from_a_sampled_run(cell_ns: Any, tmp_path: Path) -> None:
    target = tmp_path / "stacks"
    line = f"%architect_profile -q -o srep -f sampled -s {target} --formats speedscope,folded "
    result, _ = run(cell_ns, line + "score(parse(200000))")
    assert result.success
    assert sorted(p.name for p in target.iterdir()) == ["profile.folded", "profile.speedscope.json"]
    # One line per distinct stack of the report, with its samples.
    rows = (target / "profile.folded").read_text().splitlines()
    stacks = cell_ns.user_ns["srep"].stacks.groupby("stack")["samples"].first()
    assert len(rows) == len(stacks) > 0
    assert sum(int(row.rsplit(" ", 1)[1]) for row in rows) == stacks.sum()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("-s out --formats pdf parse(1)", "choose among prof, json"),
        ("-m bogus parse(1)", "invalid choice: 'bogus'"),
        ("-l nosuch parse(1)", "no name 'nosuch' in the notebook"),
        ("-l parse.nothing parse(1)", "has no attribute 'nothing'"),
        ("-l 'a b' parse(1)", "give a function's name or dotted path"),
        ("-l auto -l parse parse(1)", "stand alone"),
        ("-t 0 parse(1)", "at least 1"),
        ("-t many parse(1)", "invalid int value"),
        ("-o 1x parse(1)", "give a variable name"),
        ("-m lines parse(1)", "-m lines -l transform"),
        ("-l len parse(1)", "no Python source"),
        ("-q", "needs a statement"),
    ],
)
def test_bad_options_are_usage_errors(cell_ns: Any, line: str, message: str) -> None:
    before = HookState.capture()
    result, captured = run(cell_ns, f"%architect_profile {line}")
    assert isinstance(result.error_in_exec, UsageError)
    assert message in str(result.error_in_exec)
    assert html_outputs(captured) == []
    assert before.differences(HookState.capture()) == []


def test_syntax_error_runs_nothing(cell_ns: Any, tmp_path: Path) -> None:
    before = HookState.capture()
    result, captured = run(cell_ns, f"%%architect_profile -s {tmp_path / 'no'}\nx = (")
    # Shown as IPython shows a cell's SyntaxError (tests/ipython/test_magic_usage.py).
    assert isinstance(result.error_in_exec, CellSyntaxError)
    assert isinstance(result.error_in_exec.error, SyntaxError)
    assert captured.outputs == []
    assert not (tmp_path / "no").exists()
    assert before.differences(HookState.capture()) == []


@pytest.mark.parametrize(
    ("raise_line", "error"),
    [
        ("raise ValueError('bad record')", ValueError),
        ("raise KeyboardInterrupt", KeyboardInterrupt),
    ],
)
def test_fault_shows_partial_report_then_raises(
    cell_ns: Any, raise_line: str, error: type[BaseException]
) -> None:
    before = HookState.capture()
    cell = f"%%architect_profile -o rep\nfirst = parse(100)\n{raise_line}\nnever = 1"
    cell_ns.user_ns.pop("never", None)
    result, captured = run(cell_ns, cell)
    assert isinstance(result.error_in_exec, error)
    assert before.differences(HookState.capture()) == []
    (html,) = html_outputs(captured)
    assert "incomplete" in html
    ns = cell_ns.user_ns
    assert ns["rep"].summary.complete is False
    assert ns["first"] == ns["parse"](100)  # what ran before the fault is kept
    assert "never" not in ns


@pytest.mark.parametrize(
    "cell",
    [
        "%%architect_profile -q\nfirst = parse(100)\n1 / 0",
        "%architect_profile -q 1 / 0",
        "%architect_compare -q -n 8 parse score -a None",
    ],
)
def test_tracebacks_show_the_users_frames_not_ours(cell_ns: Any, cell: str) -> None:
    """Every workbench frame between the magic and the user's code is marked hidden.

    IPython (and %debug, and pytest) leave frames with `__tracebackhide__` out, so a
    fault reads as it would without the magic.
    """
    result, _ = run(cell_ns, cell)
    error = result.error_in_exec
    assert isinstance(error, (ZeroDivisionError, TypeError))
    package = str(Path(workbench.__file__).parent)
    ours = []
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith(package):
            ours.append((tb.tb_frame.f_code.co_name, tb.tb_frame.f_locals.get("__tracebackhide__")))
        tb = tb.tb_next
    assert ours  # the magic's frames are in the traceback...
    assert all(hidden is True for _, hidden in ours), ours  # ...and all hidden


def test_nested_profiling_is_refused(cell_ns: Any) -> None:
    cell = "%%architect_profile -q\nget_ipython().run_line_magic('architect_profile', 'parse(3)')"
    result, _ = run(cell_ns, cell)
    assert isinstance(result.error_in_exec, UsageError)
    assert "another profiler" in str(result.error_in_exec)


def test_help_documents_the_options(cell_ns: Any) -> None:
    doc = cell_ns.find_line_magic("architect_profile").__doc__
    options = ("-l FUNC", "--lines FUNC", "{rss,tracemalloc,lines,off}", "-o VAR", "-s DIR")
    for option in (*options, "-q", "--overwrite", "-t TOP"):
        assert option in doc


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("-t5 -lscore run(x)", ("-t5 -lscore", "run(x)")),
        ("-l score -m lines x = f(1)", ("-l score -m lines", "x = f(1)")),
        ("--lines=a --top 3 -q f()", ("--lines=a --top 3 -q", "f()")),
        ("-1 * f()", ("", "-1 * f()")),
        ('-s "my dir" --overwrite g("-q")', ('-s "my dir" --overwrite', 'g("-q")')),
    ],
)
def test_line_magic_options_and_statement_split(line: str, expected: tuple[str, str]) -> None:
    from workbench.ipython.magics import split_line

    assert split_line(line) == expected


def test_icicle_has_its_root_when_the_cell_also_calls_exec(cell_ns: Any) -> None:
    """A dataclass definition calls `exec`, the builtin the magic runs the cell with.

    The cell's code must still be the call tree's root (the report once drew no icicle
    when a first import inside the cell called `exec`).
    """
    from workbench.render.icicle import icicle_boxes

    cell = (
        "%%architect_profile -q -l off -o rep\n"
        "from dataclasses import dataclass\n"
        "@dataclass\n"
        "class Point:\n"
        "    x: int\n"
        "total = score(parse(5000)) + Point(1).x"
    )
    result, _ = run(cell_ns, cell)
    assert result.success
    report = cell_ns.user_ns["rep"]
    assert "<built-in method builtins.exec>" in set(report.functions["function"])
    boxes, _, _ = icicle_boxes(report.profile_data)
    roots = [b for b in boxes if b.depth == 0]
    assert [b.key[2] for b in roots] == ["<module>"]
    below = {b.key[2] for b in boxes if b.depth == 1}
    assert {"score", "parse", "dataclass"} <= below
    assert 'class="awb-icicle"' in report.to_html()


def test_the_profiled_cell_is_labelled_with_its_own_prompt_number(cell_ns: Any) -> None:
    """IPython 9 counts a cell before running it; the label is still the cell's In[n]."""
    result, _ = run(cell_ns, "%%architect_profile -q -l off -o rep\nscore(parse(100))")
    assert result.success
    functions = cell_ns.user_ns["rep"].functions
    module = functions[functions["function"] == "<module>"]
    assert module["file"].tolist() == [f"In[{result.execution_count}]"]
    result, _ = run(cell_ns, "%architect_profile -q -l off -o rep score(parse(100))")
    functions = cell_ns.user_ns["rep"].functions
    module = functions[functions["function"] == "<module>"]
    assert module["file"].tolist() == [f"In[{result.execution_count}]"]


def test_code_is_taken_as_typed_like_prun(cell_ns: Any) -> None:
    """No `$name` or `{expr}` substitution (`@no_var_expand`, as %prun and %time): the
    statement runs as typed, as it does when it awaits."""
    cell_ns.user_ns["x"] = 5
    result, _ = run(cell_ns, '%architect_profile -q -l off typed = "{x} $x"')
    assert result.success
    assert cell_ns.user_ns["typed"] == "{x} $x"
    result, _ = run(cell_ns, '%%architect_profile -q -l off -o rep\ncell_typed = "{x}"')
    assert result.success
    assert cell_ns.user_ns["cell_typed"] == "{x}"


def test_the_shells_ast_transformers_apply_to_profiled_code(cell_ns: Any) -> None:
    """As `%time` does: code profiled by the magics is transformed like any cell."""
    import ast

    class FortyOneIsFortyTwo(ast.NodeTransformer):
        def visit_Constant(self, node: ast.Constant) -> ast.Constant:
            return ast.copy_location(ast.Constant(42), node) if node.value == 41 else node

    transformer = FortyOneIsFortyTwo()
    cell_ns.ast_transformers.append(transformer)
    try:
        line, _ = run(cell_ns, "%architect_profile -q -l off from_line = 41")
        cell, _ = run(cell_ns, "%%architect_profile -q -l off\nfrom_cell = 41\nfrom_cell + 0")
    finally:
        cell_ns.ast_transformers.remove(transformer)
    assert line.success
    assert cell.success
    assert cell_ns.user_ns["from_line"] == 42
    assert cell_ns.user_ns["from_cell"] == 42
    assert cell.result == 42


def test_the_option_table_is_the_parsers() -> None:
    """Every flag the parser declares splits off the statement; nothing else does."""
    from workbench.ipython.magics import WorkbenchMagics, split_line

    parser = WorkbenchMagics.architect_profile.parser
    for action in parser._actions:
        for flag in action.option_strings:
            option = flag if action.nargs == 0 else f"{flag} V"
            assert split_line(f"{option} f(1)") == (option, "f(1)"), flag
    assert split_line("--not-a-flag f(1)") == ("", "--not-a-flag f(1)")


def test_our_magic_under_prun_is_refused_and_prun_keeps_its_hook(ip: Any) -> None:
    from IPython.core.error import UsageError
    from IPython.utils.capture import capture_output

    ip.user_ns["parse"] = parse
    with capture_output():
        result = ip.run_cell(
            "%prun -q get_ipython().run_line_magic('architect_profile', 'parse(3)')",
            store_history=True,
        )
    assert isinstance(result.error_in_exec, UsageError)
    assert "another profiler" in str(result.error_in_exec)
