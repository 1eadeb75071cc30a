"""The exact memory lens: tracemalloc's peak of the Python heap and where it was allocated.

The peak is exact (`tracemalloc.get_traced_memory`). To say which lines held that memory,
`check` (called on every tick of the CPU-time timer, in the main thread) takes a snapshot
each time the traced total doubles past the last snapshot, and `stop` takes one more: the
largest snapshot is the one nearest the peak, and the doubling keeps the snapshots' total
cost below twice the cost of the largest one. No thread of ours runs meanwhile: on Python
3.12+ cProfile would record it.
"""

from __future__ import annotations

import cProfile
import tracemalloc
from pathlib import Path

__all__ = ["AllocationCollector"]

_FIRST_SNAPSHOT_BYTES = 1 << 20
# Allocations of the profilers themselves: tracemalloc, our package, and cProfile and
# line_profiler building their statistics as they stop.
_IGNORED = (
    tracemalloc.Filter(False, tracemalloc.__file__),
    tracemalloc.Filter(False, cProfile.__file__),
    tracemalloc.Filter(False, "*/psutil/*"),
    tracemalloc.Filter(False, "*/line_profiler/*"),
    tracemalloc.Filter(False, "*/memory_profiler.py"),
    tracemalloc.Filter(False, str(Path(__file__).resolve().parent.parent / "*")),
)


class AllocationCollector:
    """Traces allocations with tracemalloc (1 frame each: the allocating line).

    If tracemalloc was already tracing, it is left running afterwards, as it was found.

    Attributes:
        peak: largest traced size during the run, in bytes, above the size at start.
        snapshot: the snapshot taken nearest the peak, filtered of the profilers' own.
        snapshot_size: traced bytes when that snapshot was taken.
    """

    lens = "memory (tracemalloc)"

    def __init__(self) -> None:
        self._was_tracing = False
        self._start_size = 0
        self._threshold = 0
        self.peak = 0
        self.snapshot: tracemalloc.Snapshot | None = None
        self.snapshot_size = 0

    def _take(self, size: int) -> None:
        self.snapshot = tracemalloc.take_snapshot().filter_traces(_IGNORED)
        self.snapshot_size = size

    def check(self) -> None:
        """Snapshot the heap if it has doubled since the last snapshot (timer tick)."""
        current = tracemalloc.get_traced_memory()[0]
        if current >= self._threshold:
            self._threshold = self._start_size + 2 * (current - self._start_size)
            self._take(current)

    def start(self) -> None:
        """Start tracing (unless already on) and reset the peak."""
        self._was_tracing = tracemalloc.is_tracing()
        if not self._was_tracing:
            tracemalloc.start(1)
        tracemalloc.reset_peak()
        self._start_size = tracemalloc.get_traced_memory()[0]
        self._threshold = self._start_size + _FIRST_SNAPSHOT_BYTES

    def stop(self) -> None:
        """Read the peak, take the final snapshot if it is the largest, stop tracing."""
        if not tracemalloc.is_tracing():
            return  # start() failed before tracing began
        try:
            current, peak = tracemalloc.get_traced_memory()
            self.peak = max(0, peak - self._start_size)
            if self.snapshot is None or current >= self.snapshot_size:
                self._take(current)
        finally:
            if not self._was_tracing:
                tracemalloc.stop()
