"""Turn what the collectors saw into the Report's pandas DataFrames.

Each builder returns a frame with a fixed set of columns (see `COLUMNS`), even when empty,
so user code can rely on the schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import CodeType
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from workbench.collectors.allocations import AllocationSite
from workbench.collectors.lines import LineTimings
from workbench.hints import Hint
from workbench.report.function_table import functions_frame, functions_rows
from workbench.report.schema import COLUMNS, frame
from workbench.report.scopes import function_at
from workbench.report.task_table import tasks_frame
from workbench.source import SourceIndex, function_block

if TYPE_CHECKING:  # memory_profiler is optional: imported only when its lens runs
    from workbench.collectors.memory_lines import MemoryLines

__all__ = [
    "COLUMNS",
    "allocation_frame",
    "exact_lines_frame",
    "frame",
    "functions_frame",
    "functions_rows",
    "hints_frame",
    "memory_lines_frame",
    "sampled_lines_frame",
    "tasks_frame",
    "timeline_frame",
]

Row = dict[str, Any]
# A sampled line's function: the sampler's code object, or a worker's (file, line, name).
Owner = TypeVar("Owner", CodeType, tuple[str, int, str])


def _function_rows(
    filename: str,
    firstlineno: int,
    name: str,
    measure: Callable[[int], Row],
    measured: set[int],
    index: SourceIndex,
) -> list[Row]:
    """Rows for every line of a function's source, plus measured lines outside it."""
    block = function_block(filename, firstlineno)
    linenos = list(range(firstlineno, firstlineno + len(block)))
    linenos += sorted(measured.difference(linenos))
    label = index.label(filename)
    return [
        {"function": name, "file": label, "lineno": n, "source": index.line(filename, n)}
        | measure(n)
        for n in linenos
    ]


def _rank(rows: list[Row], order: list[str]) -> list[Row]:
    """Functions in `order`; within each, the most expensive line first."""
    position = {name: i for i, name in enumerate(order)}
    return sorted(
        rows,
        key=lambda r: (position[str(r["_key"])], -float(r["time"]), int(r["lineno"])),
    )


def exact_lines_frame(
    timings: LineTimings, unit: float, wall: float, index: SourceIndex
) -> pd.DataFrame:
    """Per-line hits and time from line_profiler, every line of each traced function."""
    rows: list[Row] = []
    totals: dict[str, float] = {}
    for (filename, firstlineno, name), measures in timings.items():
        by_line = {lineno: (hits, t * unit) for lineno, hits, t in measures}
        key = f"{filename}:{firstlineno}"
        totals[key] = sum(t for _, t in by_line.values())

        def measure(n: int, by_line: dict[int, tuple[int, float]] = by_line) -> Row:
            hits, seconds = by_line.get(n, (0, 0.0))
            share = seconds / wall if wall > 0 else 0.0
            return {"hits": hits, "samples": pd.NA, "time": seconds, "share": share}

        for row in _function_rows(filename, firstlineno, name, measure, set(by_line), index):
            rows.append(row | {"method": "traced", "where": "client", "_key": key})
    order = sorted(totals, key=lambda k: -totals[k])
    return frame("lines", _rank(rows, order))


def _owner_key(code: CodeType | tuple[str, int, str]) -> tuple[str, int, str]:
    """(file, first line, name) of a sampled line's function: the sampler's code
    objects, or the names a worker's stack samples came back with."""
    if isinstance(code, tuple):
        return code
    return (code.co_filename, code.co_firstlineno, code.co_name)


