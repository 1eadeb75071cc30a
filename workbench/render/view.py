"""What a rendered report shows, formatted once for every renderer.

Renderers lay these pieces out (text columns, HTML tables); the choice of rows, their
order and the number formats live here so text and HTML always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.options import Display
from workbench.render.format import Table, fmt_bytes, fmt_seconds, fmt_share, records
from workbench.render.listings import line_blocks, memory_blocks
from workbench.render.workers import (
    client_rows,
    cluster_part,
    several_processes,
    worker_memory_table,
)
from workbench.report.stacks import sample_total

if TYPE_CHECKING:  # renderers read a Report; only its type is imported
    from workbench.report.report import Report

__all__ = ["View", "build_view"]


@dataclass(frozen=True)
class View:
    """Everything a renderer lays out.

    The Dask parts are empty when no worker was followed: `cluster_heading` and
    `cluster` (the summary's split of the wall time), `worker_memory`; `timeline_of` then
    is "" (else " of the client": `timeline` holds the client's RSS samples only).
    """

    title: str
    complete: bool
    facts: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]
    warnings: tuple[str, ...]
    functions: Table
    tasks: Table | None
    line_blocks: tuple[Table, ...]
    memory_blocks: tuple[Table, ...]
    timeline: tuple[tuple[float, int], ...]
    hints: tuple[tuple[str, str, str, str, str], ...] = ()
    cluster_heading: str = ""
    cluster: tuple[tuple[str, str], ...] = ()
    worker_memory: Table | None = None
    timeline_of: str = ""


def _facts(report: Report) -> tuple[tuple[str, str], ...]:
    s = report.summary
    if s.peak_memory is None:
        peak = "not measured"
    elif s.plan.memory != "tracemalloc":  # the RSS timeline's peak
        start = f", {fmt_bytes(s.memory_start)} at start" if s.memory_start else ""
        peak = f"{fmt_bytes(s.peak_memory)} (process RSS{start})"
    else:
        peak = f"{fmt_bytes(s.peak_memory)} (Python heap, tracemalloc)"
    facts = [
        ("wall", fmt_seconds(s.wall_seconds)),
        ("CPU", fmt_seconds(s.cpu_seconds)),
    ]
    if s.waiting_seconds is not None:
        share = s.waiting_seconds / s.wall_seconds if s.wall_seconds > 0 else 0.0
        facts.append(
            (
                "waiting",
                f"{fmt_seconds(s.waiting_seconds)} ({fmt_share(share)} of wall): "
                "the event loop idle, waiting for I/O or timers",
            )
        )
    facts.append(("peak memory", peak))
    if s.correction:
        facts.append(("profiler cost", s.correction))
    sampled = s.plan.functions == "sampled"
    if sampled:
        # The figures' precision: a share from n samples is good to about 1/sqrt(n).
        samples = sample_total(report.stacks)
        calls = f"not counted: functions sampled ({samples:,} stack samples)"
    else:
        calls = f"{s.total_calls:,}"
    facts += [
        ("calls", calls),
        ("hottest function", s.hottest_function or "none"),
        ("hottest line", s.hottest_line or "none"),
        ("lenses", ", ".join(s.lenses)),
        ("run", f"Python {s.python_version}, started {s.started_at}"),
    ]
    if s.error:
        facts.insert(0, ("raised", s.error))
    return tuple(facts)


def _calls(ncalls: int, primitive: int) -> str:
    """Calls as pstats shows them: "total/primitive" when recursion made them differ."""
    return f"{ncalls:,}" if ncalls == primitive else f"{ncalls:,}/{primitive:,}"


def _functions_table(report: Report, top: int) -> Table:
    """The functions by own time; a "process" column when workers' rows are among them."""
    shown = report.functions.head(top)
    sampled = report.summary.plan.functions == "sampled"
    process = several_processes(report.functions)
    rows = tuple(
        (
            fmt_seconds(r["tottime"]),
            fmt_share(r["share"]),
            fmt_seconds(r["cumtime"]),
            "-" if sampled else _calls(r["ncalls"], r["primitive_calls"]),
            *((str(r["where"]),) if process else ()),
            str(r["function"]),
            f"{r['file']}:{r['line']}" if r["file"] else "built-in",
        )
        for r in records(shown)
    )
    total = len(report.functions)
    return Table(
        title=f"Functions: top {len(rows)} of {total} by own time"
        + (" (sampled stacks: no call counts)" if sampled else ""),
        headers=(
            ("own time", "share", "cumulative", "calls")
            + (("process",) if process else ())
            + ("function", "where")
        ),
        rows=rows,
        shares=tuple(float(v) for v in shown["share"]),
        align="rrrrlll" if process else "rrrrll",
    )


def _tasks_table(report: Report, top: int) -> Table | None:
    """The asyncio tasks, the longest waiting first; bars show waiting against the wall.

    Dask tasks (rows of a worker) are the HTML's task stream and the summary's split.
    """
    tasks = client_rows(report.tasks)
    if tasks.empty:
        return None
    shown = tasks.head(top)
    wall = report.summary.wall_seconds or 1.0
    rows = tuple(
        (
            fmt_seconds(r["waiting"]),
            fmt_seconds(r["running"]),
            fmt_seconds(r["cpu"]),
            f"{r['resumptions']:,}",
            str(r["task"]),
            str(r["coroutine"]),
            f"{r['file']}:{r['line']}" if r["file"] else "",
            str(r["state"]),
        )
        for r in records(shown)
    )
    return Table(
        title=f"Tasks: top {len(rows)} of {len(tasks)} by waiting time",
        headers=("waiting", "running", "CPU", "resumptions", "task", "coroutine", "where", "state"),
        rows=rows,
        shares=tuple(float(v) / wall for v in shown["waiting"]),
        align="rrrrllll",
    )


def _allocation_table(report: Report, top: int) -> Table:
    """tracemalloc's top allocating lines: a ranking by size."""
    memory = report.memory
    shown = memory.head(top)
    total = max(float(memory["size"].sum()), 1.0)
    rows = tuple(
        (fmt_bytes(r["size"]), f"{r['count']:,}", f"{r['file']}:{r['lineno']}", str(r["source"]))
        for r in records(shown)
    )
    return Table(
        title=f"Memory near the peak: top {len(rows)} allocating lines (tracemalloc)",
        headers=("size", "blocks", "where", "source"),
        rows=rows,
        shares=tuple(float(v) / total for v in shown["size"]),
        align="rrll",
    )


def _memory(report: Report, top: int) -> tuple[Table, ...]:
    memory = report.memory
    if memory.empty:
        return ()
    if report.summary.plan.memory == "lines":
        return memory_blocks(memory)
    return (_allocation_table(report, top),)


def _hints(report: Report) -> tuple[tuple[str, str, str, str, str], ...]:
    """(kind, where, "up to ..." gain, evidence, suggestion) per hint, as ranked."""
    return tuple(
        (
            str(r["kind"]),
            str(r["where"]),
            "up to "
            + (fmt_bytes(r["max_gain"]) if r["unit"] == "B" else fmt_seconds(r["max_gain"])),
            str(r["evidence"]),
            str(r["suggestion"]),
        )
        for r in records(report.hints)
    )


def build_view(report: Report, display: Display) -> View:
    """Choose and format what a rendering of `report` shows, as `display` asks."""
    s = report.summary
    cluster_heading, cluster = cluster_part(report)
    timeline = client_rows(report.timeline)
    return View(
        title=f"Architect Workbench: {s.label}",
        complete=s.complete,
        facts=_facts(report),
        notes=s.notes,
        warnings=s.warnings,
        functions=_functions_table(report, display.top),
        tasks=_tasks_table(report, display.top),
        line_blocks=line_blocks(report.lines, s.plan.lines),
        memory_blocks=_memory(report, display.top),
        timeline=tuple(zip(timeline["t"], timeline["rss"], strict=True)),
        hints=_hints(report),
        cluster_heading=cluster_heading,
        cluster=cluster,
        worker_memory=worker_memory_table(report.timeline),
        timeline_of=" of the client" if len(timeline) < len(report.timeline) else "",
    )
