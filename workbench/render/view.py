"""What a rendered report shows, formatted once for every renderer.

Renderers lay these pieces out (text columns, HTML tables); the choice of rows, their
order and the number formats live here so text and HTML always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from workbench.report import Report

__all__ = [
    "BAR_BLOCKS",
    "Table",
    "View",
    "bar_blocks",
    "build_view",
    "fmt_bytes",
    "fmt_seconds",
    "fmt_share",
]

MAX_BLOCK_LINES = 60
BAR_BLOCKS = 10


def bar_blocks(share: float) -> int:
    """How many of the BAR_BLOCKS blocks of a heat bar a share fills (0 below 5%)."""
    return round(max(0.0, min(share, 1.0)) * BAR_BLOCKS)


def fmt_seconds(seconds: float) -> str:
    """Seconds with a unit that keeps three significant digits (s, ms or µs)."""
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    if seconds > 0:
        return f"{seconds * 1e6:.0f} µs"
    return "0"


def fmt_bytes(size: float) -> str:
    """Bytes in binary units (B, KiB, MiB, GiB), signed when negative."""
    sign = "-" if size < 0 else ""
    size = abs(size)
    for unit in ("B", "KiB", "MiB"):
        if size < 1024:
            return f"{sign}{size:.0f} {unit}" if unit == "B" else f"{sign}{size:.1f} {unit}"
        size /= 1024
    return f"{sign}{size:.2f} GiB"


def fmt_share(share: float) -> str:
    """A fraction as a percentage with one decimal."""
    return f"{share * 100:.1f}%"


@dataclass(frozen=True)
class Table:
    """A table of strings with a heat bar per row.

    Attributes:
        title: the heading above the table ("" for none).
        headers: one per column.
        rows: the cells, formatted.
        shares: 0..1 per row, the length of its heat bar.
        align: "l" or "r" per column.
        listing: True when rows are source lines in source order (the line number is the
            first column and the source the last); False for a ranking, whose row order
            follows the measurements.
    """

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    shares: tuple[float, ...]
    align: str
    listing: bool = False


@dataclass(frozen=True)
class View:
    """Everything a renderer lays out."""

    title: str
    complete: bool
    facts: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]
    functions: Table
    line_blocks: tuple[Table, ...]
    memory_blocks: tuple[Table, ...]
    timeline: tuple[tuple[float, int], ...]


def _facts(report: Report) -> tuple[tuple[str, str], ...]:
    s = report.summary
    if s.peak_memory is None:
        peak = "not measured"
    elif s.memory_source == "rss":
        start = f", {fmt_bytes(s.memory_start)} at start" if s.memory_start else ""
        peak = f"{fmt_bytes(s.peak_memory)} (process RSS{start})"
    else:
        peak = f"{fmt_bytes(s.peak_memory)} (Python heap, tracemalloc)"
    facts = [
        ("wall", fmt_seconds(s.wall_seconds)),
        ("CPU", fmt_seconds(s.cpu_seconds)),
        ("peak memory", peak),
        ("calls", f"{s.total_calls:,}"),
        ("hottest function", s.hottest_function or "none"),
        ("hottest line", s.hottest_line or "none"),
        ("lenses", ", ".join(s.lenses)),
        ("run", f"Python {s.python_version}, started {s.started_at}"),
    ]
    if s.error:
        facts.insert(0, ("raised", s.error))
    return tuple(facts)


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of Python values (pandas NA stays NA)."""
    return [{str(k): v for k, v in row.items()} for row in table.to_dict("records")]


def _calls(ncalls: int, primitive: int) -> str:
    """Calls as pstats shows them: "total/primitive" when recursion made them differ."""
    return f"{ncalls:,}" if ncalls == primitive else f"{ncalls:,}/{primitive:,}"


