"""Time several versions of the same work fairly, and say how sure a speedup is.

Versions are timed in rounds: every round runs each version once, the order reversed
every other round (A B, B A, A B, ...), so drift in the machine (a CPU warming up,
another process waking) hits every version alike. A speedup is the ratio of medians; its
confidence interval comes from a bootstrap over the rounds, resampling whole rounds so
the pairing is kept. The clock is a parameter, so the statistics can be tested on
synthetic timings.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Clock",
    "Plan",
    "Timing",
    "plan_rounds",
    "rounds",
    "speedup_interval",
    "time_async",
    "time_sync",
    "verdict",
]

Clock = Callable[[], float]
MIN_ROUNDS = 5
MAX_ROUNDS = 1000
MIN_SAMPLE_SECONDS = 0.002  # a sample shorter than this is mostly clock noise: loop the call


@dataclass(frozen=True)
class Timing:
    """Seconds per call of one version, one sample per round.

    Attributes:
        samples: seconds per call in each round (a sample may loop the call `number`
            times and divide).
        number: calls per sample.
    """

    samples: tuple[float, ...]
    number: int

    @property
    def median(self) -> float:
        """The median seconds per call."""
        return float(np.median(self.samples))

    @property
    def min(self) -> float:
        """The fastest sample: what the code costs when nothing disturbs it."""
        return min(self.samples)

    @property
    def spread(self) -> float:
        """The interquartile range of the samples, in seconds."""
        q1, q3 = np.quantile(self.samples, [0.25, 0.75])
        return float(q3 - q1)


@dataclass(frozen=True)
class Plan:
    """How many rounds to time, and how many calls make one sample of each version."""

    rounds: int
    numbers: tuple[int, ...]


def plan_rounds(first_calls: Sequence[float], seconds: float, repeat: int | None) -> Plan:
    """Choose the number of rounds so timing takes about `seconds`, from one call each.

    Parameters:
        first_calls: seconds one call of each version took (the warm-up).
        seconds: the time budget for all rounds together.
        repeat: a fixed number of rounds instead (at least 2).
    """
    numbers = tuple(max(1, math.ceil(MIN_SAMPLE_SECONDS / max(t, 1e-9))) for t in first_calls)
    if repeat is not None:
        return Plan(max(repeat, 2), numbers)
    per_round = sum(n * t for n, t in zip(numbers, first_calls, strict=True)) or 1e-9
    return Plan(min(max(int(seconds / per_round), MIN_ROUNDS), MAX_ROUNDS), numbers)


def rounds(versions: int, count: int) -> Iterator[int]:
    """The order of the calls: each version once per round, every other round reversed."""
    for r in range(count):
        order = range(versions) if r % 2 == 0 else range(versions - 1, -1, -1)
        yield from order


class _Samples:
    """Walks the rounds of a plan and collects each version's per-call seconds."""

    def __init__(self, plan: Plan, versions: int) -> None:
        self._plan = plan
        self._samples: list[list[float]] = [[] for _ in range(versions)]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        """(version, calls in this sample), in the alternating order."""
        for i in rounds(len(self._samples), self._plan.rounds):
            yield i, self._plan.numbers[i]

    def add(self, version: int, seconds: float) -> None:
        self._samples[version].append(seconds / self._plan.numbers[version])

    def timings(self) -> list[Timing]:
        return [Timing(tuple(s), n) for s, n in zip(self._samples, self._plan.numbers, strict=True)]


def time_sync(calls: Sequence[Callable[[], object]], plan: Plan, clock: Clock) -> list[Timing]:
    """Time each call per `plan`, alternating; one Timing per call."""
    samples = _Samples(plan, len(calls))
    for i, number in samples:
        start = clock()
        for _ in range(number):
            calls[i]()
        samples.add(i, clock() - start)
    return samples.timings()


async def time_async(
    calls: Sequence[Callable[[], Awaitable[object]]], plan: Plan, clock: Clock
) -> list[Timing]:
    """`time_sync` for coroutine functions, awaited on the running loop."""
    samples = _Samples(plan, len(calls))
    for i, number in samples:
        begin = clock()
        for _ in range(number):
            await calls[i]()
        samples.add(i, clock() - begin)
    return samples.timings()


def speedup_interval(
    baseline: Timing,
    candidate: Timing,
    *,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float, float]:
    """The speedup (baseline median / candidate median) and its bootstrap interval.

    Returns:
        (speedup, low, high); > 1 means the candidate is faster.
    """
    a, b = np.asarray(baseline.samples), np.asarray(candidate.samples)
    speedup = float(np.median(a) / np.median(b))
    rng = np.random.default_rng(seed)  # fixed: the same timings give the same interval
    picks = rng.integers(0, len(a), size=(resamples, len(a)))
    ratios = np.median(a[picks], axis=1) / np.median(b[picks], axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(ratios, [tail, 1 - tail])
    return speedup, float(low), float(high)


def verdict(speedup: float, low: float, high: float, min_effect: float) -> str:
    """ "faster", "slower" or "no significant difference".

    A change counts when its interval excludes 1.0 and it is at least `min_effect`
    (a fraction: 0.03 is 3%) either way.
    """
    if low <= 1.0 <= high or abs(speedup - 1.0) < min_effect:
        return "no significant difference"
    return "faster" if speedup > 1.0 else "slower"
