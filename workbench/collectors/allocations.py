"""The exact memory lens: tracemalloc's peak of the Python heap and where it was allocated.

The peak is exact (`tracemalloc.get_traced_memory`). To say which lines held that memory,
`check` (called on every tick of the CPU-time timer, in the main thread) takes a snapshot
each time the traced total grows by a quarter past the last snapshot, and `stop` takes one
more: the largest snapshot is the one nearest the peak, and the geometric growth keeps the
snapshots' total cost within five times the cost of the largest one. No thread of ours
runs meanwhile: on Python 3.12+ cProfile would record it.
"""

from __future__ import annotations

import cProfile
import os
import tracemalloc

from workbench._paths import is_own_file

__all__ = ["AllocationCollector"]

_FIRST_SNAPSHOT_BYTES = 1 << 20
# A new snapshot when the heap has grown by this factor: the last one is then within 25%
# of the peak, and all of them together cost at most 5x the largest.
_GROWTH = 1.25
# Allocations of the profilers themselves: tracemalloc, our package, and cProfile and
# line_profiler building their statistics as they stop. Filtered per allocating line
# when the report is built: Snapshot.filter_traces runs fnmatch on every trace in Python
# (a second per MiB of small objects, measured), statistics() groups in C first.
_OWN_FILES = (tracemalloc.__file__, cProfile.__file__)
_OWN_FOLDERS = (
    f"{os.sep}psutil{os.sep}",
    f"{os.sep}line_profiler{os.sep}",
)


def _is_profiler_code(filename: str) -> bool:
    return (
        filename in _OWN_FILES
        or is_own_file(filename)
        or filename.endswith("memory_profiler.py")
        or any(folder in filename for folder in _OWN_FOLDERS)
    )


class AllocationCollector:
    """Traces allocations with tracemalloc (1 frame each: the allocating line).

    If tracemalloc was already tracing, it is left running afterwards, as it was found.

    Attributes:
        peak: largest traced size during the run, in bytes, above the size at start.
        snapshot: the snapshot taken nearest the peak.
        snapshot_size: traced bytes when that snapshot was taken.
    """

    lens = "memory (tracemalloc)"

    def __init__(self) -> None:
        self._was_tracing = False
        self._start_size = 0
        self._threshold = 0.0
        self.peak = 0
        self.snapshot: tracemalloc.Snapshot | None = None
        self.snapshot_size = 0

    def _take(self, size: int) -> None:
        self.snapshot = tracemalloc.take_snapshot()
        self.snapshot_size = size

    def top_lines(self, limit: int) -> list[tracemalloc.Statistic]:
        """The lines holding the most memory in the snapshot nearest the peak, largest
        first, without the profilers' own allocations."""
        if self.snapshot is None:
            return []
        statistics = self.snapshot.statistics("lineno")
        return [s for s in statistics if not _is_profiler_code(s.traceback[0].filename)][:limit]

    def check(self) -> None:
        """Snapshot the heap if it has grown enough since the last snapshot (timer tick)."""
        current = tracemalloc.get_traced_memory()[0]
        if current >= self._threshold:
            self._threshold = self._start_size + _GROWTH * (current - self._start_size)
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
