"""Workloads built to qualify for one hint each, and look-alikes built not to.

Each costs a few hundred milliseconds of CPU so that the line sampler (a sample every
millisecond or so of CPU) sees enough of it.
"""

from __future__ import annotations

import asyncio
import random
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

AGENTS = [f"Mozilla/5.0 (X11; Linux) Browser{i}/{100 + i}" for i in range(8)]
CONFIG = {f"k{i}": i for i in range(2_000)}


def classify(agent: str) -> int:
    """Pure, slow and called with few distinct arguments: the cache workload."""
    return sum(agent.count(chr(c)) for c in range(32, 127)) % 7


def classify_all(n: int) -> list[int]:
    return [classify(AGENTS[i % len(AGENTS)]) for i in range(n)]


def distinct_work(i: int) -> int:
    """Pure and slow, but every argument is new: no cache hint."""
    return sum((i * k) % 7 for k in range(100))


def distinct_all(n: int) -> list[int]:
    return [distinct_work(i) for i in range(n)]


def noisy(agent: str) -> float:
    """Repeated arguments, but not pure (random): no cache hint."""
    return sum(agent.count(chr(c)) for c in range(32, 127)) * random.random()


def noisy_all(n: int) -> list[float]:
    return [noisy(AGENTS[i % len(AGENTS)]) for i in range(n)]


def write_lines(path: Path, n: int) -> Path:
    path.write_text("".join(f"{i},item-{i},{i % 97}\n" for i in range(n)))
    return path


def total_streamable(path: Path) -> int:
    with open(path) as handle:
        lines = handle.readlines()
    return sum(int(line.rsplit(",", 1)[1]) for line in lines)


def total_reused(path: Path) -> float:
    """The list is read twice (len and the loop): it is needed whole."""
    with open(path) as handle:
        lines = handle.readlines()
    count = len(lines)
    return sum(int(line.rsplit(",", 1)[1]) for line in lines) / count


def nap(seconds: float) -> None:
    time.sleep(seconds)


def naps_in_turn(n: int) -> None:
    for _ in range(n):
        nap(0.01)


def naps_in_a_pool(n: int) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(nap, [0.01] * n))


async def tick(i: int) -> int:
    await asyncio.sleep(0.01)
    return i


async def ticks_in_turn(n: int) -> list[int]:
    return [await tick(i) for i in range(n)]


async def ticks_together(n: int) -> list[int]:
    return list(await asyncio.gather(*(tick(i) for i in range(n))))


def rates_per_item(items: list[str]) -> float:
    """Rebuilds the same table for every item: the hoist workload."""
    total = 0.0
    for item in items:
        table = {key: value / 100 for key, value in CONFIG.items()}
        total += table[item]
    return total


def rates_varying(items: list[str]) -> float:
    """The table depends on the item: nothing to hoist."""
    total = 0.0
    for item in items:
        table = {key: value / len(item) for key, value in CONFIG.items()}
        total += table[item]
    return total


class Client:
    """Stands for an HTTP or database client: each call may do something new."""

    def get(self, key: str) -> int:
        return sum(ord(c) * k for k in range(2_000) for c in key)


def retry(client: Client, key: str, attempts: int) -> int:
    """Repeats the same call on purpose (a retry loop): nothing to hoist."""
    response = 0
    for _ in range(attempts):
        response = client.get(key)
    return response


def naps_inline(n: int) -> None:
    """The waits are inside one call: the loop is this function's own."""
    for _ in range(n):
        time.sleep(0.01)
