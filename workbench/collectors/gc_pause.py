"""The cyclic garbage collector paused while a profile's statistics are built in bulk.

Reading a profile of 200,000 functions makes about a million tuples and dicts that all
live on; each collection the allocations trigger walks every tracked object again, and
on Python 3.11 that was most of the time: cProfile's `getstats` took 1.76 s with the
collector on and 0.42 s with it paused (0.43 and 0.38 s on 3.13); building 200,000
corrected entries 0.65 s and 0.23 s. Nothing built there is a cycle to collect.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic collector for the block; it runs again after, as it was (left
    off if something had turned it off, nested blocks included)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
