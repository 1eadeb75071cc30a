"""The collectors of one session, built from its options, and the Report built from them.

`Lenses.create` decides which collectors run and in which order; `Lenses.report` turns
what they measured into a `Report`. The session only starts, stops and times them.
"""

from __future__ import annotations

import logging
import marshal
import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench import tables
from workbench.collectors import Collector
from workbench.collectors.allocations import AllocationCollector
from workbench.collectors.arguments import ArgumentTally
from workbench.collectors.functions import FunctionCollector
from workbench.collectors.lines import LineCollector
from workbench.collectors.rss import RssSampler
from workbench.collectors.sampler import LineSampler
from workbench.collectors.spawned import SpawnWatch
from workbench.collectors.tasks import TaskCollector
from workbench.errors import OptionError
from workbench.hints import Evidence, build_hints
from workbench.options import ProfileOptions
from workbench.report import Report
from workbench.source import SourceIndex
from workbench.summary import build_summary

if TYPE_CHECKING:
    import tracemalloc

    import pandas as pd

    from workbench.collectors.memory_lines import MemoryLineCollector

__all__ = ["Lenses"]

log = logging.getLogger(__name__)
_ALLOCATION_ROWS = 50  # allocation sites kept in report.memory


def _memory_lines(named: Sequence[Callable[..., Any]]) -> MemoryLineCollector:
    """The memory-per-line lens; memory_profiler is imported only when it is asked for.

    Raises:
        OptionError: memory_profiler cannot be imported (with how to install it).
    """
    try:
        from workbench.collectors.memory_lines import MemoryLineCollector
    except ImportError as error:
        raise OptionError(
            f"memory per line (-m lines) needs memory_profiler, which cannot be imported "
            f"({error}): pip install memory-profiler, or use -m tracemalloc"
        ) from None
    return MemoryLineCollector(named)


