"""The exact memory lens: tracemalloc's peak of the Python heap and where it was allocated.

The peak is exact (`tracemalloc.get_traced_memory`). To say which lines held that memory,
a watcher thread takes a snapshot each time the traced total doubles past the last
snapshot, and one more at the end: the largest snapshot is the one nearest the peak, and
the doubling keeps the snapshots' total cost below twice the cost of the largest one.
"""

from __future__ import annotations

import cProfile
import threading
import tracemalloc
from pathlib import Path

__all__ = ["AllocationCollector"]

_FIRST_SNAPSHOT_BYTES = 1 << 20
# Allocations of the profilers themselves: tracemalloc, our package, psutil (the RSS
# thread), and cProfile and line_profiler building their statistics as they stop.
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
        snapshot: the snapshot taken nearest the peak, filtered of our own allocations.
        snapshot_size: traced bytes when that snapshot was taken.
    """

    lens = "memory (tracemalloc)"

    def __init__(self, poll_interval: float = 0.005) -> None:
        self._poll = poll_interval
        self._was_tracing = False
        self._start_size = 0
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self.peak = 0
        self.snapshot: tracemalloc.Snapshot | None = None
        self.snapshot_size = 0

    def _take(self, size: int) -> None:
        self.snapshot = tracemalloc.take_snapshot().filter_traces(_IGNORED)
        self.snapshot_size = size

    def _watch(self) -> None:
        threshold = self._start_size + _FIRST_SNAPSHOT_BYTES
        while not self._done.wait(self._poll):
            current, _ = tracemalloc.get_traced_memory()
            if current >= threshold:
                self._take(current)
                threshold = self._start_size + 2 * (current - self._start_size)

    def start(self) -> None:
        """Start tracing (unless already on), reset the peak and start the watcher."""
        self._was_tracing = tracemalloc.is_tracing()
        if not self._was_tracing:
            tracemalloc.start(1)
        tracemalloc.reset_peak()
        self._start_size = tracemalloc.get_traced_memory()[0]
        self._thread = threading.Thread(target=self._watch, name="workbench-heap", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Read the peak, take the final snapshot if it is the largest, stop tracing."""
        self._done.set()
        try:
            if self._thread is not None:
                self._thread.join()
            current, peak = tracemalloc.get_traced_memory()
            self.peak = max(0, peak - self._start_size)
            if self.snapshot is None or current >= self.snapshot_size:
                self._take(current)
        finally:
            if not self._was_tracing:
                tracemalloc.stop()