def sampled_lines_frame(
    counts: Mapping[tuple[Owner, int], int],
    seconds: Mapping[tuple[Owner, int], float],
    cpu_seconds: float,
    index: SourceIndex,
    max_functions: int,
    relative: float = 0.25,
) -> pd.DataFrame:
    """Per-line samples and CPU time for the hottest user functions of the run.

    The hottest function always gets line detail; the next ones only when they matter
    next to it (at least `relative` times its time), so one dominant hotspot is shown
    alone and several comparable stages are shown together.

    Parameters:
        counts: samples per (code, line) from the sampler.
        seconds: CPU seconds per (code, line): each sample weighs the CPU time since the
            previous one (a long C call's time lands on the line that made it).
        cpu_seconds: CPU time of the run (a line's share is of it).
        max_functions: at most this many functions get line detail.
        relative: the share of the hottest function's time another function needs.
    """
    if not counts:
        return frame("lines", [])
    by_function: dict[tuple[str, int, str], dict[int, tuple[int, float]]] = {}
    lines: dict[int, tuple[int, float]]
    for (code, lineno), n in counts.items():
        lines = by_function.setdefault(_owner_key(code), {})
        samples, time = lines.get(lineno, (0, 0.0))
        lines[lineno] = (samples + n, time + seconds.get((code, lineno), 0.0))
    totals = {key: sum(t for _, t in lines.values()) for key, lines in by_function.items()}
    chosen = sorted(totals, key=lambda k: (-totals[k], k))[:max_functions]
    chosen = [key for key in chosen if totals[key] >= relative * totals[chosen[0]]]
    rows: list[Row] = []
    for key in chosen:
        filename, firstlineno, name = key
        lines = by_function[key]

        def measure(n: int, lines: dict[int, tuple[int, float]] = lines) -> Row:
            samples, time = lines.get(n, (0, 0.0))
            return {
                "hits": pd.NA,
                "samples": samples,
                "time": time,
                "share": time / cpu_seconds if cpu_seconds > 0 else 0.0,
            }

        block_start = firstlineno if name != "<module>" else 0
        for row in _function_rows(filename, block_start, name, measure, set(lines), index):
            rows.append(row | {"method": "sampled", "where": "client", "_key": str(key)})
    return frame("lines", _rank(rows, [str(key) for key in chosen]))


def allocation_frame(sites: list[AllocationSite], index: SourceIndex) -> pd.DataFrame:
    """The lines holding the most traced memory near the peak, largest first.

    Parameters:
        sites: the lines memory was charged to (`AllocationCollector.top_lines`); each is
            named by the function whose definition holds it.
    """
    rows: list[Row] = []
    for where in sites:
        rows.append(
            {
                "function": function_at(where.filename, where.lineno),
                "file": index.label(where.filename),
                "lineno": where.lineno,
                "size": where.size,
                "count": where.count,
                "rss": pd.NA,
                "source": index.line(where.filename, where.lineno).strip(),
                "user_code": index.is_user_code(where.filename),
                "method": "tracemalloc",
            }
        )
    return frame("memory", rows)


def memory_lines_frame(lines: MemoryLines, index: SourceIndex) -> pd.DataFrame:
    """memory_profiler's per-line increments, every line of each function in source order."""
    rows: list[Row] = []
    for (filename, firstlineno, name), measures in lines.items():

        def measure(n: int, measures: dict[int, tuple[float, float, int]] = measures) -> Row:
            increment, rss, occurrences = measures.get(n, (0.0, 0.0, 0))
            return {
                "size": int(increment),
                "count": occurrences,
                "rss": int(rss) if occurrences else pd.NA,
            }

        for row in _function_rows(filename, firstlineno, name, measure, set(measures), index):
            row["user_code"] = index.is_user_code(filename)
            row["method"] = "memory_profiler"
            rows.append(row)
    return frame("memory", rows)


def timeline_frame(samples: list[tuple[float, int]]) -> pd.DataFrame:
    """RSS samples: `t` seconds since the start, `rss` bytes."""
    return frame("timeline", [{"t": t, "rss": rss, "where": "client"} for t, rss in samples])


def hints_frame(hints: list[Hint], index: SourceIndex) -> pd.DataFrame:
    """The `hints` table: one row per hint, in the order given (most valuable first)."""
    rows: list[Row] = []
    for h in hints:
        file = index.label(h.filename)
        rows.append(
            {
                "kind": h.kind,
                "where": f"{h.function} ({file}:{h.line})",
                "evidence": h.evidence,
                "max_gain": h.max_gain,
                "unit": h.unit,
                "suggestion": h.suggestion,
                "function": h.function,
                "file": file,
                "line": h.line,
            }
        )
    return frame("hints", rows)
