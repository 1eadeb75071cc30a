"""Synthetic reports of a run whose Dask tasks were followed (no cluster needed).

`cluster_report` takes a real profile of a trivial call and adds rows of two workers
(A and B) to its tables and the cluster's figures (FIGURES) to its summary, so every
figure a rendering or a saved file holds is known to the tests.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

import workbench
from workbench.report.schema import frame
from workbench.report.summary import ClusterFigures

__all__ = ["EVIL", "FIGURES", "TASKS", "A", "B", "cluster_report"]

A, B = "tcp://127.0.0.1:41007", "tcp://127.0.0.1:41009"
EVIL = "<script>x</script>"
# (key, group, worker, thread, start, compute, transfer)
TASKS = (
    ("inc-1", "inc", A, 11, 0.00, 0.10, 0.0),
    (EVIL, EVIL, A, 12, 0.01, 0.05, 0.02),
    ("inc-2", "inc", B, 21, 0.02, 0.20, 0.0),
    ("sum-0", "sum", B, 21, 0.25, 0.05, 0.01),
)


def _task(key: str, group: str, worker: str, thread: int, start: float, compute: float,
          transfer: float) -> dict[str, Any]:  # fmt: skip
    stop = start + transfer + compute
    return {
        "task": key, "coroutine": "", "file": "", "line": 0, "resumptions": 0,
        "cpu": float("nan"), "running": compute, "waiting": transfer, "wall": stop - start,
        "start": start, "state": "finished", "user_code": True, "where": worker, "key": key,
        "group": group, "worker": worker, "thread": thread, "stop": stop, "compute": compute,
        "transfer": transfer,
    }  # fmt: skip


def _function(name: str, where: str, tottime: float) -> dict[str, Any]:
    return {
        "function": name, "file": "cell.py", "line": 3, "ncalls": 2, "primitive_calls": 2,
        "tottime": tottime, "cumtime": tottime, "raw_tottime": tottime, "raw_cumtime": tottime,
        "share": 0.4, "user_code": True, "where": where,
    }  # fmt: skip


def _line(lineno: int, samples: int, where: str) -> dict[str, Any]:
    return {
        "function": "work", "file": "cell.py", "lineno": lineno, "hits": pd.NA,
        "samples": samples, "time": samples * 0.01, "share": samples / 10,
        "source": f"x = {lineno}", "method": "sampled (wall)", "where": where,
    }  # fmt: skip


FIGURES = ClusterFigures(
    workers=(A, B),
    tasks=len(TASKS),
    compute_seconds=0.30,
    transfer_seconds=0.01,
    idle_seconds=0.09,
    task_seconds=0.40,
    slowest_group="inc",
    slowest_group_seconds=0.30,
    complete=True,
)


def cluster_report(tasks: tuple[tuple[Any, ...], ...] = TASKS) -> workbench.Report:
    """A profile of a trivial call with two workers' rows and the cluster's figures."""
    base = workbench.profile(lambda: None)
    functions = pd.concat(
        [
            base.functions,
            frame("functions", [_function("work", A, 0.3), _function("work", B, 0.2)]),
        ],
        ignore_index=True,
    )
    lines = pd.concat(
        [base.lines, frame("lines", [_line(3, 6, A), _line(4, 0, A), _line(3, 4, B)])],
        ignore_index=True,
    )
    timeline = frame(
        "timeline",
        [{"t": t / 10, "rss": 1000 + t, "where": "client"} for t in range(5)]
        + [{"t": 0.1, "rss": 5 << 20, "where": A}, {"t": 0.3, "rss": 7 << 20, "where": A}]
        + [{"t": 0.2, "rss": 3 << 20, "where": B}],
    )
    return replace(
        base,
        summary=replace(base.summary, wall_seconds=0.4, cluster=FIGURES),
        functions=functions,
        lines=lines,
        timeline=timeline,
        tasks=frame("tasks", [_task(*t) for t in tasks]),
    )
