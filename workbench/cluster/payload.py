"""What one Dask worker sends back after a followed run, and how profiles add up.

Plain data (pickled by distributed on the way back): a worker's summed cProfile
statistics in pstats' layout, its stack samples, its memory samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.collectors.calibration import HookCost
from workbench.collectors.functions import StatsDict, StatsKey

__all__ = ["Frame", "WorkerPayload", "add_stats"]

# (file, line, the function's first line, the function's name), innermost first
Frame = tuple[str, int, int, str]


@dataclass
class WorkerPayload:
    """One worker's share of a followed run.

    Attributes:
        address: the worker's address (the report's `where` for its rows).
        pid: its process id.
        stats: cProfile statistics summed over every task it profiled (raw times).
        hidden: seconds of the workbench's own code inside each function (see
            FunctionCollector.hidden).
        resumable: generators and coroutines among the functions (for the correction).
        cost: cProfile's calibrated cost in that process.
        stacks: samples and wall seconds per stack of a task's thread.
        memory: (epoch seconds, process RSS bytes), sampled every 10 ms.
        profiled: tasks profiled.
        unprofiled: why each task that ran unprofiled did (another profiler, say).
        running: profiled tasks still running when the run ended (not in the totals).
    """

    address: str
    pid: int
    stats: StatsDict
    hidden: dict[StatsKey, float]
    resumable: set[StatsKey]
    cost: HookCost | None
    stacks: dict[tuple[Frame, ...], tuple[int, float]]
    memory: list[tuple[float, int]] = field(default_factory=list)
    profiled: int = 0
    unprofiled: tuple[str, ...] = ()
    running: int = 0


def add_stats(total: StatsDict, more: StatsDict) -> None:
    """Add `more` into `total`, entry by entry and edge by edge.

    pstats' `Stats.add` would do it too, but a task's function shipped by value is a new
    code object per task with the same pstats name, and cProfile's own snapshot keeps
    the last of those: the statistics are summed here from snapshots that summed them
    (see `workbench.collectors.snapshot.Profile`).
    """
    for key, (cc, nc, tt, ct, callers) in more.items():
        if key not in total:
            total[key] = (cc, nc, tt, ct, dict(callers))
            continue
        pcc, pnc, ptt, pct, pcallers = total[key]
        merged: dict[StatsKey, Any] = dict(pcallers)
        for caller, edge in callers.items():
            old = merged.get(caller)
            merged[caller] = edge if old is None else _add_edge(old, edge)
        total[key] = (pcc + cc, pnc + nc, ptt + tt, pct + ct, merged)


def _add_edge(a: Any, b: Any) -> Any:
    """Two caller edges summed: cProfile's (calls, primitive calls, tt, ct), or a bare
    count as pstats writes for a profile it was not given edges of."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return tuple(x + y for x, y in zip(a, b, strict=True))
    return a + b
