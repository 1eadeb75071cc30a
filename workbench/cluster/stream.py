"""The scheduler's task stream over one run: opened at the start, read at the end.

Both functions run on the scheduler (`Client.run_on_scheduler` hands it in). The stream
is distributed's `TaskStreamPlugin` (what the dashboard's task stream draws); a run that
had to add it removes it again, so the scheduler is left as it was found.
"""

from __future__ import annotations

from typing import Any

__all__ = ["close_stream", "open_stream"]

_NAME = "task-stream"  # TaskStreamPlugin.name


def open_stream(dask_scheduler: Any) -> tuple[bool, int]:
    """Make sure the scheduler records its tasks; returns (the stream was there already,
    how many tasks it has recorded so far)."""
    from distributed.diagnostics.task_stream import TaskStreamPlugin

    existed = _NAME in dask_scheduler.plugins
    if not existed:
        dask_scheduler.add_plugin(TaskStreamPlugin(dask_scheduler))  # type: ignore[no-untyped-call]
    return existed, int(dask_scheduler.plugins[_NAME].index)


def close_stream(dask_scheduler: Any, index: int, existed: bool) -> list[dict[str, Any]]:
    """The tasks recorded since `index` (one record per task that finished or erred),
    oldest first; removes the stream if `open_stream` added it.

    Records are counted, not timed: the scheduler's clock and the client's may differ.
    """
    plugin = dask_scheduler.plugins.get(_NAME)
    if plugin is None:
        return []
    buffer = list(plugin.buffer)
    new = int(plugin.index) - index
    records = buffer[max(0, len(buffer) - new) :] if new > 0 else []
    if not existed:
        dask_scheduler.remove_plugin(name=_NAME)
    return [dict(record) for record in records]
