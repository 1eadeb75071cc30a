"""Saving and loading a run whose Dask tasks were followed, and reports saved before."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import workbench
from tests.cluster_reports import FIGURES, TASKS, cluster_report
from workbench.report.schema import COLUMNS, TABLES, frame

# The columns version 5 added to each table, in the order they are saved.
ADDED_IN_5 = {
    "functions": ("where",),
    "lines": ("where",),
    "timeline": ("where",),
    "tasks": ("where", "key", "group", "worker", "thread", "stop", "compute", "transfer"),
}


def _asyncio_task() -> dict[str, Any]:
    """A row of an asyncio task of the client, as the tasks table holds it."""
    return {
        "task": "Task-1", "coroutine": "main", "file": "cell.py", "line": 1, "resumptions": 3,
        "cpu": 0.01, "running": 0.02, "waiting": 0.3, "wall": 0.32, "start": 0.05,
        "state": "finished", "user_code": True, "where": "client", "key": "", "group": "",
        "worker": "", "thread": pd.NA, "stop": 0.37, "compute": math.nan,
        "transfer": math.nan,
    }  # fmt: skip


@pytest.fixture(scope="module")
def report() -> workbench.Report:
    base = cluster_report()
    tasks = pd.concat([frame("tasks", [_asyncio_task()]), base.tasks], ignore_index=True)
    return replace(base, tasks=tasks)


def test_a_report_with_workers_round_trips(report: workbench.Report, tmp_path: Path) -> None:
    loaded = workbench.Report.load(report.save(tmp_path)["json"])
    assert loaded == report
    cluster = loaded.summary.cluster
    assert cluster == FIGURES
    assert isinstance(cluster, type(FIGURES))
    assert cluster.workers == FIGURES.workers
    assert isinstance(cluster.workers, tuple)
    for name in TABLES:
        assert (getattr(loaded, name).dtypes == getattr(report, name).dtypes).all(), name
    tasks = loaded.tasks
    assert list(tasks["key"]) == ["", *(t[0] for t in TASKS)]
    assert list(tasks["thread"].iloc[1:]) == [t[3] for t in TASKS]
    assert tasks["thread"].isna().iloc[0]
    assert math.isnan(tasks["compute"].iloc[0])
    assert tasks["cpu"].iloc[1:].isna().all()
    assert set(loaded.functions["where"]) == {"client", *FIGURES.workers}
    assert loaded.to_text() == report.to_text()
    assert loaded.to_html() == report.to_html()


def test_the_file_is_version_5_with_the_cluster(report: workbench.Report, tmp_path: Path) -> None:
    document = json.loads(report.save(tmp_path, formats=("json",))["json"].read_text())
    assert document["version"] == 5
    assert document["summary"]["cluster"]["workers"] == list(FIGURES.workers)
    assert len(document["tables"]["tasks"][0]) == len(COLUMNS["tasks"])


def test_a_report_without_a_cluster_loads_none(tmp_path: Path) -> None:
    plain = workbench.profile(lambda: None)
    loaded = workbench.Report.load(plain.save(tmp_path)["json"])
    assert loaded.summary.cluster is None
    assert loaded == plain


def _as_version_4(document: dict[str, Any]) -> dict[str, Any]:
    """The document as version 4 wrote it: no cluster figures, no version 5 columns."""
    old: dict[str, Any] = json.loads(json.dumps(document))
    old["version"] = 4
    del old["summary"]["cluster"]
    for name, added in ADDED_IN_5.items():
        keep = [i for i, c in enumerate(COLUMNS[name]) if c not in added]
        old["tables"][name] = [[row[i] for i in keep] for row in old["tables"][name]]
    return old


def test_a_version_4_report_still_loads(tmp_path: Path) -> None:
    plain = workbench.profile(lambda: None)
    asyncio = replace(plain, tasks=frame("tasks", [_asyncio_task()]))
    path = asyncio.save(tmp_path, formats=("json",))["json"]
    path.write_text(json.dumps(_as_version_4(json.loads(path.read_text()))))
    loaded = workbench.Report.load(path)
    assert loaded.summary.cluster is None
    for name in ("functions", "lines", "timeline", "tasks"):
        assert set(getattr(loaded, name)["where"]) <= {"client"}
    assert not loaded.timeline.empty
    assert not loaded.functions.empty
    task = loaded.tasks.iloc[0]
    assert (task["key"], task["group"], task["worker"]) == ("", "", "")
    assert pd.isna(task["thread"])
    assert math.isnan(task["compute"])
    assert math.isnan(task["transfer"])
    assert task["stop"] == pytest.approx(0.05 + 0.32)
    assert loaded == asyncio
    assert loaded.to_text() == asyncio.to_text()
