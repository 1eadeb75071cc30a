"""The plain API on workloads with a known hotspot: rankings, line detail, call counts."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable

import pytest

import workbench
from tests import workloads
from workbench.report.schema import COLUMNS

N = 200_000


@pytest.fixture(scope="module")
def default_report() -> workbench.Report:
    return workbench.profile(workloads.pipeline, N)


def test_profile_returns_the_result_and_runs_once(default_report: workbench.Report) -> None:
    assert default_report.result == workloads.pipeline(N)
    calls = default_report.functions.set_index("function")["ncalls"]
    assert calls["pipeline"] == 1
    assert calls["score"] == 1
    assert calls["parse"] == 1


def test_functions_table_schema_and_order(default_report: workbench.Report) -> None:
    functions = default_report.functions
    assert list(functions.columns) == list(COLUMNS["functions"])
    assert functions["tottime"].is_monotonic_decreasing
    assert functions["share"].sum() == pytest.approx(1.0)


def test_hot_stage_ranks_first_by_own_time(default_report: workbench.Report) -> None:
    user = default_report.functions_in_user_code()
    assert user.iloc[0]["function"] == "score"
    assert user.iloc[0]["file"] == "tests/workloads.py"
    first = workloads.line_of(workloads.score, "def score")
    assert default_report.summary.hottest_function == f"score (tests/workloads.py:{first})"


def test_cprofile_counts_calls_exactly(default_report: workbench.Report) -> None:
    calls = default_report.functions.set_index("function")["ncalls"]
    assert calls["<method 'append' of 'list' objects>"] == N
    assert default_report.summary.total_calls == default_report.functions["ncalls"].sum()


def test_workbench_frames_are_not_in_the_profile(default_report: workbench.Report) -> None:
    files = set(default_report.functions["file"])
    assert not any(f.startswith("workbench") for f in files)
    assert (default_report.functions["ncalls"] > 0).all()
    names = set(default_report.functions["function"])
    assert "<method 'disable' of '_lsprof.Profiler' objects>" not in names


def test_auto_lines_sample_the_hot_function_first(default_report: workbench.Report) -> None:
    lines = default_report.lines
    assert list(lines.columns) == list(COLUMNS["lines"])
    assert set(lines["method"]) == {"sampled"}
    assert lines.iloc[0]["function"] == "score"
    hot = workloads.line_of(workloads.score, "the hot line")
    assert lines.iloc[0]["lineno"] == hot
    assert "total += (v * k) % 7" in lines.iloc[0]["source"]


def test_named_lines_are_traced_exactly() -> None:
    with workbench.profiling(lines=[workloads.score, workloads.parse]) as run:
        workloads.pipeline(50_000)
    # cProfile still sees every call and return of the traced functions
    callers = {
        name: {caller[2] for caller in entry[4]}
        for (_, _, name), entry in run.report.pstats().stats.items()  # type: ignore[attr-defined]
    }
    assert callers["score"] == {"pipeline"}
    assert callers["render"] == {"pipeline"}
    lines = run.report.lines
    assert set(lines["method"]) == {"traced"}
    assert list(dict.fromkeys(lines["function"])) == ["score", "parse"]
    score = lines[lines["function"] == "score"]
    hot = workloads.line_of(workloads.score, "the hot line")
    assert score.iloc[0]["lineno"] == hot
    hits = score.set_index("lineno")["hits"]
    assert hits[hot] == 50_000 * 12
    assert hits[workloads.line_of(workloads.score, "total = 0")] == 1
    # every line of the function is listed, including its def line with no hits
    assert hits[workloads.line_of(workloads.score, "def score")] == 0


def test_named_lines_of_decorated_functions_are_their_bodies() -> None:
    """`functools.wraps` and `lru_cache` wrappers: the lines traced are the function's own."""

    def logged(fn: Callable[[int], int]) -> Callable[[int], int]:
        @functools.wraps(fn)
        def wrapper(n: int) -> int:
            return fn(n)

        return wrapper

    @logged
    def squares(n: int) -> int:
        return sum(i * i for i in range(n))

    @functools.cache
    def cubes(n: int) -> int:
        return sum(i * i * i for i in range(n))

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # line_profiler warns when handed a wrapper
        with workbench.profiling(lines=[squares, cubes], memory="off") as run:
            squares(1000)
            cubes(1000)
    lines = run.report.lines
    assert {name.rsplit(".", 1)[-1] for name in lines["function"]} == {"squares", "cubes"}
    sources = {s.strip() for s in lines[lines["hits"] > 0]["source"]}
    assert sources == {
        "return sum(i * i for i in range(n))",
        "return sum(i * i * i for i in range(n))",
    }


def test_line_detail_can_be_switched_off() -> None:
    with workbench.profiling(lines=None) as run:
        workloads.pipeline(1000)
    assert run.report.lines.empty
    assert run.report.summary.hottest_line is None


def test_profiling_block_and_run() -> None:
    session = workbench.profiling(lines=None, memory="off")
    report = session.run(workloads.render, 3)
    assert report.result == "total=3"
    assert report.summary.memory_source == "none"
    assert report.timeline.empty


def test_a_library_function_profiled_directly_is_kept() -> None:
    import json

    report = workbench.profiling(lines=None, memory="off").run(json.dumps, {"a": [1, 2]})
    assert "dumps" in set(report.functions["function"])


def test_summary_fields(default_report: workbench.Report) -> None:
    s = default_report.summary
    assert s.complete
    assert s.error is None
    assert s.wall_seconds > 0
    assert s.cpu_seconds > 0
    assert s.memory_source == "rss"
    assert s.peak_memory
    assert s.memory_start
    assert s.peak_memory >= s.memory_start
    assert s.lenses == ("memory (RSS)", "functions", "lines (sampled)")
    assert s.label == "pipeline(...)"
    assert s.hottest_line is not None
    assert "total += (v * k) % 7" in s.hottest_line
    assert len(default_report.timeline) >= 2
    assert default_report.timeline["t"].is_monotonic_increasing


def test_the_user_code_table_holds_only_the_users_functions() -> None:
    """The workbench's own calls while cProfile runs (a dataclass's generated __init__,
    compiled from <string>, once looked like user code) are not the user's."""
    report = workbench.profile(workloads.pipeline, 100)
    assert set(report.functions_in_user_code()["function"]) == {
        "pipeline",
        "parse",
        "score",
        "render",
    }
