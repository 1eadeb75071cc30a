"""The tasks table's rows of the client's asyncio tasks (see `workbench.collectors.tasks`).

A Dask run adds its cluster's tasks to the same table (`workbench.report.cluster`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.collectors.task_records import TaskRecord
from workbench.report.schema import frame
from workbench.source import SourceIndex

__all__ = ["tasks_frame"]


def tasks_frame(
    records: list[TaskRecord], started: float, stopped: float, index: SourceIndex
) -> pd.DataFrame:
    """One row per asyncio task, the one that waited longest first.

    Parameters:
        records: what the tasks lens saw.
        started, stopped: the run's start and end (perf_counter), for tasks still
            running at the end and for `start` offsets.
    """
    rows: list[dict[str, Any]] = []
    for r in records:
        end = r.end if r.end is not None else stopped
        wall = max(end - r.first_start, r.running)
        start = max(r.first_start - started, 0.0)
        filename = r.code.co_filename if r.code is not None else ""
        rows.append(
            {
                "task": r.name,
                "coroutine": r.coroutine,
                "file": index.label(filename) if filename else "",
                "line": r.code.co_firstlineno if r.code is not None else 0,
                "resumptions": max(r.steps - 1, 0),
                "cpu": r.cpu,
                "running": r.running,
                "waiting": wall - r.running,
                "wall": wall,
                "start": start,
                "state": r.state,
                "user_code": r.host or (bool(filename) and index.is_user_code(filename)),
                "where": "client",
                "key": "",
                "group": "",
                "worker": "",
                "thread": pd.NA,
                "stop": start + wall,
                "compute": float("nan"),
                "transfer": float("nan"),
            }
        )
    rows.sort(key=lambda r: (-float(r["waiting"]), float(r["start"]), str(r["task"])))
    return frame("tasks", rows)
