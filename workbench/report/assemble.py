"""A Report from what the collectors of one run measured.

The session hands over its stopped lenses and its clocks; this turns them into the
Report's tables (`workbench.report.tables`), its hints (`workbench.hints`) and its
Summary. The plan the run was wired from decides which table comes from which lens.
"""

from __future__ import annotations

import logging
import marshal
import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from workbench.collectors.calibration import HookCost
from workbench.collectors.functions import StatsDict, StatsKey
from workbench.collectors.gc_pause import paused_gc
from workbench.collectors.lenses import Lenses
from workbench.hints import Evidence, rank_hints
from workbench.options import Display
from workbench.report import cluster, tables
from workbench.report.corrected import Entry
from workbench.report.correction import Correction, correct
from workbench.report.report import Report
from workbench.report.stacks import stacks_frame, stats_from_stacks
from workbench.report.summary import build_summary

__all__ = ["Clocks", "build_report"]

log = logging.getLogger(__name__)
_ALLOCATION_ROWS = 50  # allocation sites kept in report.memory


@dataclass(frozen=True)
class Clocks:
    """When a run started and how long it took.

    Attributes:
        wall: elapsed seconds.
        cpu: process CPU seconds over the same span.
        started_at: local start time, ISO 8601.
        epoch: the start as `time.time()` (to place other processes' times).
    """

    wall: float
    cpu: float
    started_at: str
    epoch: float = 0.0


def build_report(
    lenses: Lenses,
    *,
    label: str,
    clocks: Clocks,
    exc: BaseException | None,
    display: Display,
) -> Report:
    """Build the Report from what every collector of a stopped run measured.

    Parameters:
        lenses: the run's collectors, stopped.
        label: what ran.
        clocks: the run's wall and CPU time and its start.
        exc: what the profiled code raised, if anything.
        display: how the report is shown.
    """
    # Paused: the statistics of 200,000 functions are a million objects that live on,
    # and the collections their copies triggered were half of the build on 3.11.
    with paused_gc():
        return _build(lenses, label, clocks, exc, display)


def _build(
    lenses: Lenses, label: str, clocks: Clocks, exc: BaseException | None, display: Display
) -> Report:
    plan, index = lenses.plan, lenses.index
    stacks = lenses.sampler.stacks if lenses.sampler else {}
    raw = _sampled_stats(lenses) if plan.functions == "sampled" else lenses.functions.stats
    cost = lenses.functions.cost
    if cost is not None:
        cost = cost.in_run(*lenses.functions.probed)
    correction = correct(raw, cost, stacks, lenses.functions.hidden, lenses.functions.resumable)
    part = cluster.cluster_part(lenses.cluster, index, plan, clocks.epoch, clocks.wall)
    functions = tables.functions_frame(correction.stats, index, raw, part.functions)
    if plan.lines == "traced" and lenses.lines is not None:
        lines = tables.exact_lines_frame(
            lenses.lines.timings, lenses.lines.unit, clocks.wall, index
        )
    elif plan.lines == "sampled" and lenses.sampler is not None:
        sampler = lenses.sampler
        lines = tables.sampled_lines_frame(
            sampler.counts, sampler.line_seconds, clocks.cpu, index, plan.sampled_functions
        )
    else:
        lines = tables.frame("lines", [])
    if part.lines:
        # A function named for tracing that only ran in the workers: no empty block.
        if plan.lines == "traced":
            hits = lines.groupby(["function", "file"])["hits"].transform("sum")
            lines = lines[hits > 0]
        lines = pd.concat([lines, *part.lines], ignore_index=True)
    top_sites = lenses.heap.top_lines(_ALLOCATION_ROWS, index.is_user_code) if lenses.heap else []
    if plan.memory == "lines" and lenses.memory_lines is not None:
        memory = tables.memory_lines_frame(lenses.memory_lines.lines, index)
    else:
        memory = tables.allocation_frame(top_sites, index)
    tasks = lenses.tasks
    tasks_table = tables.tasks_frame(tasks.tasks, tasks.started, tasks.stopped, index)
    if part.tasks:
        tasks_table = pd.concat([tasks_table, tables.frame("tasks", part.tasks)], ignore_index=True)
    peak, start = _memory_figures(lenses)
    allocations = [(s.filename, s.lineno, s.size) for s in top_sites]
    hints, hint_failure = _hints(lenses, correction.stats, tasks_table, clocks, peak, allocations)
    summary = build_summary(
        label=label,
        wall=clocks.wall,
        cpu=clocks.cpu,
        waiting=tasks.waiting,
        functions=functions,
        lines=lines,
        memory=(peak, start),
        lenses=(("functions (sampled stacks)",) if plan.functions == "sampled" else ())
        + tuple(c.lens for c in lenses.order() if c.lens),
        plan=plan,
        python_version=platform.python_version(),
        started_at=clocks.started_at,
        exc=exc,
        notes=_notes(lenses) + ((hint_failure,) if hint_failure else ()),
        cost=_cost(correction, cost, lenses) if cost is not None else None,
        cluster=part.figures,
    )
    return Report(
        summary=summary,
        functions=functions,
        lines=lines,
        memory=memory,
        timeline=pd.concat(
            [
                tables.timeline_frame(lenses.rss.samples if lenses.rss else []),
                tables.frame("timeline", part.memory),
            ],
            ignore_index=True,
        ),
        tasks=tasks_table,
        hints=hints,
        stacks=_stacks(lenses),
        profile_data=marshal.dumps(raw),  # profile.prof: what cProfile measured
        display=display,
    )


