"""The exact memory lens: tracemalloc's peak of the Python heap and where it was allocated.

The peak is exact (`tracemalloc.get_traced_memory`). To say which lines held that memory,
`check` (called on every tick of the CPU-time timer, in the main thread) takes a snapshot
each time the traced total grows by a quarter past the last snapshot, and `stop` takes one
more: the largest snapshot is the one nearest the peak, and the geometric growth keeps the
snapshots' total cost within five times the cost of the largest one. No thread of ours
runs meanwhile: on Python 3.12+ cProfile would record it.

Each allocation is traced with the last `FRAMES` frames of its stack, so that memory a
library allocates for the user (`json.loads` building dicts, a parser filling a list) is
charged to the user's line that called it, and memory the workbench allocates (its timer
tick, its SIGINT swap, the stdlib calls it makes) is recognised and left out
(`workbench.collectors.charging`).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

from workbench.collectors.charging import Charger

__all__ = ["FRAMES", "AllocationCollector", "AllocationSite"]

# Frames kept per allocation. Enough to reach the user's line through the library calls
# a notebook makes per item (library frames above the user's: json.loads 3, shlex.split
# and pandas' Series.apply 4, read_csv 4 for most of its memory and 6 for the rest), and
# the workbench's frame through the standard library it calls while the code runs
# (resolving a path: 6 frames of pathlib on 3.13), or that memory would show as the
# library's. Deeper library stacks stay charged to the library line that allocated.
# Every allocation pays for each frame walked (its line number is looked up in the code's
# line table: the longer the code, the slower): on a json.loads loop and the benchmarks'
# allocation-heavy ETL this lens took 1.9-2x the CPU time it took with 1 frame (measured).
FRAMES = 8
_FIRST_SNAPSHOT_BYTES = 1 << 20
# A new snapshot when the heap has grown by this factor: the last one is then within 25%
# of the peak, and all of them together cost at most 5x the largest.
_GROWTH = 1.25


@dataclass(frozen=True)
class AllocationSite:
    """Memory held near the peak, charged to one line.

    Attributes:
        filename: the line's file (a code object's `co_filename`).
        lineno: the line.
        size: bytes held.
        count: memory blocks held.
    """

    filename: str
    lineno: int
    size: int
    count: int


class AllocationCollector:
    """Traces allocations with tracemalloc (`FRAMES` frames each).

    If tracemalloc was already tracing, it is left running afterwards, as it was found
    (with the frames it was started with).

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

    def top_lines(self, limit: int, is_user_code: Callable[[str], bool]) -> list[AllocationSite]:
        """The lines holding the most memory in the snapshot nearest the peak, largest
        first; the workbench's own allocations left out.

        Parameters:
            limit: at most this many lines.
            is_user_code: whether a file is the user's (`SourceIndex.is_user_code`): an
                allocation is charged to the nearest frame of the user's code in its stack,
                or to the line that made it when there is none.
        """
        if self.snapshot is None:
            return []
        charge = Charger(is_user_code)
        held: dict[tuple[str, int], list[int]] = {}
        # Grouped by whole traceback (in the same pass over the traces as by line), then
        # each group is charged once.
        for stat in self.snapshot.statistics("traceback"):
            where = charge(stat.traceback)
            if where is None:
                continue
            totals = held.setdefault(where, [0, 0])
            totals[0] += stat.size
            totals[1] += stat.count
        ranked = sorted(held.items(), key=lambda item: (-item[1][0], item[0]))
        return [AllocationSite(f, n, size, count) for (f, n), (size, count) in ranked[:limit]]

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
            tracemalloc.start(FRAMES)
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
