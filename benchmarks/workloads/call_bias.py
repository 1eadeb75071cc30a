"""A1: function bias: three stages of similar cost, one of them made of tiny calls.

`smooth` eases every value through three one-line helpers under `sum()` (about 2 million
calls at scale 1); `quantise` does the same clamp-and-ease arithmetic inline and bins the
result; `rank` sorts records with a key lambda and sums every fifth one with `sum()` too.
cProfile's per-call cost inflates `smooth` most, `rank` a little and `quantise` not at
all, and `sum` is one builtin with two callers: a correction must charge the cost of the
calls under it to `smooth`, not share it with `rank` by their cumulative times.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from benchmarks.workloads import staged

NAME = "function bias: tiny calls vs inline vs sort"

Record = tuple[int, float, str]


def _clamp(v: float) -> float:
    return 0.0 if v < 0.0 else 1.0 if v > 1.0 else v


def _ease(v: float) -> float:
    return v * v * (3.0 - 2.0 * v)


def _weight(v: float) -> float:
    return _ease(_clamp(v))


def smooth(values: list[float]) -> float:
    return sum(_weight(v) for v in values)


def quantise(values: list[float]) -> list[int]:
    bins = [0] * 64
    for v in values:
        c = 0.0 if v < 0.0 else 1.0 if v > 1.0 else v
        bins[int(c * c * (3.0 - 2.0 * c) * 63.0)] += 1
    return bins


def rank(records: list[Record]) -> float:
    ordered = sorted(records, key=lambda r: (r[2], -r[1]))
    return sum(r[1] for r in ordered[::5])


STAGES = ("smooth", "quantise", "rank")
# For tools that report each function's own time only (Scalene): what makes up a stage.
STAGE_PARTS = {
    "smooth": ("smooth", "_weight", "_ease", "_clamp"),
    "quantise": ("quantise",),
    "rank": ("rank",),
}


def _stages(scale: float) -> list[staged.Stage]:
    rng = random.Random(1729)  # fixed seed: every run profiles the same data
    values = [rng.uniform(-0.2, 1.2) for _ in range(max(20, int(600_000 * scale)))]
    labels = "abcdefgh"
    records = [(i, rng.random(), rng.choice(labels)) for i in range(max(20, int(80_000 * scale)))]
    return [(smooth, values), (quantise, values), (rank, records)]


def prepare(scale: float) -> Callable[[], object]:
    """All three stages once, inputs built outside the timed call."""
    stages = _stages(scale)
    return lambda: staged.run(stages)


def stage_seconds(scale: float) -> dict[str, float]:
    """The truth: each stage timed with perf_counter, unprofiled."""
    return staged.seconds(_stages(scale))