def _sampled_stats(lenses: Lenses) -> StatsDict:
    """The sampled mode's function statistics, from the sampler's weighted stacks."""
    if lenses.sampler is None:
        return {}
    return stats_from_stacks(lenses.sampler.stack_seconds, lenses.functions.transparent)


def _stacks(lenses: Lenses) -> pd.DataFrame:
    """The report's `stacks` table (empty without the sampler)."""
    sampler = lenses.sampler
    stacks, seconds = (sampler.stacks, sampler.stack_seconds) if sampler else ({}, {})
    return stacks_frame(stacks, seconds, lenses.index, lenses.functions.transparent)


def _hints(
    lenses: Lenses,
    stats: Mapping[StatsKey, Entry],
    tasks_table: pd.DataFrame,
    clocks: Clocks,
    peak: int | None,
    allocations: list[tuple[str, int, int]],
) -> tuple[pd.DataFrame, str | None]:
    """`report.hints` from this run's evidence, and a note if a rule failed."""
    if not lenses.plan.hints:
        return tables.frame("hints", []), None
    sampler = lenses.sampler
    evidence = Evidence(
        stats=stats,
        tasks=tasks_table,
        wall=clocks.wall,
        cpu=clocks.cpu,
        waiting=lenses.tasks.waiting,
        peak=peak,
        memory=lenses.plan.memory,
        allocations=allocations,
        line_samples=sampler.counts if sampler else {},
        sample_seconds=clocks.cpu / sampler.total if sampler and sampler.total else 0.0,
        arguments=sampler.arguments.samples if sampler and sampler.arguments else None,
        threads=len(lenses.spawned.threads),
        index=lenses.index,
    )
    try:
        return tables.hints_frame(rank_hints(evidence), lenses.index), None
    except Exception as error:  # a hint rule's bug must not cost the report
        log.exception("the hints could not be built")
        failure = f"no hints: building them failed ({type(error).__name__}: {error})"
        return tables.frame("hints", []), failure


def _cost(correction: Correction, cost: HookCost, lenses: Lenses) -> tuple[float, str]:
    """The estimated slowdown and the sentence that says how the times were corrected."""
    uncorrected = [
        name
        for name, active in (
            ("tracemalloc's cost per allocation", lenses.heap is not None),
            ("line tracing's cost per line", lenses.lines is not None),
            ("memory_profiler's cost per line", lenses.memory_lines is not None),
        )
        if active
    ]
    # The estimate is cProfile's alone: saying "profiling" made a tracemalloc run that took
    # 40x the code's time read "about 1.1x slower".
    who = "cProfile" if uncorrected else "profiling"
    left = (
        f", and {' and '.join(uncorrected)} on top: not estimated, not taken out"
        if uncorrected
        else ""
    )
    # In a Dask run the estimate is the client's alone (workers: corrected, not estimated).
    workers = lenses.cluster is not None and bool(lenses.cluster.payloads)
    code = "the client's code" if workers else "this code"
    in_workers = (
        "; in the Dask workers, times are corrected with each worker's own calibration and "
        "their slowdown is not estimated"
        if workers
        else ""
    )
    return correction.slowdown, (
        f"{who} made {code} about {correction.slowdown:.1f}x slower (estimated){left}; "
        f"function times are corrected for cProfile's cost, calibrated on this machine "
        f"({cost.describe()}){in_workers}; raw_tottime, raw_cumtime and profile.prof keep "
        "the raw times"
    )


def _memory_figures(lenses: Lenses) -> tuple[int | None, int | None]:
    """(peak bytes, RSS at start) for the summary; the plan says which lens the peak is
    from: the heap's with tracemalloc, else the RSS timeline's."""
    if lenses.heap is not None:
        return lenses.heap.peak, None
    if lenses.rss is not None and lenses.rss.samples:
        return lenses.rss.peak, lenses.rss.baseline
    return None, None


def _notes(lenses: Lenses) -> tuple[str, ...]:
    """Caveats about the run: a lens that could not run, work it could not see."""
    notes = []
    if lenses.sampler is not None and lenses.sampler.unavailable:
        notes.append(lenses.sampler.unavailable)
    if lenses.functions.resume_failed:
        notes.append(lenses.functions.resume_failed)
    if lenses.tasks.host is not None and lenses.tasks.waiting is None:
        notes.append("this event loop has no selector to time: waiting not measured")
    if lenses.plan.memory == "lines":
        why = "memory_profiler's trace would distort them"
        if sys.version_info < (3, 12):
            why += ", and on Python 3.11 it needs line_profiler's hook"
        notes.append(f"memory per line ran, so line times were not measured: {why}")
    notes.extend(lenses.spawned.notes())
    if lenses.cluster is not None:
        notes.extend(lenses.cluster.notes)
    return tuple(notes)
