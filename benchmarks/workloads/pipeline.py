"""W4: a three-stage pipeline whose `score` stage takes about 70% of the time unprofiled.

`parse` is call-heavy and `score` loop-heavy, as in real pipelines; a per-call hook slows
the first more than the second, which is what the accuracy figures expose.
"""

from __future__ import annotations

import time
from collections.abc import Callable

NAME = "3-stage pipeline, one stage ~70%"


def field(i: int, k: int) -> int:
    return (i * 31 + k) % 1000


def parse(n: int) -> list[tuple[int, int, int]]:
    return [(field(i, 1), field(i, 2), field(i, 3)) for i in range(n)]


def score(rows: list[tuple[int, int, int]]) -> int:
    total = 0
    for a, b, c in rows:
        for k in range(10):
            total += (a * k + b) % (c + 1)
    return total


def write(total: int, rows: list[tuple[int, int, int]]) -> str:
    return f"{total}:{len(rows)}"


def run(n: int) -> str:
    rows = parse(n)
    return write(score(rows), rows)


STAGES = ("parse", "score", "write")
HOT_STAGE = "score"
# For tools that report each function's own time only (Scalene): what makes up a stage.
STAGE_PARTS = {"parse": ("parse", "field", "<listcomp>"), "score": ("score",), "write": ("write",)}


def size(scale: float) -> int:
    return max(10, int(320_000 * scale))


def prepare(scale: float) -> Callable[[], object]:
    n = size(scale)
    return lambda: run(n)


def stage_seconds(scale: float) -> dict[str, float]:
    """The truth: each stage timed with perf_counter, unprofiled."""
    n = size(scale)
    t0 = time.perf_counter()
    rows = parse(n)
    t1 = time.perf_counter()
    total = score(rows)
    t2 = time.perf_counter()
    write(total, rows)
    t3 = time.perf_counter()
    return {"parse": t1 - t0, "score": t2 - t1, "write": t3 - t2}


def hot() -> list[Callable[..., object]]:
    return [parse, score, write]


def memory_target() -> Callable[..., object]:
    return run
