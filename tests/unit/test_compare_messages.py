"""What a compare says: wording of ratios near 1, and messages that quote values short
(issue 16, finding 6)."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import workbench
from workbench.comparison import Version
from workbench.comparison.assemble import pair
from workbench.comparison.timing import Timing

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
BIG = list(range(50_000))  # a value whose repr is 300 kB
SHORT = 1_000  # characters: any message longer than this quotes too much


def _comparison(peaks: tuple[int, int], seconds: tuple[float, float], min_effect: float) -> Any:
    """A Comparison of two versions with steady timings, built as `compare` builds one."""
    report = workbench.Report.load(FIXTURES / "traced")  # a saved profile: fixed numbers
    base = Version("base", Timing((seconds[0],) * 8, 1), peaks[0], report)
    cand = Version("cand", Timing((seconds[1],) * 8, 1), peaks[1], report)
    return pair(base, cand, True, min_effect)


@pytest.mark.parametrize("peaks", [(1_000_000, 996_000), (996_000, 1_000_000), (10, 10)])
def test_a_memory_ratio_that_rounds_to_one_reads_about_the_same(peaks: tuple[int, int]) -> None:
    c = _comparison(peaks, (0.01, 0.01), 0.03)
    for text in (c.to_text(), c.to_html()):
        assert "about the same (tracemalloc)" in text
        assert "1.00x less" not in text
        assert "1.00x more" not in text


def test_a_memory_ratio_away_from_one_says_less_or_more() -> None:
    assert "2.00x less (tracemalloc)" in _comparison((2_000, 1_000), (0.01, 0.01), 0.03).to_text()
    assert "1.01x more (tracemalloc)" in _comparison((1_000, 1_010), (0.01, 0.01), 0.03).to_text()


def test_a_certain_change_under_one_percent_is_not_called_1_00x() -> None:
    faster = _comparison((10, 10), (0.01, 0.00996), 0.0)  # 0.4% faster, no noise
    assert faster.verdict == "faster"
    assert "is 0.4% faster than base" in faster.headline()
    slower = _comparison((10, 10), (0.00996, 0.01), 0.0)
    assert "is 0.4% slower than base" in slower.headline()


def test_a_mismatch_of_huge_values_is_quoted_short() -> None:
    cases: list[tuple[Any, Any]] = [
        (BIG, [*BIG[:-1], -1]),  # one item differs
        ({tuple(BIG): 1}, {tuple(BIG): 2}),  # under a huge key
        ({"a": 1}, {tuple(BIG): 1}),  # a huge key only in the second
        (str(BIG), str(BIG[:-1])),  # huge strings
        (pd.DataFrame({"x": BIG}), pd.DataFrame({"x": [-v for v in BIG]})),
    ]
    for baseline, candidate in cases:
        with pytest.raises(workbench.ResultMismatchError) as caught:
            workbench.compare(lambda b=baseline: b, lambda c=candidate: c, repeat=8)
        assert len(str(caught.value)) < SHORT


def test_a_check_returning_a_huge_falsy_value_is_quoted_short() -> None:
    class Verdict:
        def __bool__(self) -> bool:
            return False

        def __repr__(self) -> str:
            return repr(BIG)

    with pytest.raises(workbench.ResultMismatchError) as caught:
        workbench.compare(lambda: 1, lambda: 1, check=lambda a, b: Verdict(), repeat=8)
    assert "returned [0, 1, 2" in str(caught.value)
    assert len(str(caught.value)) < SHORT


def test_versions_named_by_their_repr_are_named_short() -> None:
    def total(values: list[int]) -> int:
        return sum(values)

    def wrong(values: list[int]) -> int:
        return -sum(values)

    with pytest.raises(workbench.ResultMismatchError) as caught:
        workbench.compare({"a": partial(total, BIG), "b": partial(wrong, BIG)}, repeat=8)
    assert len(str(caught.value)) < SHORT
    c = workbench.compare(partial(total, BIG), partial(total, BIG), repeat=8)
    assert c.baseline.name.endswith("total(…) (baseline)")  # same name: qualified
    assert len(c.baseline.name) < 100


@pytest.mark.parametrize(
    "options",
    [
        {"check": str(BIG)},
        {"check": BIG},
        {"min_effect": BIG},
        {"seconds": BIG},
        {"repeat": BIG},
        {"progress": BIG},
    ],
)
def test_a_bad_option_holding_a_huge_value_is_quoted_short(options: dict[str, Any]) -> None:
    with pytest.raises(workbench.OptionError) as caught:
        workbench.compare(lambda: 1, lambda: 1, **options)
    assert len(str(caught.value)) < SHORT


@pytest.mark.parametrize("fails_at", [3, 1 + 8 + 1, 1 + 8 + 2])  # round 2, memory, profile
def test_a_fault_after_the_first_call_shows_the_users_frames_only(fails_at: int) -> None:
    """Every workbench frame between compare and the failing call hides itself
    (`__tracebackhide__`), in the timed rounds and the memory and profiled runs too."""
    calls = []

    def flaky() -> int:
        calls.append(1)
        if len(calls) == fails_at:
            raise ZeroDivisionError(f"call {fails_at}")
        time.sleep(0.025)  # over 20 ms: one call per sample, shared with none
        return 1

    with pytest.raises(ZeroDivisionError) as caught:
        workbench.compare(lambda: 1, flaky, repeat=8, progress=False)
    package = str(Path(workbench.__file__).parent)
    ours = []
    tb = caught.value.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith(package):
            ours.append((tb.tb_frame.f_code.co_name, tb.tb_frame.f_locals.get("__tracebackhide__")))
        tb = tb.tb_next
    assert ours
    assert all(hidden is True for _, hidden in ours), ours
