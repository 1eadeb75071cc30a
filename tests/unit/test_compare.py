"""compare(): equality, statistics on injected clocks, memory, profile diff, rankings."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import workbench
from tests.helpers import FakeClock
from workbench.comparison.timing import (
    MIN_ROUNDS,
    Timing,
    plan_rounds,
    rounds,
    speedup_interval,
    verdict,
)


def parse(line: str) -> int:
    return sum(int(x) for x in line.split(","))


LINES = [f"{i},{i + 1},{i + 2}" for i in range(50)] * 20  # 1,000 lines, 50 distinct


def test_a_caching_refactor_is_faster_with_fewer_calls() -> None:
    clock = FakeClock()
    cached = functools.lru_cache(maxsize=None)(parse)

    def slow(lines: list[str]) -> list[int]:
        clock.spend(0.010, jitter=0.05)
        return [parse(line) for line in lines]

    def fast(lines: list[str]) -> list[int]:
        clock.spend(0.002, jitter=0.05)
        return [cached(line) for line in lines]

    c = workbench.compare(slow, fast, LINES, clock=clock)
    assert c.equal is True
    assert c.verdict == "faster"
    low, high = c.speedup_ci
    assert 1 < low <= c.speedup <= high
    assert c.speedup == pytest.approx(5, rel=0.1)
    diff = c.diff.set_index("function")
    assert diff.loc["parse", "calls_before"] == len(LINES)
    assert diff.loc["parse", "calls_after"] == 0  # every line answered by the cache
    assert diff.loc["parse", "calls_change"] == -len(LINES)
    assert (c.baseline.name, c.candidate.name) == ("slow", "fast")
    assert "faster than" in c.headline()
    assert "What changed" in str(c)


def test_identical_functions_show_no_significant_difference() -> None:
    clock = FakeClock(seed=1)

    def a(lines: list[str]) -> int:
        clock.spend(0.005, jitter=0.1)
        return len(lines)

    def b(lines: list[str]) -> int:
        clock.spend(0.005, jitter=0.1)
        return len(lines)

    c = workbench.compare(a, b, LINES, clock=clock)
    assert c.verdict == "no significant difference"
    assert not c.significant
    assert "no significant difference" in c.headline()


def test_a_small_but_certain_change_is_below_min_effect() -> None:
    clock = FakeClock()

    def a() -> int:
        clock.spend(0.0100)
        return 1

    def b() -> int:
        clock.spend(0.0099)  # 1% faster, with no noise at all
        return 1

    c = workbench.compare(a, b, clock=clock, repeat=10)
    assert c.speedup_ci[0] > 1
    assert c.verdict == "no significant difference"
    assert workbench.compare(a, b, clock=clock, repeat=10, min_effect=0.005).verdict == "faster"


@pytest.mark.parametrize(
    ("baseline", "candidate", "where"),
    [
        ([1, 2, 3], [1, 2, 4], "[2]: 3 != 4"),
        ({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]}, "['a'][1]['b']: 2 != 3"),
        ([1, 2], [1, 2, 3], "2 items vs 3"),
        ({"a": 1}, {"b": 1}, "key 'a' only in the first"),
        (np.arange(4), np.array([0, 1, 2, 5]), "Mismatched elements: 1 / 4"),
        (
            pd.DataFrame({"x": [1, 2], "y": [3, 4]}),
            pd.DataFrame({"x": [1, 2], "y": [3, 5]}),
            'DataFrame.iloc[:, 1] (column name="y") are different',
        ),
        (pd.Series([1.0, 2.0]), pd.Series([1.0, 2.5]), "Series values are different"),
    ],
)
def test_a_different_result_raises_with_the_first_difference(
    baseline: Any, candidate: Any, where: str
) -> None:
    with pytest.raises(workbench.ResultMismatchError) as caught:
        workbench.compare(lambda: baseline, lambda: candidate, repeat=MIN_ROUNDS)
    assert where in str(caught.value)
    assert "no speedup is claimed" in str(caught.value)
    assert caught.value.candidate.endswith("<lambda> (candidate)")


def test_equal_frames_arrays_and_nans_pass() -> None:
    frame = pd.DataFrame({"x": [1.0, float("nan")]})
    for value in (frame, np.arange(3), [float("nan")], {"k": (1, 2)}):
        c = workbench.compare(lambda v=value: v, lambda v=value: v, repeat=MIN_ROUNDS)
        assert c.equal is True


def test_a_generator_candidate_is_consumed_and_compared() -> None:
    clock = FakeClock()
    consumed = []

    def materialized(lines: list[str]) -> list[int]:
        clock.spend(0.005)
        return [parse(line) for line in lines]

    def streamed(lines: list[str]) -> Iterator[int]:
        for line in lines:
            consumed.append(line)
            yield parse(line)
        clock.spend(0.005)  # a call of 5 ms is not looped, nor run again to time it warm

    c = workbench.compare(materialized, streamed, LINES, repeat=MIN_ROUNDS, clock=clock)
    assert c.equal is True
    assert c.candidate.timing.number == 1
    # consumed by: the equality run, the rounds, the memory run and the profiled run
    assert len(consumed) == len(LINES) * (1 + MIN_ROUNDS + 2)
    assert c.diff.set_index("function").loc["streamed", "calls_after"] == len(LINES) + 1
    with pytest.raises(workbench.ResultMismatchError, match="1000 items vs 999"):
        workbench.compare(materialized, lambda ls: streamed(ls[:-1]), LINES, repeat=MIN_ROUNDS)


def records(n: int) -> list[dict[str, int]]:
    return [{"id": i, "value": i * 2} for i in range(n)]


def as_list(n: int) -> list[int]:
    rows = records(n)
    return [row["value"] for row in rows]


def as_stream(n: int) -> Iterator[int]:
    for i in range(n):
        yield {"id": i, "value": i * 2}["value"]


def test_memory_ratio_of_a_streaming_pipeline_is_exact_and_repeatable() -> None:
    n = 20_000
    first = workbench.compare(as_list, as_stream, n, repeat=MIN_ROUNDS)
    second = workbench.compare(as_list, as_stream, n, repeat=MIN_ROUNDS)
    # the list version holds n dicts (at least 64 bytes each) and n ints at its peak
    assert first.baseline.peak_memory > n * 64
    assert first.candidate.peak_memory < 4096  # one record at a time
    assert first.memory_ratio is not None
    assert second.memory_ratio is not None
    assert first.memory_ratio > 300
    assert second.baseline.peak_memory == pytest.approx(first.baseline.peak_memory, rel=0.001)
    assert second.memory_ratio == pytest.approx(first.memory_ratio, rel=0.05)


def test_check_none_skips_and_a_custom_check_decides() -> None:
    c = workbench.compare(lambda: 1, lambda: 2, check=None, repeat=MIN_ROUNDS)
    assert c.equal is None

    def close(a: float, b: float) -> bool:
        return abs(a - b) < 0.01

    assert (
        workbench.compare(lambda: 1.0, lambda: 1.001, check=close, repeat=MIN_ROUNDS).equal is True
    )
    with pytest.raises(workbench.ResultMismatchError, match="returned False"):
        workbench.compare(lambda: 1.0, lambda: 1.1, check=close, repeat=MIN_ROUNDS)


def test_many_versions_are_ranked_against_the_first() -> None:
    clock = FakeClock()

    def version(cost: float) -> Any:
        def run(n: int) -> int:
            clock.spend(cost, jitter=0.02)
            return n

        return run

    ranking = workbench.compare(
        {"v1": version(0.010), "v2": version(0.005), "v3": version(0.020)}, 7, clock=clock
    )
    assert list(ranking.table["name"]) == ["v2", "v1", "v3"]
    assert list(ranking.table["verdict"]) == ["faster", "baseline", "slower"]
    assert set(ranking.comparisons) == {"v2", "v3"}
    assert ranking.comparisons["v2"].speedup == pytest.approx(2, rel=0.1)
    assert "Versions against the first" in str(ranking)
    assert "<table>" in ranking.to_html()


def test_compare_needs_two_functions() -> None:
    with pytest.raises(workbench.OptionError):
        workbench.compare(parse, "not a function")


def test_a_comparison_saves_without_overwriting(tmp_path: Path) -> None:
    c = workbench.compare(as_list, as_stream, 100, repeat=MIN_ROUNDS)
    paths = c.save(tmp_path)
    assert {"json", "html", "csv", "baseline_prof", "candidate_json"} <= set(paths)
    assert workbench.Report.load(tmp_path / "candidate") == c.candidate.report
    assert "&lt;" not in paths["html"].read_text() or "as_stream" in paths["html"].read_text()
    with pytest.raises(workbench.ReportExistsError):
        c.save(tmp_path)
    c.save(tmp_path, overwrite=True)


def test_html_escapes_names() -> None:
    c = workbench.compare({"<b>x</b>": lambda: 1, "<i>y</i>": lambda: 1}, repeat=MIN_ROUNDS)
    html = c.comparisons["<i>y</i>"].to_html()
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_compare_async_times_coroutines_on_the_loop() -> None:
    clock = FakeClock()

    async def sequential(n: int) -> list[int]:
        out = []
        for i in range(n):
            await asyncio.sleep(0)
            out.append(i)
        clock.spend(0.004 * n, jitter=0.02)
        return out

    async def concurrent(n: int) -> list[int]:
        async def one(i: int) -> int:
            await asyncio.sleep(0)
            return i

        clock.spend(0.004, jitter=0.02)
        return list(await asyncio.gather(*(one(i) for i in range(n))))

    async def main() -> Any:
        return await workbench.compare_async(sequential, concurrent, 10, clock=clock)

    c = asyncio.run(main())
    assert c.equal is True
    assert c.verdict == "faster"
    tasks = c.candidate.report.tasks
    assert (tasks["coroutine"].str.endswith("one")).sum() == 10
    assert c.baseline.report.tasks["resumptions"].tolist() == [10]
    # 1 task for the sequential coroutine; 1 + 10 for the concurrent one.
    assert "tasks 1 -> 11 (yours 1 -> 11)" in c.to_text()


# Statistics on synthetic timings.


def test_speedup_interval_of_exact_timings() -> None:
    base, cand = Timing((0.01,) * 20, 1), Timing((0.005,) * 20, 1)
    assert speedup_interval(base, cand) == (2.0, 2.0, 2.0)


def test_speedup_interval_is_deterministic_and_covers_the_ratio() -> None:
    rng = np.random.default_rng(3)
    base = Timing(tuple(0.010 + rng.normal(0, 0.001, 30)), 1)
    cand = Timing(tuple(0.008 + rng.normal(0, 0.001, 30)), 1)
    first, again = speedup_interval(base, cand), speedup_interval(base, cand)
    assert first == again
    speedup, low, high = first
    assert low < speedup < high
    assert low > 1.0


@pytest.mark.parametrize(
    ("speedup", "low", "high", "expected"),
    [
        (1.5, 1.4, 1.6, "faster"),
        (0.5, 0.45, 0.55, "slower"),
        (1.2, 0.9, 1.5, "no significant difference"),
        (1.02, 1.01, 1.03, "no significant difference"),
    ],
)
def test_verdict(speedup: float, low: float, high: float, expected: str) -> None:
    assert verdict(speedup, low, high, 0.03) == expected


def test_rounds_alternate_and_plans_fit_the_budget() -> None:
    assert list(rounds(2, 4)) == [0, 1, 1, 0, 0, 1, 1, 0]
    assert list(rounds(3, 2)) == [0, 1, 2, 2, 1, 0]
    plan = plan_rounds([0.1, 0.1], seconds=2.0, repeat=None)
    assert plan.rounds == 10
    assert plan.numbers == (1, 1)
    fast = plan_rounds([1e-6, 0.01], seconds=3.0, repeat=None)
    assert 2000 <= fast.numbers[0] <= 2001  # a 1 µs call is looped to make a 2 ms sample
    assert plan_rounds([10.0, 10.0], seconds=3.0, repeat=None).rounds == MIN_ROUNDS == 8
    assert plan_rounds([0.1, 0.1], seconds=3.0, repeat=7).rounds == 7


def test_an_unknown_check_name_is_an_option_error() -> None:
    with pytest.raises(workbench.OptionError, match="check='none'"):
        workbench.compare(lambda: 1, lambda: 1, check="none", repeat=MIN_ROUNDS)  # type: ignore[arg-type]


def test_a_built_in_bound_to_an_object_matches_across_processes() -> None:
    """Saved runs come from two processes: the object's address in cProfile's name of a
    bound built-in differs, and the diff still has one row for it."""
    from workbench.comparison.diff import profile_diff

    def table(address: str, calls: int, seconds: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "function": [f"<built-in method __new__ of type object at {address}>", "step"],
                "file": ["", "job.py"],
                "line": [0, 4],
                "ncalls": [calls, calls],
                "tottime": [seconds, 10 * seconds],
                "user_code": [False, True],
            }
        )

    diff = profile_diff(table("0x7fee61f09f20", 6, 0.001), table("0x7fc5bd109f20", 9, 0.002))
    assert diff["function"].tolist() == ["step", "<built-in method __new__ of type object>"]
    assert diff["calls_before"].tolist() == [6, 6]
    assert diff["calls_after"].tolist() == [9, 9]