@dataclass
class Lenses:
    """The collectors a session runs (None: not asked for)."""

    options: ProfileOptions
    index: SourceIndex
    functions: FunctionCollector
    rss: RssSampler | None
    spawned: SpawnWatch
    heap: AllocationCollector | None
    memory_lines: MemoryLineCollector | None
    lines: LineCollector | None
    tasks: TaskCollector
    sampler: LineSampler | None

    @classmethod
    def create(cls, options: ProfileOptions, label: str) -> Lenses:
        """The collectors `options` ask for.

        Raises:
            OptionError: a named function cannot be traced.
        """
        index = SourceIndex()
        functions = FunctionCollector(index.is_user_code, index.is_cell)
        heap = AllocationCollector() if options.memory == "tracemalloc" else None
        named = options.named_functions
        tasks = TaskCollector(functions.pause, functions.resume)
        tasks.host_label = label
        # One CPU-time timer serves the "auto" line sampler, the heap snapshots and the
        # hints' evidence (arguments of sampled calls, samples per line). Not beside
        # exact or memory-per-line tracing, whose times it would distort.
        auto = options.lines == "auto"
        evidence = options.hints and (auto or options.lines is None)
        sampler = (
            LineSampler(
                index.is_user_code,
                options.sample_interval,
                count_lines=auto or evidence,
                on_tick=heap.check if heap else None,
                counts_now=tasks.running_profiled_code,
                arguments=ArgumentTally() if evidence else None,
            )
            if auto or heap or evidence
            else None
        )
        if sampler is not None and not auto:
            sampler.lens = ""  # evidence for hints only: no line table
        return cls(
            options=options,
            index=index,
            functions=functions,
            rss=RssSampler(options.rss_interval) if options.memory != "off" else None,
            spawned=SpawnWatch(),
            heap=heap,
            memory_lines=_memory_lines(named) if options.memory == "lines" else None,
            lines=LineCollector(named) if named and options.memory != "lines" else None,
            tasks=tasks,
            sampler=sampler,
        )

    def order(self) -> list[Collector]:
        """The start order (they stop in reverse).

        cProfile goes before line_profiler: on 3.12+ a line_profiler in its sys.monitoring
        mode could join cProfile's profiler slot but not the reverse (we load it in its
        legacy mode; see collectors/lines.py). Once cProfile runs, the session makes only
        calls into our collectors, whose callees are filtered out of the function table.
        The spawn watch starts after the RSS sampler so that it stops before the sampler's
        child process is reaped (its CPU is ours, not the profiled code's).
        """
        return [
            c
            for c in (
                self.rss,
                self.spawned,
                self.heap,
                self.memory_lines,
                self.functions,
                self.lines,
                self.sampler,
                self.tasks,
            )
            if c is not None
        ]

    def report(
        self,
        *,
        label: str,
        elapsed: tuple[float, float],
        started_at: str,
        exc: BaseException | None,
    ) -> Report:
        """Build the Report from what every collector measured.

        Parameters:
            label: what ran.
            elapsed: (wall, CPU) seconds of the run.
            started_at: local start time, ISO 8601.
            exc: what the profiled code raised, if anything.
        """
        wall, cpu = elapsed
        index = self.index
        functions = tables.functions_frame(self.functions.stats, index)
        if self.lines is not None:
            lines = tables.exact_lines_frame(self.lines.timings, self.lines.unit, wall, index)
        elif self.sampler is not None and self.options.lines == "auto":
            lines = tables.sampled_lines_frame(
                self.sampler.counts,
                self.sampler.total,
                cpu,
                index,
                self.options.auto_functions,
            )
        else:
            lines = tables.frame("lines", [])
        top_sites = self.heap.top_lines(_ALLOCATION_ROWS) if self.heap else []
        if self.memory_lines is not None:
            memory = tables.memory_lines_frame(self.memory_lines.lines, index)
        else:
            memory = tables.allocation_frame(top_sites, index)
        timeline = tables.timeline_frame(self.rss.samples if self.rss else [])
        tasks = self.tasks
        tasks_table = tables.tasks_frame(tasks.tasks, tasks.started, tasks.stopped, index)
        memory_figures = self._memory_figures()
        hints, hint_failure = self._hints(tasks_table, wall, cpu, memory_figures, top_sites)
        summary = build_summary(
            label=label,
            wall=wall,
            cpu=cpu,
            waiting=tasks.waiting,
            functions=functions,
            lines=lines,
            memory=memory_figures,
            lenses=tuple(c.lens for c in self.order() if c.lens),
            python_version=platform.python_version(),
            started_at=started_at,
            exc=exc,
            notes=self._notes() + ((hint_failure,) if hint_failure else ()),
        )
        return Report(
            summary=summary,
            functions=functions,
            lines=lines,
            memory=memory,
            timeline=timeline,
            tasks=tasks_table,
            hints=hints,
            profile_data=marshal.dumps(self.functions.stats),
            top=self.options.top,
        )

    def _hints(
        self,
        tasks_table: pd.DataFrame,
        wall: float,
        cpu: float,
        memory_figures: tuple[int | None, str, int | None],
        top_sites: list[tracemalloc.Statistic],
    ) -> tuple[pd.DataFrame, str | None]:
        """`report.hints` from this run's evidence, and a note if a rule failed."""
        empty = tables.frame("hints", [])
        if not self.options.hints:
            return empty, None
        sampler = self.sampler
        peak, source, _ = memory_figures
        evidence = Evidence(
            stats=self.functions.stats,
            tasks=tasks_table,
            wall=wall,
            cpu=cpu,
            waiting=self.tasks.waiting,
            peak=peak,
            memory_source=source,
            allocations=[
                (s.traceback[0].filename, s.traceback[0].lineno, s.size) for s in top_sites
            ],
            line_samples=sampler.counts if sampler else {},
            sample_seconds=cpu / sampler.total if sampler and sampler.total else 0.0,
            arguments=sampler.arguments.samples if sampler and sampler.arguments else None,
            threads=len(self.spawned.threads),
            index=self.index,
        )
        try:
            return build_hints(evidence), None
        except Exception as error:  # a hint rule's bug must not cost the report
            log.exception("the hints could not be built")
            return empty, f"no hints: building them failed ({type(error).__name__}: {error})"

    def _memory_figures(self) -> tuple[int | None, str, int | None]:
        """(peak bytes, source, RSS at start) for the summary."""
        if self.heap is not None:
            return self.heap.peak, "tracemalloc", None
        if self.rss is not None and self.rss.samples:
            return self.rss.peak, "rss", self.rss.baseline
        return None, "none", None

    def _notes(self) -> tuple[str, ...]:
        notes = []
        if self.sampler is not None and self.sampler.unavailable:
            notes.append(self.sampler.unavailable)
        if self.functions.resume_failed:
            notes.append(self.functions.resume_failed)
        if self.tasks.host is not None and self.tasks.waiting is None:
            notes.append("this event loop has no selector to time: waiting not measured")
        if self.memory_lines is not None:
            why = "memory_profiler's trace would distort them"
            if sys.version_info < (3, 12):
                why += ", and on Python 3.11 it needs line_profiler's hook"
            notes.append(f"memory per line ran, so line times were not measured: {why}")
        notes.extend(self.spawned.notes())
        return tuple(notes)
