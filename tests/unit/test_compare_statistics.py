"""An A/A compare never claims a difference its rounds cannot support (issue 16, finding 5).

The timings come from a fake clock drawing seeded noise: no real timing, same numbers
on every run.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

import workbench
from tests.helpers import FakeClock
from workbench.comparison.timing import MIN_ROUNDS, Timing, interval_rank, speedup_interval

TRIALS = 40
NO_DIFFERENCE = "no significant difference"


def version(clock: FakeClock, seconds: float, jitter: float) -> Callable[[], int]:
    """A version whose call costs `seconds` on the fake clock, with relative noise."""

    def run() -> int:
        clock.spend(seconds, jitter=jitter)
        return 1

    return run


def verdicts(repeat: int, cost_b: float, jitter: float = 0.1) -> list[str]:
    """The verdicts of TRIALS compares of a 5 ms version A with a version B, one seed each."""
    found = []
    for seed in range(TRIALS):
        clock = FakeClock(seed)
        a, b = version(clock, 0.005, jitter), version(clock, cost_b, jitter)
        found.append(workbench.compare(a, b, clock=clock, repeat=repeat).verdict)
    return found


def test_a_a_at_the_fewest_allowed_rounds_says_no_difference() -> None:
    """The acceptance test: >= 95% of A/A compares at the minimum find no difference.

    The noise (10% per call) is far above `min_effect` (3%), so the interval, not the
    threshold, has to keep the verdict honest. (Before: 2 rounds were allowed, and a
    bootstrap over 2 or 3 rounds claimed a difference in about a quarter of them.)
    """
    found = verdicts(MIN_ROUNDS, 0.005)
    assert found.count(NO_DIFFERENCE) >= 0.95 * TRIALS, found


@pytest.mark.parametrize("repeat", range(1, MIN_ROUNDS))
def test_fewer_rounds_than_an_interval_needs_are_refused(repeat: int) -> None:
    ran = []
    with pytest.raises(workbench.OptionError, match=f"at least {MIN_ROUNDS} timed rounds"):
        workbench.compare(lambda: ran.append(1), lambda: ran.append(2), repeat=repeat)
    assert ran == []  # refused before anything ran


def test_a_clear_difference_is_still_found_at_the_fewest_rounds() -> None:
    for seed in range(TRIALS // 2):
        clock = FakeClock(seed)
        versions = {
            "A": version(clock, 0.005, 0.1),
            "half": version(clock, 0.0025, 0.1),
            "double": version(clock, 0.010, 0.1),
        }
        ranking = workbench.compare(versions, clock=clock, repeat=MIN_ROUNDS)
        assert ranking.comparisons["half"].verdict == "faster"
        assert ranking.comparisons["double"].verdict == "slower"


def test_the_interval_misses_no_change_at_most_5_percent_of_the_time() -> None:
    """The exact level of the order-statistic interval, for every round count compare
    can plan: with no real difference, each round's ratio is above or below 1 with
    probability 1/2, and the interval excludes 1 only when k or fewer fall on one side."""
    # An interval exists from 6 rounds (2 / 2**6 = 3.1%; 2 / 2**5 = 6.25% is too much);
    # compare asks for 8, where A/A is wrong 0.8% of the time, not 3.1%.
    assert MIN_ROUNDS == 8
    assert interval_rank(MIN_ROUNDS) == 0
    for n in [*range(1, 301), 500, 999, 1000]:
        k = interval_rank(n)
        if n < 6:
            assert k is None
            continue
        assert k is not None
        miss = 2 * sum(math.comb(n, j) for j in range(k + 1)) / 2**n
        assert miss <= 0.05
        wider = 2 * sum(math.comb(n, j) for j in range(k + 2)) / 2**n
        assert wider > 0.05  # k is the largest that keeps the level: no power wasted


def test_fewer_rounds_than_an_interval_needs_give_an_unbounded_one() -> None:
    five = Timing((0.02, 0.021, 0.019, 0.02, 0.02), 1)
    half = Timing((0.01, 0.0105, 0.0095, 0.01, 0.01), 1)
    speedup, low, high = speedup_interval(five, half)
    assert speedup == pytest.approx(2.0)
    assert (low, high) == (0.0, math.inf)  # even a steady 2x is no verdict from 5 rounds


def test_the_speedup_is_the_median_of_paired_ratios_inside_its_interval() -> None:
    base = Timing((0.010, 0.020, 0.012, 0.011, 0.013, 0.010, 0.014), 1)
    cand = Timing((0.005, 0.010, 0.006, 0.010, 0.013, 0.005, 0.007), 1)
    speedup, low, high = speedup_interval(base, cand)
    ratios = sorted(b / c for b, c in zip(base.samples, cand.samples, strict=True))
    assert speedup == pytest.approx(ratios[3])
    assert (low, high) == (ratios[0], ratios[-1])  # 7 rounds: k = 0


def test_too_few_rounds_are_refused_with_the_fix() -> None:
    for repeat in (1, 3, MIN_ROUNDS - 1, True, 2.5, [0] * 50_000):
        with pytest.raises(workbench.OptionError) as caught:
            workbench.compare(lambda: 1, lambda: 1, repeat=repeat)  # type: ignore[arg-type]
        message = str(caught.value)
        assert f"repeat={MIN_ROUNDS} or more" in message
        assert len(message) < 400  # a 50,000-item list is quoted short


def test_quick_versions_are_timed_warm_and_alike() -> None:
    """The first call is cold: here the baseline's takes 10x longer (it warms what both
    versions share). Calls per sample come from warm calls, and versions of about the
    same speed share them, so an A/A compare times both on samples of the same length."""
    clock = FakeClock()
    calls = {"a": 0, "b": 0}

    def timed(name: str, cold: float, warm: float) -> Callable[[], int]:
        def run() -> int:
            calls[name] += 1
            clock.spend(cold if calls[name] == 1 else warm)
            return 1

        return run

    c = workbench.compare(
        timed("a", 0.0005, 0.00005), timed("b", 0.00006, 0.00005), clock=clock, repeat=8
    )
    assert c.baseline.timing.number == c.candidate.timing.number == 40  # 2 ms / 50 µs
    assert c.speedup == pytest.approx(1.0)


def test_versions_of_very_different_speeds_keep_their_own_calls_per_sample() -> None:
    clock = FakeClock()
    quick, slow = version(clock, 0.00001, 0.0), version(clock, 0.05, 0.0)
    c = workbench.compare(quick, slow, clock=clock, repeat=MIN_ROUNDS)
    assert (c.baseline.timing.number, c.candidate.timing.number) == (200, 1)
    assert c.speedup == pytest.approx(0.0002)
