"""Workloads with a hotspot built in, so tests can assert where the time goes.

`score` runs twelve inner iterations per value and has no calls in its loop; `parse` runs
one iteration per value. Whatever the machine, `score` takes most of the time and its
`total +=` line is its most expensive line.
"""

from __future__ import annotations

from typing import Any


def parse(n: int) -> list[int]:
    out = []
    for i in range(n):
        out.append(i % 97)
    return out


def score(values: list[int]) -> int:
    total = 0
    for v in values:
        for k in range(12):
            total += (v * k) % 7  # the hot line
    return total


def render(total: int) -> str:
    return f"total={total}"


def pipeline(n: int) -> str:
    return render(score(parse(n)))


def hold() -> int:
    """CPU time (tens of ms) while memory is held, in C over small (cached) ints."""
    total = 0
    for _ in range(10_000):  # few allocations: under tracemalloc each one is slow
        total += max(range(200))
    return total


def allocate(megabytes: int) -> int:
    block = "x" * (megabytes << 20)  # touched by the copy, so RSS grows too
    hold()
    size = len(block)
    del block
    return size


def boom(n: int) -> None:
    parse(n)
    raise ValueError("boom in the profiled code")


def interrupt(n: int) -> None:
    parse(n)
    raise KeyboardInterrupt


def many_functions(n: int = 100_000) -> Any:
    """A run of `n` distinct generated functions, each called once: a huge profile."""
    source = "\n".join(f"def f{i}(x):\n    return x + 1" for i in range(n))
    namespace: dict[str, Any] = {}
    exec(compile(source, "generated.py", "exec"), namespace)
    functions = [namespace[f"f{i}"] for i in range(n)]

    def run() -> int:
        total = 0
        for f in functions:
            total = f(total)
        return total

    return run


def line_of(function: object, marker: str) -> int:
    """The line number of the line of `function` that contains `marker`."""
    import inspect

    lines, start = inspect.getsourcelines(function)  # type: ignore[arg-type]
    for offset, text in enumerate(lines):
        if marker in text:
            return start + offset
    raise LookupError(marker)


# The same pipeline as source text, for tests that define it in a notebook cell.
CELL_SOURCE = """
def parse(n):
    return [i % 97 for i in range(n)]

def score(values):
    total = 0
    for v in values:
        for k in range(12):
            total += (v * k) % 7
    return total

def grow(n):
    block = "x" * (n << 20)
    return len(block)
"""


# Versions of one computation, as source text, for the compare magic's tests.
COMPARE_SOURCE = """
import asyncio, functools

def parse(line):
    return sum(int(x) for x in line.split(","))

def slow(lines):
    return [parse(line) for line in lines]

@functools.lru_cache(maxsize=None)
def parse_cached(line):
    return parse(line)

def fast(lines):
    return [parse_cached(line) for line in lines]

def streamed(lines):
    return (parse(line) for line in lines)

def wrong(lines):
    return [0 for line in lines]

async def one_by_one(n):
    for _ in range(n):
        await asyncio.sleep(0)
    return n

async def all_at_once(n):
    await asyncio.gather(*(asyncio.sleep(0) for _ in range(n)))
    return n

lines = [f"{i},{i + 1}" for i in range(20)] * 10
"""
