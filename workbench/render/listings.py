"""Source listings of a view: one table per function (and process), lines in order.

Line time per function (traced, sampled, or sampled in a Dask worker) and memory per
line (memory_profiler) are laid out alike: line number first, source last.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from workbench.options import LineMethod
from workbench.render.format import Table, fmt_bytes, fmt_seconds, fmt_share, records
from workbench.render.workers import CLIENT, process_name, several_processes

__all__ = ["MAX_BLOCK_LINES", "line_blocks", "listing", "memory_blocks"]

# A function longer than this shows only its measured lines.
MAX_BLOCK_LINES = 60


def listing(
    title: str, headers: tuple[str, ...], rows: Sequence[tuple[str, ...]], shares: list[float]
) -> Table:
    """A listing: measures right-aligned, the source (the last column) left."""
    return Table(title, headers, tuple(rows), tuple(shares), "r" * (len(headers) - 1) + "l", True)


# How a block's lines were measured: the client's by the run's plan, a worker's by the
# method of its rows.
_HOW = {
    "sampled": "sampled CPU time",
    "traced": "traced by line_profiler",
    "sampled (wall)": "sampled wall time",
}


def line_blocks(lines: pd.DataFrame, method: LineMethod) -> tuple[Table, ...]:
    """One listing per function and process: its source lines with hits or samples, time
    and share. With workers' rows among them a title names the process."""
    process = several_processes(lines)
    blocks = []
    for (function, file, where), group in lines.groupby(["function", "file", "where"], sort=False):
        measured = method if where == CLIENT else str(group["method"].iloc[0])
        sampled = measured != "traced"
        how = _HOW.get(measured, measured)
        count_column = "samples" if sampled else "hits"
        ordered = group.sort_values("lineno")
        if len(ordered) > MAX_BLOCK_LINES:
            ordered = ordered[ordered["time"] > 0]
        rows = [
            (
                str(r["lineno"]),
                f"{int(r[count_column]):,}" if r[count_column] else "",
                fmt_seconds(r["time"]) if r["time"] > 0 else "",
                fmt_share(r["share"]) if r["time"] > 0 else "",
                str(r["source"]),
            )
            for r in records(ordered)
        ]
        in_process = f" in {process_name(str(where))}" if process else ""
        blocks.append(
            listing(
                f"Lines of {function}{in_process}  ({file}, {how})",
                ("line", count_column, "time", "share", "source"),
                rows,
                [float(v) for v in ordered["share"]],
            )
        )
    return tuple(blocks)


def memory_blocks(memory: pd.DataFrame) -> tuple[Table, ...]:
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
            for r in records(group)
        ]
        blocks.append(
            listing(
                f"Memory per line of {function}  ({file}, memory_profiler: RSS change per line)",
                ("line", "increment", "RSS after", "runs", "source"),
                rows,
                [abs(float(v)) / largest for v in group["size"]],
            )
        )
    return tuple(blocks)
