"""W5: an asyncio pipeline with simulated I/O (sleeps) and some CPU work per item."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

NAME = "asyncio pipeline, simulated I/O"


async def fetch(i: int) -> list[int]:
    await asyncio.sleep(0.002)
    return [(i * k) % 97 for k in range(400)]


def crunch(values: list[int]) -> int:
    total = 0
    for v in values:
        total += v * v % 13
    return total


async def worker(i: int, semaphore: asyncio.Semaphore) -> int:
    async with semaphore:
        return crunch(await fetch(i))


async def main(n: int) -> int:
    semaphore = asyncio.Semaphore(20)
    return sum(await asyncio.gather(*(worker(i, semaphore) for i in range(n))))


def run(n: int) -> int:
    return asyncio.run(main(n))


def prepare(scale: float) -> Callable[[], object]:
    n = max(4, int(3_000 * scale))
    return lambda: run(n)


def hot() -> list[Callable[..., object]]:
    return [crunch]


def memory_target() -> Callable[..., object]:
    return crunch
