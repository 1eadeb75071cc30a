"""W1: many small calls (a hook that fires per call costs the most here)."""

from __future__ import annotations

from collections.abc import Callable

NAME = "many small calls"


def leaf(x: int) -> int:
    return x + 1


def middle(x: int) -> int:
    return leaf(x) * 2 - leaf(x - 1)


def work(n: int) -> int:
    total = 0
    for i in range(n):
        total += middle(i)
    return total


def prepare(scale: float) -> Callable[[], object]:
    n = max(1, int(2_500_000 * scale))
    return lambda: work(n)


def hot() -> list[Callable[..., object]]:
    return [work, middle]


def memory_target() -> Callable[..., object]:
    return work
