"""The parts of a view that a run's Dask tasks add: the cluster's split of the wall time,
the process a row was measured in, the workers' memory.

A report whose rows were all measured in the profiled process ("client") gets none of
them, so its renderings stay as they were before workers were followed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from workbench.render.format import Table, fmt_bytes, fmt_seconds, fmt_share

if TYPE_CHECKING:  # renderers read a Report; only its type is imported
    from workbench.report.report import Report

__all__ = [
    "CLIENT",
    "client_rows",
    "cluster_part",
    "plural",
    "process_name",
    "several_processes",
    "worker_memory_table",
    "worker_rows",
]

CLIENT = "client"


def plural(count: int, noun: str) -> str:
    """ "1 task", "2 tasks": a count with its noun."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def several_processes(table: pd.DataFrame) -> bool:
    """Whether `table`'s rows were measured in more than one process (its `where`)."""
    return bool(table["where"].nunique() > 1)


def client_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of `table` measured in the profiled process."""
    return table[table["where"] == CLIENT]


def worker_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of `table` measured in a Dask worker."""
    return table[table["where"] != CLIENT]


def process_name(where: str) -> str:
    """A row's process as a title says it: "the client" or the worker's address."""
    return "the client" if where == CLIENT else where


def cluster_part(report: Report) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The summary's "Dask cluster" part: its heading and (name, value) pairs.

    Returns:
        ("", ()) when the run's Dask tasks were not followed.
    """
    c = report.summary.cluster
    if c is None:
        return "", ()
    wall = report.summary.wall_seconds

    def of_wall(seconds: float) -> str:
        share = seconds / wall if wall > 0 else 0.0
        return f"{fmt_seconds(seconds)} ({fmt_share(share)} of wall)"

    heading = f"Dask cluster: {plural(c.tasks, 'task')} on {plural(len(c.workers), 'worker')}"
    facts = [
        ("compute in workers", of_wall(c.compute_seconds) + ": at least one task computing"),
        ("data transfer", of_wall(c.transfer_seconds) + ": data moving, no task computing"),
        (
            "no task running",
            of_wall(c.idle_seconds) + ": the client, the scheduler, idle workers",
        ),
    ]
    if c.slowest_group is None:
        facts.append(("slowest task group", "none"))
    else:
        share = c.slowest_group_seconds / c.task_seconds if c.task_seconds > 0 else 0.0
        facts.append(
            (
                "slowest task group",
                f"{c.slowest_group}: {fmt_seconds(c.slowest_group_seconds)} of the tasks' "
                f"{fmt_seconds(c.task_seconds)} compute, summed over worker threads "
                f"({fmt_share(share)})",
            )
        )
    if not c.complete:
        facts.append(
            (
                "note",
                "not every worker's profile came back (see the notes): the functions, lines "
                "and memory of the missing workers are absent; the tasks are the scheduler's",
            )
        )
    return heading, tuple(facts)


def worker_memory_table(timeline: pd.DataFrame) -> Table | None:
    """Each worker's memory samples: their peak and number; None without worker rows.

    Bars compare each worker's peak with the largest.
    """
    workers = worker_rows(timeline)
    if workers.empty:
        return None
    by_worker = workers.groupby("where", sort=True)["rss"].agg(["max", "size"])
    largest = max(float(by_worker["max"].max()), 1.0)
    rows = tuple(
        (fmt_bytes(int(peak)), f"{int(count):,}", str(where))
        for where, peak, count in zip(
            by_worker.index, by_worker["max"], by_worker["size"], strict=True
        )
    )
    return Table(
        title="Memory of the Dask workers (process RSS, sampled every 10 ms in each worker)",
        headers=("peak", "samples", "process"),
        rows=rows,
        shares=tuple(float(peak) / largest for peak in by_worker["max"]),
        align="rrl",
    )
