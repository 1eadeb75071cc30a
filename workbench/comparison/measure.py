"""The untimed runs of a compare: a call drained of its items, and tracemalloc's peak.

A version that returns an iterator or a generator has its items produced as part of its
run: drained one by one (keeping none) when timed and measured, so lazy code is neither
flattered nor penalised by a list it did not build.
"""

from __future__ import annotations

import inspect
import tracemalloc
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from workbench.comparison.equality import materialize_async
from workbench.session.unfinished import is_lazy

__all__ = ["awaited", "drained", "peak", "peak_async", "traced_peak"]


def drained(call: Callable[[], object]) -> Callable[[], None]:
    """`call`, with a returned iterator or generator consumed and its items dropped."""

    def run() -> None:
        __tracebackhide__ = True  # tracebacks show the user's frames, not ours
        value = call()
        if is_lazy(value):
            deque(value, maxlen=0)  # type: ignore[call-overload]

    return run


async def awaited(call: Callable[[], Any]) -> Any:
    """Call; await the result if it is awaitable; collect an (async) iterator's items."""
    __tracebackhide__ = True  # tracebacks show the user's frames, not ours
    value = call()
    if inspect.isawaitable(value):
        value = await value
    return await materialize_async(value)


@contextmanager
def traced_peak() -> Iterator[list[int]]:
    """Yields a one-item list that holds, after the block, tracemalloc's peak during it.

    The peak counts bytes above what was traced when the block began. tracemalloc is
    stopped again afterwards unless it was already running (also when the block raises,
    a KeyboardInterrupt included).
    """
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    peak_bytes = [0]
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        yield peak_bytes
        peak_bytes[0] = max(tracemalloc.get_traced_memory()[1] - before, 0)
    finally:
        if started:
            tracemalloc.stop()


def peak(call: Callable[[], object]) -> int:
    """tracemalloc's peak during one call (a returned iterator drained, keeping nothing)."""
    __tracebackhide__ = True  # tracebacks show the user's frames, not ours
    with traced_peak() as peak_bytes:
        value = call()
        if is_lazy(value):
            deque(value, maxlen=0)  # type: ignore[call-overload]
    return peak_bytes[0]


async def peak_async(call: Callable[[], Any]) -> int:
    """`peak` for a coroutine function (its result's items are collected)."""
    __tracebackhide__ = True  # tracebacks show the user's frames, not ours
    with traced_peak() as peak_bytes:
        await awaited(call)
    return peak_bytes[0]