def _functions_table(report: Report) -> Table:
    shown = report.functions.head(report.top)
    rows = tuple(
        (
            fmt_seconds(r["tottime"]),
            fmt_share(r["share"]),
            fmt_seconds(r["cumtime"]),
            _calls(r["ncalls"], r["primitive_calls"]),
            str(r["function"]),
            f"{r['file']}:{r['line']}" if r["file"] else "built-in",
        )
        for r in _records(shown)
    )
    total = len(report.functions)
    return Table(
        title=f"Functions: top {len(rows)} of {total} by own time",
        headers=("own time", "share", "cumulative", "calls", "function", "where"),
        rows=rows,
        shares=tuple(float(v) for v in shown["share"]),
        align="rrrrll",
    )


def _listing(
    title: str, headers: tuple[str, ...], rows: Sequence[tuple[str, ...]], shares: list[float]
) -> Table:
    return Table(title, headers, tuple(rows), tuple(shares), "r" * (len(headers) - 1) + "l", True)


def _line_blocks(lines: pd.DataFrame) -> tuple[Table, ...]:
    """One listing per function: its source lines with hits or samples, time and share."""
    blocks = []
    for (function, file), group in lines.groupby(["function", "file"], sort=False):
        ordered = group.sort_values("lineno")
        if len(ordered) > MAX_BLOCK_LINES:
            ordered = ordered[ordered["time"] > 0]
        sampled = ordered["method"].iloc[0] == "sampled"
        count_column = "samples" if sampled else "hits"
        rows = [
            (
                str(r["lineno"]),
                f"{int(r[count_column]):,}" if r[count_column] else "",
                fmt_seconds(r["time"]) if r["time"] > 0 else "",
                fmt_share(r["share"]) if r["time"] > 0 else "",
                str(r["source"]),
            )
            for r in _records(ordered)
        ]
        method = "sampled CPU time" if sampled else "traced by line_profiler"
        blocks.append(
            _listing(
                f"Lines of {function}  ({file}, {method})",
                ("line", count_column, "time", "share", "source"),
                rows,
                [float(v) for v in ordered["share"]],
            )
        )
    return tuple(blocks)


def _memory_blocks(memory: pd.DataFrame) -> tuple[Table, ...]:
    """memory_profiler's lines: one listing per function, bars relative to the largest."""
    blocks = []
    largest = max(float(memory["size"].abs().max()), 1.0)
    for (function, file), group in memory.groupby(["function", "file"], sort=False):
        rows = [
            (
                str(r["lineno"]),
                fmt_bytes(r["size"]) if r["count"] else "",
                "" if pd.isna(r["rss"]) else fmt_bytes(r["rss"]),
                f"{r['count']:,}" if r["count"] else "",
                str(r["source"]),
            )
            for r in _records(group)
        ]
        blocks.append(
            _listing(
                f"Memory per line of {function}  ({file}, memory_profiler: RSS change per line)",
                ("line", "increment", "RSS after", "runs", "source"),
                rows,
                [abs(float(v)) / largest for v in group["size"]],
            )
        )
    return tuple(blocks)


def _allocation_table(report: Report) -> Table:
    """tracemalloc's top allocating lines: a ranking by size."""
    memory = report.memory
    shown = memory.head(report.top)
    total = max(float(memory["size"].sum()), 1.0)
    rows = tuple(
        (fmt_bytes(r["size"]), f"{r['count']:,}", f"{r['file']}:{r['lineno']}", str(r["source"]))
        for r in _records(shown)
    )
    return Table(
        title=f"Memory near the peak: top {len(rows)} allocating lines (tracemalloc)",
        headers=("size", "blocks", "where", "source"),
        rows=rows,
        shares=tuple(float(v) / total for v in shown["size"]),
        align="rrll",
    )


def _memory(report: Report) -> tuple[Table, ...]:
    memory = report.memory
    if memory.empty:
        return ()
    if (memory["method"] == "memory_profiler").all():
        return _memory_blocks(memory)
    return (_allocation_table(report),)


def build_view(report: Report) -> View:
    """Choose and format what a rendering of `report` shows."""
    s = report.summary
    return View(
        title=f"Architect Workbench: {s.label}",
        complete=s.complete,
        facts=_facts(report),
        notes=s.notes,
        functions=_functions_table(report),
        line_blocks=_line_blocks(report.lines),
        memory_blocks=_memory(report),
        timeline=tuple(zip(report.timeline["t"], report.timeline["rss"], strict=True)),
    )
