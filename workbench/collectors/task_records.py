"""What one asyncio task did during a run: the tasks lens's records.

The lens (`workbench.collectors.tasks`) fills a `TaskRecord` per task from its timed
steps; `workbench.report.tables` turns the records into `report.tasks`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import CodeType
from typing import Any

__all__ = ["TaskRecord", "describe", "final_state"]


@dataclass
class TaskRecord:
    """What one task did during the run.

    Attributes:
        name: the task's name (`Task-7`, or what `create_task(name=...)` gave it).
        coroutine: the qualified name of the task's coroutine.
        code: the coroutine's code object (where it is defined), if it has one.
        steps: how many times it ran (its first start, then each resumption).
        cpu: thread CPU seconds spent in its steps.
        running: wall seconds spent in its steps.
        first_start: perf_counter time of its first step in the run.
        end: perf_counter time it finished, or None if it had not by the end.
        state: "done", "failed", "cancelled", "pending" or "running" (the profiled
            code's own task, still running while the run ends).
        host: whether this is the task the profiled code itself runs in.
    """

    name: str
    coroutine: str
    code: CodeType | None
    task: asyncio.Task[Any] | None = field(repr=False)
    steps: int = 0
    cpu: float = 0.0
    running: float = 0.0
    first_start: float = 0.0
    end: float | None = None
    state: str = "pending"
    host: bool = False


def describe(task: asyncio.Task[Any]) -> tuple[str, CodeType | None]:
    """The coroutine's qualified name and code object."""
    coro = task.get_coro()
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    name = getattr(coro, "__qualname__", None) or type(coro).__name__
    return str(name), code if isinstance(code, CodeType) else None


def final_state(task: asyncio.Task[Any]) -> str:
    """How the task ended: "done", "failed", "cancelled", or "pending" if it has not."""
    if not task.done():
        return "pending"
    if task.cancelled():
        return "cancelled"
    # Not task.exception(): that marks the error as retrieved, and asyncio would no longer
    # log "Task exception was never retrieved" for the user's forgotten task.
    return "failed" if getattr(task, "_exception", None) is not None else "done"
