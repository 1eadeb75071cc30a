"""The Summary: the headline figures of one run, derived from its tables and clocks."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from workbench.options import Plan
from workbench.report.processes import per_function

__all__ = ["ClusterFigures", "Summary", "build_summary"]


@dataclass(frozen=True)
class ClusterFigures:
    """Where a run's wall time went on the Dask cluster it sent tasks to.

    Attributes:
        workers: the workers followed (addresses).
        tasks: tasks that finished or erred during the run.
        compute_seconds: wall time during which at least one task was computing.
        transfer_seconds: wall time during which data moved between workers and no
            task was computing.
        idle_seconds: wall time with no task computing and no data moving: the client
            working or waiting, the scheduler, idle workers.
        task_seconds: the tasks' compute time added up (over every worker thread).
        slowest_group: the task group (key prefix) with the most compute time.
        slowest_group_seconds: its compute time, added up.
        complete: every followed worker's profile came back.
    """

    workers: tuple[str, ...]
    tasks: int
    compute_seconds: float
    transfer_seconds: float
    idle_seconds: float
    task_seconds: float
    slowest_group: str | None
    slowest_group_seconds: float
    complete: bool


@dataclass(frozen=True)
class Summary:
    """The headline figures of one run.

    Attributes:
        label: what ran (a call or a statement).
        wall_seconds: elapsed time of the profiled code, profilers included.
        cpu_seconds: process CPU time over the same span.
        waiting_seconds: time an asyncio event loop sat blocked in its selector, waiting
            for I/O or timers; None when no event loop ran.
        peak_memory: the peak in bytes, per `memory_source`; None when no memory lens ran.
        memory_start: RSS at the start in bytes (RSS mode only), to read the peak against.
        total_calls: function calls cProfile counted.
        hottest_function: the user function with the most own time, as "name (file:line)".
        hottest_line: the most expensive line of the line table, as "file:line  source".
        lenses: the lenses that ran.
        plan: how the run measured (line method, memory lens, traced functions), as its
            options asked; renderers read it.
        python_version: the interpreter's version.
        started_at: local start time, ISO 8601.
        complete: False when the profiled code raised; the tables cover what ran.
        error: the exception as "Type: message" when not complete.
        notes: caveats about this run (for example a lens that could not run here).
        warnings: problems with what was profiled (returned a coroutine never awaited,
            a generator never consumed): the profile misses work.
        slowdown: how many times longer the profiled code ran than it would have
            without the profilers, as estimated from cProfile's calibrated cost; None
            when not estimated (reports saved before the estimate existed).
        correction: how the function times were corrected, in one sentence.
        cluster: the Dask cluster's share of the run, when its tasks were followed.
    """

    label: str
    wall_seconds: float
    cpu_seconds: float
    peak_memory: int | None
    memory_start: int | None
    total_calls: int
    hottest_function: str | None
    hottest_line: str | None
    lenses: tuple[str, ...]
    plan: Plan
    python_version: str
    started_at: str
    complete: bool
    error: str | None = None
    notes: tuple[str, ...] = ()
    waiting_seconds: float | None = None
    warnings: tuple[str, ...] = ()
    slowdown: float | None = None
    correction: str | None = None
    cluster: ClusterFigures | None = None

    @property
    def memory_source(self) -> str:
        """What `peak_memory` measures: "tracemalloc" (the Python heap allocated during the
        run), "rss" (the whole process's resident set, interpreter included; also beside
        memory per line) or "none"."""
        if self.peak_memory is None:
            return "none"
        return "tracemalloc" if self.plan.memory == "tracemalloc" else "rss"


# The user's function is named hottest only when it did real work: a share of the run's
# own time at least this large. Below it (a cell's `<module>` that only called a
# library, a 6-microsecond generated `__init__`) the function with the most own time is
# named instead, library or not.
REAL_SHARE = 0.05


def _hottest_function(functions: pd.DataFrame) -> str | None:
    """The user function with the most own time when it holds a real share of the run
    (REAL_SHARE), else the function with the most own time; None without functions."""
    if functions.empty:
        return None
    if "where" in functions and functions["where"].nunique() > 1:  # ran in several processes
        functions = per_function(functions)
    ranked = functions.sort_values("tottime", ascending=False, kind="stable")
    user = ranked[ranked["user_code"]]
    total = float(ranked["tottime"].sum())
    real = not user.empty and total > 0 and float(user["tottime"].iloc[0]) >= REAL_SHARE * total
    row = (user if real else ranked).iloc[0]
    where = f"{row['file']}:{row['line']}" if row["file"] else "built-in"
    return f"{row['function']} ({where})"


def _user_code_note(functions: pd.DataFrame) -> str | None:
    """A note when no function of the user's code ran at all."""
    if functions.empty or functions["user_code"].any():
        return None
    return (
        "no code of yours ran: every function was the standard library's, an installed "
        "package's or generated; add folders with user_code=[...] (magic: --user PATH)"
    )


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
    memory: tuple[int | None, int | None],
    lenses: tuple[str, ...],
    plan: Plan,
    python_version: str,
    started_at: str,
    exc: BaseException | None,
    notes: tuple[str, ...],
    cost: tuple[float, str] | None = None,
    cluster: ClusterFigures | None = None,
) -> Summary:
    """Assemble the Summary of one run.

    Parameters:
        waiting: seconds an event loop sat idle in its selector (None: no loop ran).
        memory: (peak bytes, RSS at start); None where not measured.
        exc: the exception the profiled code raised, or None.
        cost: (estimated slowdown, how the times were corrected); None: not corrected.
        cluster: the Dask cluster's share of the run, if its tasks were followed.
    """
    peak, start = memory
    return Summary(
        label=label,
        wall_seconds=wall,
        cpu_seconds=cpu,
        waiting_seconds=waiting,
        peak_memory=peak,
        memory_start=start,
        total_calls=int(functions["ncalls"].sum()),
        hottest_function=_hottest_function(functions),
        hottest_line=_hottest_line(lines),
        lenses=lenses,
        plan=plan,
        python_version=python_version,
        started_at=started_at,
        complete=exc is None,
        error=None if exc is None else f"{type(exc).__name__}: {exc}",
        notes=notes + tuple(filter(None, [_user_code_note(functions)])),
        slowdown=cost[0] if cost else None,
        correction=cost[1] if cost else None,
        cluster=cluster,
    )
