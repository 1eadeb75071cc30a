"""The Report's share of a run's Dask tasks: rows for its tables and the summary's split.

What came back from the workers (`workbench.cluster.follow.ClusterCollector`) becomes
rows with `where` set to the worker's address: function times corrected with each
worker's own calibration, line samples of the tasks' threads, each task of the
scheduler's task stream, each worker's memory samples. Times in workers are epoch
seconds; rows give them from the run's start (one machine's clock, or the cluster's
clocks as far as they agree).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.cluster.payload import Frame, WorkerPayload
from workbench.cluster.resolve import shipped_files
from workbench.collectors.functions import StatsDict, StatsKey
from workbench.report.correction import correct
from workbench.report.summary import ClusterFigures
from workbench.report.tables import functions_rows, sampled_lines_frame
from workbench.source import SourceIndex

if TYPE_CHECKING:  # the collector is handed in by the report's assembly
    from workbench.cluster.follow import ClusterCollector
    from workbench.options import Plan

__all__ = [
    "ClusterPart",
    "cluster_figures",
    "cluster_part",
    "task_rows",
    "worker_functions",
    "worker_lines",
    "worker_memory",
]

Rename = Callable[[str], str]


@dataclass
class ClusterPart:
    """The rows and figures of the run's Dask tasks (all empty: none followed)."""

    functions: list[dict[str, Any]] = field(default_factory=list)
    lines: list[pd.DataFrame] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    memory: list[dict[str, Any]] = field(default_factory=list)
    figures: ClusterFigures | None = None


def cluster_part(
    collector: ClusterCollector | None, index: SourceIndex, plan: Plan, epoch: float, wall: float
) -> ClusterPart:
    """What the workers sent back, as rows of the Report's tables.

    Parameters:
        epoch, wall: the run's start (`time.time()`) and its wall seconds.
    """
    if collector is None or not collector.workers:
        return ClusterPart()
    rename = renamer(shipped_files())
    payloads = [collector.payloads[a] for a in sorted(collector.payloads)]
    tasks = task_rows(collector.records, epoch)
    traced = plan.traced if plan.lines == "traced" else ()
    return ClusterPart(
        functions=worker_functions(payloads, index, rename),
        lines=worker_lines(payloads, index, rename, plan.sampled_functions, traced)
        if plan.lines != "off"
        else [],
        tasks=tasks,
        memory=worker_memory(payloads, epoch),
        figures=cluster_figures(
            collector.records,
            tasks,
            epoch,
            wall,
            collector.workers,
            complete=set(collector.payloads) >= set(collector.workers),
        ),
    )


def renamer(shipped: dict[str, str]) -> Rename:
    """File names as the client knows them: shipped code gets its defining file back."""
    return lambda filename: shipped.get(filename, filename)


def _rekey(key: StatsKey, rename: Rename) -> StatsKey:
    return (rename(key[0]), key[1], key[2])


def _renamed(stats: StatsDict, rename: Rename) -> StatsDict:
    return {
        _rekey(k, rename): (cc, nc, tt, ct, {_rekey(c, rename): e for c, e in callers.items()})
        for k, (cc, nc, tt, ct, callers) in stats.items()
    }


def worker_functions(
    payloads: Iterable[WorkerPayload], index: SourceIndex, rename: Rename
) -> list[dict[str, Any]]:
    """Function rows of every worker, times corrected for cProfile's cost as measured in
    that worker's process."""
    rows: list[dict[str, Any]] = []
    for payload in payloads:
        raw = _renamed(payload.stats, rename)
        hidden = {_rekey(k, rename): s for k, s in payload.hidden.items()}
        resumable = {_rekey(k, rename) for k in payload.resumable}
        corrected = correct(raw, payload.cost, {}, hidden, resumable).stats
        rows += functions_rows(corrected, index, raw, where=payload.address)
    return rows


def worker_lines(
    payloads: Iterable[WorkerPayload],
    index: SourceIndex,
    rename: Rename,
    max_functions: int,
    traced: tuple[str, ...] = (),
) -> list[pd.DataFrame]:
    """Per worker, the sampled lines of its hottest user functions: each stack sample
    goes to its innermost frame in the user's code.

    Parameters:
        traced: the functions named for line detail (`-l`, qualified names): then each
            sample goes to its innermost frame in one of them instead, so a line's time
            includes what it calls, as traced lines do.
    """
    names = {name.rsplit(".", 1)[-1] for name in traced}
    if names:
        max_functions = len(names)
    frames = []
    for payload in payloads:
        counts: dict[tuple[tuple[str, int, str], int], int] = {}
        seconds: dict[tuple[tuple[str, int, str], int], float] = {}
        total = 0.0
        for stack, (samples, elapsed) in payload.stacks.items():
            total += elapsed
            frame_ = _innermost_frame(stack, index, rename, names)
            if frame_ is None:
                continue
            filename, lineno, firstlineno, name = frame_
            where = ((filename, firstlineno, name), lineno)
            counts[where] = counts.get(where, 0) + samples
            seconds[where] = seconds.get(where, 0.0) + elapsed
        table = sampled_lines_frame(counts, seconds, total, index, max_functions)
        if len(table):
            table["where"] = payload.address
            table["method"] = "sampled (wall)"
            frames.append(table)
    return frames


