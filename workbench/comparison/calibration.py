"""How long one warm call of each version takes, to choose the calls per timed sample.

A call faster than `MIN_SAMPLE_SECONDS` is looped into one sample. How many calls make a
sample used to come from the version's first call, which is cold: the baseline, run first,
pays for warming what both versions share, so two identical versions got samples of
different lengths (37 calls against 85), and that alone made an A/A compare of a 20 µs
function on a busy machine call one of them 5% slower. The batch of calls that first
lasts `MIN_SAMPLE_SECONDS` (1, 2, 4, ... calls) measures a warm call instead. A call
that already lasted that long the first time is not run again: it may take minutes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from workbench.comparison.timing import MIN_SAMPLE_SECONDS, Clock

__all__ = ["MAX_BATCH", "warm_seconds", "warm_seconds_async"]

MAX_BATCH = 1 << 20  # calls: a version the clock never sees take time stops here


def warm_seconds(call: Callable[[], object], first: float, clock: Clock) -> float:
    """Seconds one warm call of `call` takes; `first` (its first call) when that was long.

    Parameters:
        call: the version, its returned iterator drained.
        first: seconds its first call took.
        clock: the compare's clock.
    """
    __tracebackhide__ = True  # tracebacks show the user's frames, not ours
    if first >= MIN_SAMPLE_SECONDS:
        return first
    batch = 1
    while True:
        start = clock()
        for _ in range(batch):
            call()
        took = clock() - start
        if took >= MIN_SAMPLE_SECONDS or batch >= MAX_BATCH:
            return took / batch
        batch *= 2


async def warm_seconds_async(
    call: Callable[[], Awaitable[object]], first: float, clock: Clock
) -> float:
    """`warm_seconds` for a coroutine function, awaited on the running loop."""
    __tracebackhide__ = True  # tracebacks show the user's frames, not ours
    if first >= MIN_SAMPLE_SECONDS:
        return first
    batch = 1
    while True:
        start = clock()
        for _ in range(batch):
            await call()
        took = clock() - start
        if took >= MIN_SAMPLE_SECONDS or batch >= MAX_BATCH:
            return took / batch
        batch *= 2
