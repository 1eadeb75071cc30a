"""The Report's headline figures, derived from its tables and the run's clocks."""

from __future__ import annotations

import pandas as pd

from workbench.report import Summary

__all__ = ["build_summary"]


def _hottest_function(functions: pd.DataFrame) -> str | None:
    """The user function with the most own time (any function if no user code ran)."""
    if functions.empty:
        return None
    user = functions[functions["user_code"]]
    row = (user if not user.empty else functions).iloc[0]
    where = f"{row['file']}:{row['line']}" if row["file"] else "built-in"
    return f"{row['function']} ({where})"


def _hottest_line(lines: pd.DataFrame) -> str | None:
    """The most expensive line of the line table, as "file:line  source"."""
    if lines.empty:
        return None
    row = lines.sort_values("time", ascending=False, kind="stable").iloc[0]
    if not row["time"] > 0:
        return None
    return f"{row['file']}:{row['lineno']}  {str(row['source']).strip()}"


def build_summary(
    *,
    label: str,
    wall: float,
    cpu: float,
    waiting: float | None,
    functions: pd.DataFrame,
    lines: pd.DataFrame,
    memory: tuple[int | None, str, int | None],
    lenses: tuple[str, ...],
    python_version: str,
    started_at: str,
    exc: BaseException | None,
    notes: tuple[str, ...],
) -> Summary:
    """Assemble the Summary of one run.

    Parameters:
        waiting: seconds an event loop sat idle in its selector (None: no loop ran).
        memory: (peak bytes, "rss" | "tracemalloc" | "none", RSS at start).
        exc: the exception the profiled code raised, or None.
    """
    peak, source, start = memory
    return Summary(
        label=label,
        wall_seconds=wall,
        cpu_seconds=cpu,
        waiting_seconds=waiting,
        peak_memory=peak,
        memory_source=source,
        memory_start=start,
        total_calls=int(functions["ncalls"].sum()),
        hottest_function=_hottest_function(functions),
        hottest_line=_hottest_line(lines),
        lenses=lenses,
        python_version=python_version,
        started_at=started_at,
        complete=exc is None,
        error=None if exc is None else f"{type(exc).__name__}: {exc}",
        notes=notes,
    )
