"""The collectors of one run, in one record, and how they work together.

The session starts them in `order()` and stops them in reverse; between two of them
there are two arrangements, kept here so that the session only starts and stops: an async
run pauses the function profiler while its code is suspended (`follow_task`), and the
frames that only carry an async run's steps are left out of the function table
(`drop_carriers`).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any

from workbench.collectors import Collector
from workbench.collectors.allocations import AllocationCollector
from workbench.collectors.functions import FunctionCollector, StatsKey
from workbench.collectors.lines import LineCollector
from workbench.collectors.rss import RssSampler
from workbench.collectors.sampler import LineSampler
from workbench.collectors.spawned import SpawnWatch
from workbench.collectors.tasks import HANDLE_RUN, TaskCollector
from workbench.options import Plan
from workbench.source import SourceIndex

if TYPE_CHECKING:
    import asyncio

    from workbench.cluster.follow import ClusterCollector
    from workbench.collectors.memory_lines import MemoryLineCollector

__all__ = ["Lenses"]

# cProfile's names for the frames asyncio runs every callback through.
_CALLBACK_FRAMES: frozenset[StatsKey] = frozenset(
    {
        (HANDLE_RUN.__code__.co_filename, HANDLE_RUN.__code__.co_firstlineno, "_run"),
        ("~", 0, "<method 'run' of '_contextvars.Context' objects>"),
    }
)


@dataclass
class Lenses:
    """The collectors one run uses (None: the plan did not ask for it).

    Attributes:
        plan: what the options asked for, decoded.
        index: tells user code from libraries and labels file names, for every lens.
    """

    plan: Plan
    index: SourceIndex
    functions: FunctionCollector
    rss: RssSampler | None
    spawned: SpawnWatch
    heap: AllocationCollector | None
    memory_lines: MemoryLineCollector | None
    lines: LineCollector | None
    tasks: TaskCollector
    sampler: LineSampler | None
    cluster: ClusterCollector | None = None

    def order(self) -> list[Collector]:
        """The start order (they stop in reverse).

        cProfile goes before line_profiler: on 3.12+ a line_profiler in its sys.monitoring
        mode could join cProfile's profiler slot but not the reverse (we load it in its
        legacy mode; see collectors/lines.py). Once cProfile runs, the session makes only
        calls into our collectors, whose callees are filtered out of the function table.
        The spawn watch starts after the RSS sampler so that it stops before the sampler's
        child process is reaped (its CPU is ours, not the profiled code's). The Dask
        workers are followed first and collected last: their round trips to the cluster
        are outside every other lens.
        """
        return [
            c
            for c in (
                self.cluster,
                self.rss,
                self.spawned,
                self.heap,
                self.memory_lines,
                self.functions if self.plan.functions == "exact" else None,
                self.lines,
                self.sampler,
                self.tasks,
            )
            if c is not None
        ]

    def follow_task(self, host: asyncio.Task[Any], frame: FrameType | None) -> None:
        """Profile only the steps of `host`'s work (an async run, started in `frame`)."""
        self.tasks.watch_host(host, frame)
        self.functions.pause()

    def run_over(self) -> None:
        """The profiled code has returned: what the samplers see next is ours, and the
        frames that carried an async run are not its work."""
        if self.sampler is not None:
            self.sampler.run_over()
        if self.rss is not None:
            self.rss.run_over()
        self.drop_carriers()

    def drop_carriers(self) -> None:
        """Before stopping: the frames that carried an async run's steps are not its work."""
        if self.tasks.host is not None:
            self.functions.transparent = {
                *_CALLBACK_FRAMES,
                *((c.co_filename, c.co_firstlineno, c.co_name) for c in self.tasks.transparent),
            }

    def warnings(self) -> list[str]:
        """What the profiled code did to the lenses' hooks during the run (each sentence
        says which figures it cut short); empty when it left them alone."""
        said = [self.functions.tampered, self.sampler.tampered if self.sampler else None]
        return [sentence for sentence in said if sentence]

    def stop_notes(self) -> list[str]:
        """What the lenses learned as they stopped: methods they wrap that other code
        wrapped again during the run (ours stays beneath: nothing was missed), a call
        cProfile failed to record."""
        notes = [said for said in (self.spawned.tampered, self.tasks.tampered) if said]
        if self.functions.dropped_calls:
            notes.append(
                'cProfile failed to record a call during the run (it reported "memory was '
                "exhausted while profiling\", as Python 3.11's does when an interrupt "
                "lands while it names a new function): one call may be missing"
            )
        return notes
