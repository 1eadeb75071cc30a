"""Time several versions of the same work fairly, and say how sure a speedup is.

Versions are timed in rounds: every round runs each version once, the order reversed
every other round (A B, B A, A B, ...), so drift in the machine (a CPU warming up,
another process waking) hits every version alike. Each round gives one paired ratio,
baseline time / candidate time. The speedup is the median of those ratios, and its
confidence interval is the distribution-free one of a median: two order statistics of
the ratios, chosen with the binomial distribution (the sign test turned into an
interval). It assumes nothing about the shape of the noise, so it stays honest for a
handful of rounds; with fewer than `MIN_ROUNDS` no 95% interval exists at all. The clock
is a parameter, so the statistics can be tested on synthetic timings.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "CONFIDENCE",
    "MIN_ROUNDS",
    "Clock",
    "Plan",
    "Timed",
    "Timing",
    "interval_rank",
    "plan_rounds",
    "rounds",
    "speedup_interval",
    "time_async",
    "time_sync",
    "verdict",
]

Clock = Callable[[], float]
CONFIDENCE = 0.95
MAX_ROUNDS = 1000
MIN_SAMPLE_SECONDS = 0.002  # a sample shorter than this is mostly clock noise: loop the call
SHARED_SAMPLE_SECONDS = 0.02  # versions share one calls-per-sample while samples stay this short


def interval_rank(n: int, confidence: float = CONFIDENCE) -> int | None:
    """Which order statistics of `n` ratios bound the median with `confidence`.

    The interval from the k-th smallest to the k-th largest ratio (0-based k) misses the
    true median only when k or fewer ratios fall on one side of it; with no real
    difference each ratio falls on either side with probability 1/2, so that chance is
    2 * P(Binomial(n, 1/2) <= k). The largest k keeping it within 1 - confidence is
    returned, or None when even the smallest and largest ratio are not enough (n too
    small: the interval is then unbounded).
    """
    tail = (1 - confidence) / 2
    cdf, rank = 0.0, None
    for k in range(n // 2 + 1):
        cdf += math.comb(n, k) / 2**n  # exact integers, then one division
        if cdf > tail:
            break
        rank = k
    return rank


# The fewest rounds whose ratios can exclude "no change" at 95% are 6 (2/2**6 = 3.1%), but
# at 6 an A/A compare still says "faster" or "slower" 3.1% of the time: in 40 trials, 3
# or more (below 95% right) in 13% of batches. At 8 the interval is still the extreme
# ratios, and the rate 2/2**8 = 0.8% (3 or more of 40: 0.4%).
MIN_ROUNDS = 8


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


@dataclass(frozen=True)
class Timed:
    """What the timed rounds gave: one Timing per version, complete rounds only.

    Attributes:
        timings: one per version, each with one sample per complete round.
        interrupted: a KeyboardInterrupt stopped the rounds before the plan's end.
    """

    timings: list[Timing]
    interrupted: bool

    @property
    def rounds(self) -> int:
        """The number of complete rounds."""
        return len(self.timings[0].samples) if self.timings else 0


def plan_rounds(per_call: Sequence[float], seconds: float, repeat: int | None) -> Plan:
    """Choose the calls per sample and the number of rounds, so timing takes `seconds`.

    Every version loops its call into samples of `MIN_SAMPLE_SECONDS` or more. Versions
    then take the same number of calls per sample (the largest) when no sample grows past
    `SHARED_SAMPLE_SECONDS` by it: the versions of a round then do the same work, and
    versions of about the same speed are timed on samples of the same length, whatever
    noise went into the estimates. Versions of very different speeds keep their own.

    Parameters:
        per_call: seconds one (warm) call of each version takes.
        seconds: the time budget for all rounds together.
        repeat: a fixed number of rounds instead (`compare` checks it is at least
            `MIN_ROUNDS`).
    """
    numbers = tuple(max(1, math.ceil(MIN_SAMPLE_SECONDS / max(t, 1e-9) - 1e-9)) for t in per_call)
    shared = max(numbers)
    if all(shared * t <= SHARED_SAMPLE_SECONDS for t in per_call):
        numbers = (shared,) * len(numbers)
    if repeat is not None:
        return Plan(repeat, numbers)
    per_round = sum(n * t for n, t in zip(numbers, per_call, strict=True)) or 1e-9
    return Plan(min(max(int(seconds / per_round), MIN_ROUNDS), MAX_ROUNDS), numbers)


def rounds(versions: int, count: int) -> Iterator[int]:
    """The order of the calls: each version once per round, every other round reversed."""
    for r in range(count):
        order = range(versions) if r % 2 == 0 else range(versions - 1, -1, -1)
        yield from order


class _Samples:
    """Walks the rounds of a plan, collects each version's per-call seconds, and calls
    `on_round` after each complete round."""

    def __init__(self, plan: Plan, versions: int, on_round: Callable[[], None]) -> None:
        self._plan = plan
        self._samples: list[list[float]] = [[] for _ in range(versions)]
        self._on_round = on_round

    def __iter__(self) -> Iterator[tuple[int, int]]:
        """(version, calls in this sample), in the alternating order."""
        for i in rounds(len(self._samples), self._plan.rounds):
            yield i, self._plan.numbers[i]

    def add(self, version: int, seconds: float) -> None:
        self._samples[version].append(seconds / self._plan.numbers[version])
        if len({len(s) for s in self._samples}) == 1:
            self._on_round()

    @property
    def complete(self) -> int:
        """The number of complete rounds so far."""
        return min(len(s) for s in self._samples)

    def timed(self, interrupted: bool) -> Timed:
        """The complete rounds: a round cut short by an interrupt is dropped whole, so
        every version keeps the same rounds and the ratios stay paired."""
        timings = [
            Timing(tuple(s[: self.complete]), n)
            for s, n in zip(self._samples, self._plan.numbers, strict=True)
        ]
        return Timed(timings, interrupted)


def _nothing() -> None:
    return None


def time_sync(
    calls: Sequence[Callable[[], object]],
    plan: Plan,
    clock: Clock,
    on_round: Callable[[], None] = _nothing,
) -> Timed:
    """Time each call per `plan`, alternating; one Timing per call.

    A KeyboardInterrupt (Ctrl-C, or raised by a call) ends the rounds: the complete ones
    are kept and the result says it was interrupted. Before the first round is complete
    there is nothing to keep, and the interrupt propagates, as other exceptions do.
    """
    __tracebackhide__ = True  # tracebacks show the user's frames, not ours
    samples = _Samples(plan, len(calls), on_round)
    try:
        for i, number in samples:
            start = clock()
            for _ in range(number):
                calls[i]()
            samples.add(i, clock() - start)
    except KeyboardInterrupt:
        if not samples.complete:
            raise
        return samples.timed(interrupted=True)
    return samples.timed(interrupted=False)


async def time_async(
    calls: Sequence[Callable[[], Awaitable[object]]],
    plan: Plan,
    clock: Clock,
    on_round: Callable[[], None] = _nothing,
) -> Timed:
    """`time_sync` for coroutine functions, awaited on the running loop."""
    __tracebackhide__ = True  # tracebacks show the user's frames, not ours
    samples = _Samples(plan, len(calls), on_round)
    try:
        for i, number in samples:
            begin = clock()
            for _ in range(number):
                await calls[i]()
            samples.add(i, clock() - begin)
    except KeyboardInterrupt:
        if not samples.complete:
            raise
        return samples.timed(interrupted=True)
    return samples.timed(interrupted=False)


def speedup_interval(
    baseline: Timing, candidate: Timing, *, confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """The speedup (the median of the per-round ratios) and its confidence interval.

    Each round's ratio is baseline time / candidate time, measured in the same round
    (drift cancels). The interval holds the true median ratio with at least
    `confidence`, whatever the shape of the noise (see `interval_rank`).

    Returns:
        (speedup, low, high); > 1 means the candidate is faster. With fewer rounds than
        an interval needs (`MIN_ROUNDS` at 95%) it is (speedup, 0.0, inf): unbounded.
    """
    ratios = np.sort(np.asarray(baseline.samples) / np.asarray(candidate.samples))
    if len(ratios) == 0:
        return math.nan, 0.0, math.inf
    speedup = float(np.median(ratios))
    k = interval_rank(len(ratios), confidence)
    if k is None:
        return speedup, 0.0, math.inf
    return speedup, float(ratios[k]), float(ratios[len(ratios) - 1 - k])


def verdict(speedup: float, low: float, high: float, min_effect: float) -> str:
    """ "faster", "slower" or "no significant difference".

    A change counts when its interval excludes 1.0 and it is at least `min_effect`
    (a fraction: 0.03 is 3%) either way. An unbounded interval (too few rounds) always
    includes 1.0.
    """
    if not low <= high or low <= 1.0 <= high or not abs(speedup - 1.0) >= min_effect:
        return "no significant difference"
    return "faster" if speedup > 1.0 else "slower"
