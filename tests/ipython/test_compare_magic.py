"""`%architect_compare` in an in-process IPython shell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError

import workbench
from tests.helpers import html_outputs, run
from tests.workloads import COMPARE_SOURCE

pytestmark = pytest.mark.ipython


@pytest.fixture(scope="module")
def cmp_ns(ip: Any) -> Any:
    result, _ = run(ip, COMPARE_SOURCE)
    assert result.success
    return ip


def test_functions_by_name_with_arguments(cmp_ns: Any) -> None:
    result, captured = run(cmp_ns, "%architect_compare -o cmp -n 8 slow fast -a lines")
    assert result.success, result.error_in_exec
    c = cmp_ns.user_ns["cmp"]
    assert isinstance(c, workbench.Comparison)
    assert (c.baseline.name, c.candidate.name) == ("slow", "fast")
    assert c.equal is True
    parse_row = c.diff.set_index("function").loc["parse"]
    assert (parse_row["calls_before"], parse_row["calls_after"]) == (200, 0)
    (html,) = html_outputs(captured)
    assert "Architect Workbench compare: fast vs slow" in html


def test_the_same_version_twice_is_an_a_a_run(cmp_ns: Any) -> None:
    result, _ = run(cmp_ns, "%architect_compare -q -o cmp -n 8 slow slow -a lines")
    assert result.success, result.error_in_exec
    c = cmp_ns.user_ns["cmp"]
    assert (c.baseline.name, c.candidate.name) == ("slow", "slow (2)")
    assert c.equal is True
    parse_row = c.diff.set_index("function").loc["parse"]
    assert (parse_row["calls_before"], parse_row["calls_after"]) == (200, 200)


def test_quoted_expressions_and_a_generator(cmp_ns: Any) -> None:
    line = '%architect_compare -q -o cmp -n 8 "slow(lines)" "streamed(lines)"'
    result, captured = run(cmp_ns, line)
    assert result.success, result.error_in_exec
    assert html_outputs(captured) == []
    c = cmp_ns.user_ns["cmp"]
    assert c.candidate.name == "streamed(lines)"
    assert c.equal is True


def test_three_versions_are_ranked(cmp_ns: Any) -> None:
    result, _ = run(cmp_ns, "%architect_compare -q -o rank -n 8 slow fast streamed -a lines")
    assert result.success, result.error_in_exec
    ranking = cmp_ns.user_ns["rank"]
    assert isinstance(ranking, workbench.Ranking)
    assert set(ranking.table["name"]) == {"slow", "fast", "streamed"}


def test_coroutine_functions_run_on_the_loop(cmp_ns: Any) -> None:
    result, _ = run(cmp_ns, "%architect_compare -q -o cmp -n 8 one_by_one all_at_once -a 5")
    assert result.success, result.error_in_exec
    c = cmp_ns.user_ns["cmp"]
    assert c.equal is True
    assert c.baseline.report.tasks["resumptions"].tolist() == [5]
    line = '%architect_compare -q -n 8 "await one_by_one(2)" "await all_at_once(2)"'
    result, _ = run(cmp_ns, line)
    assert result.success, result.error_in_exec


def test_a_different_result_raises(cmp_ns: Any) -> None:
    result, _ = run(cmp_ns, "%architect_compare -n 8 slow wrong -a lines")
    error = result.error_in_exec
    assert isinstance(error, workbench.ResultMismatchError)
    assert "[0]: 1 != 0" in str(error)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("slow", "two versions or more"),
        ('slow "fast(lines)" -a lines', "-a passes arguments to functions"),
        ("slow fast -a lines --check nothing_here", "no name 'nothing_here'"),
        ("slow lines -a lines", "lines is not a function"),
        ("slow fast -a lines -o 1x", "give a variable name"),
        ("slow fast streamed -a lines -s out", "-s saves a comparison of two"),
        ("slow fast -a undefined_name", "NameError"),
    ],
)
def test_bad_options_are_usage_errors(cmp_ns: Any, line: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        cmp_ns.run_line_magic("architect_compare", line)


def test_versions_are_taken_as_typed(cmp_ns: Any) -> None:
    """No `{expr}` substitution (`@no_var_expand`, as %timeit): the expression runs as typed."""
    cmp_ns.user_ns["x"] = 5
    result, _ = run(cmp_ns, """%architect_compare -q -o typed -n 8 "'{x}'" "'{x}' + ''" """)
    assert result.success, result.error_in_exec
    assert cmp_ns.user_ns["typed"].baseline.name == "'{x}'"


# Issue 16: rounds, destinations, names, interrupts.


def test_too_few_rounds_are_a_usage_error_with_the_fix(cmp_ns: Any) -> None:
    with pytest.raises(UsageError, match=r"-n 3: .* use -n 8 or more, or leave -n out"):
        cmp_ns.run_line_magic("architect_compare", "-n 3 slow fast -a lines")


def test_an_unknown_version_says_what_compare_accepts(cmp_ns: Any) -> None:
    with pytest.raises(UsageError) as caught:
        cmp_ns.run_line_magic("architect_compare", "slow nothing_here -a lines")
    message = str(caught.value)
    assert "no name 'nothing_here'" in message
    assert "-l" not in message  # an option of %architect_profile, not of compare
    assert 'quote an expression, e.g. "nothing_here(data)"' in message
    with pytest.raises(UsageError, match=r"slow\.nope: slow has no attribute 'nope'"):
        cmp_ns.run_line_magic("architect_compare", "slow slow.nope -a lines")


def test_the_save_folder_is_checked_before_anything_runs(cmp_ns: Any, tmp_path: Path) -> None:
    folder = tmp_path / "cmp"
    result, _ = run(cmp_ns, f"%architect_compare -q -n 8 slow fast -a lines -s {folder}")
    assert result.success, result.error_in_exec
    cmp_ns.user_ns["ran"] = []
    run(cmp_ns, "def counted(lines):\n    ran.append(1)\n    return slow(lines)")
    with pytest.raises(UsageError) as caught:
        cmp_ns.run_line_magic("architect_compare", f"-n 8 slow counted -a lines -s {folder}")
    assert str(folder) in str(caught.value)
    assert "add --overwrite to replace it, or choose another folder" in str(caught.value)
    assert cmp_ns.user_ns["ran"] == []  # refused before the first call
    line = f"-q -n 8 slow counted -a lines -s {folder} --overwrite"
    cmp_ns.run_line_magic("architect_compare", line)
    assert cmp_ns.user_ns["ran"]
    a_file = tmp_path / "notes.txt"
    a_file.write_text("")
    with pytest.raises(UsageError, match="is a file; give a folder"):
        cmp_ns.run_line_magic("architect_compare", f"-n 8 slow fast -a lines -s {a_file}/out")


def test_an_interrupted_compare_shows_and_keeps_its_complete_rounds(cmp_ns: Any) -> None:
    source = (
        "import time\n"
        "calls = []\n"
        "def interrupted(lines):\n"
        "    time.sleep(0.025)  # over 20 ms: one call per sample, shared with none\n"
        "    calls.append(1)\n"
        "    if len(calls) == 5:  # the result check, then rounds 1 to 3, then Ctrl-C\n"
        "        raise KeyboardInterrupt\n"
        "    return slow(lines)\n"
    )
    run(cmp_ns, source)
    result, captured = run(
        cmp_ns, "%architect_compare -o cmp -n 10 --no-progress slow interrupted -a lines"
    )
    assert result.success, result.error_in_exec
    c = cmp_ns.user_ns["cmp"]
    assert c.interrupted
    assert c.rounds == 3
    assert c.verdict == "no significant difference"
    (html,) = html_outputs(captured)
    assert "interrupted after 3 of 10 rounds, too few for a verdict" in html