def _innermost_frame(
    stack: tuple[Frame, ...], index: SourceIndex, rename: Rename, names: set[str]
) -> Frame | None:
    """The stack's innermost frame of user code (of a function named in `names`, if any
    are), with its file as the client knows it; a frame with no line (a function at its
    start: worker_side._stack) leaves the sample to its caller."""
    for filename, lineno, firstlineno, name in stack:
        if not lineno:
            continue
        real = rename(filename)
        if (name in names if names else True) and index.is_user_code(real):
            return (real, lineno, firstlineno, name)
    return None


def worker_memory(payloads: Iterable[WorkerPayload], epoch: float) -> list[dict[str, Any]]:
    """Timeline rows: each worker's process memory, seconds from the run's start."""
    return [
        {"t": t - epoch, "rss": rss, "where": payload.address}
        for payload in payloads
        for t, rss in payload.memory
    ]


def _group(key: object) -> str:
    """A task's group (key prefix), as Dask's dashboard names it."""
    try:
        from dask.utils import key_split
    except ImportError:  # records exist only with distributed, which needs dask
        return str(key)
    return str(key_split(key))


def task_rows(records: Iterable[dict[str, Any]], epoch: float) -> list[dict[str, Any]]:
    """Rows of the tasks table, one per task of the scheduler's stream, by start."""
    rows = []
    for record in records:
        spans = record.get("startstops") or ()
        compute = sum(s["stop"] - s["start"] for s in spans if s["action"] == "compute")
        transfer = sum(s["stop"] - s["start"] for s in spans if s["action"] == "transfer")
        start = min((s["start"] for s in spans), default=epoch)
        stop = max((s["stop"] for s in spans), default=epoch)
        worker = str(record.get("worker", ""))
        rows.append(
            {
                "task": str(record.get("key")),
                "coroutine": "",
                "file": "",
                "line": 0,
                "resumptions": 0,
                "cpu": float("nan"),
                "running": compute,
                "waiting": transfer,
                "wall": stop - start,
                "start": start - epoch,
                "state": "erred" if record.get("status") == "error" else "finished",
                "user_code": True,
                "where": worker,
                "key": str(record.get("key")),
                "group": _group(record.get("key")),
                "worker": worker,
                "thread": int(record["thread"]) if record.get("thread") else pd.NA,
                "stop": stop - epoch,
                "compute": compute,
                "transfer": transfer,
            }
        )
    rows.sort(key=lambda r: (float(r["start"]), str(r["key"])))
    return rows


def _covered(spans: list[tuple[float, float]]) -> float:
    """Seconds covered by the union of the spans."""
    covered, end = 0.0, float("-inf")
    for start, stop in sorted(spans):
        if stop <= end:
            continue
        covered += stop - max(start, end)
        end = stop
    return covered


def cluster_figures(
    records: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    epoch: float,
    wall: float,
    workers: Iterable[str],
    complete: bool,
) -> ClusterFigures:
    """How the run's wall time split between computing in workers, moving data and
    no task running at all (the client working or waiting, the scheduler, idle
    workers); the task group that computed longest.

    Parameters:
        records: the scheduler's task-stream records (their compute and transfer spans).
        rows: the same tasks as rows of the tasks table (`task_rows`).
    """
    end = epoch + wall

    def clipped(action: str) -> list[tuple[float, float]]:
        return [
            (max(s["start"], epoch), min(s["stop"], end))
            for r in records
            for s in r.get("startstops") or ()
            if s["action"] == action and s["stop"] > epoch and s["start"] < end
        ]

    computing = clipped("compute")
    moving = clipped("transfer")
    compute = _covered(computing)
    busy = _covered(computing + moving)
    by_group: dict[str, float] = {}
    for row in rows:
        by_group[row["group"]] = by_group.get(row["group"], 0.0) + float(row["compute"])
    slowest = max(by_group, key=lambda g: (by_group[g], g)) if by_group else None
    return ClusterFigures(
        workers=tuple(sorted(workers)),
        tasks=len(records),
        compute_seconds=compute,
        transfer_seconds=busy - compute,
        idle_seconds=max(wall - busy, 0.0),
        task_seconds=sum(by_group.values()),
        slowest_group=slowest,
        slowest_group_seconds=by_group.get(slowest, 0.0) if slowest else 0.0,
        complete=complete,
    )
