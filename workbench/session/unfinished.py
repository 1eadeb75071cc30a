"""Spot a profiled result that is work not yet done: a coroutine, generator or iterator.

`profile(fetch_all, urls)` on an `async def` returns a coroutine at once; a pipeline
written with generators returns a generator before computing anything. The profile then
shows almost nothing, and a reader could take that for fast code. The report says so.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator

from workbench.errors import OptionError

__all__ = ["is_lazy", "lazy_kind", "refuse_uncallable", "unfinished_work"]


def is_lazy(value: object) -> bool:
    """Whether `value` is an iterator or generator whose items are computed on demand."""
    return isinstance(value, Iterator) and not _is_file_like(value)


def lazy_kind(value: object) -> str:
    """ "async" for an async iterator, "sync" for an iterator or generator, else ""."""
    if isinstance(value, AsyncIterator):
        return "async"
    return "sync" if is_lazy(value) else ""


def _name(value: object) -> str:
    return str(getattr(value, "__qualname__", None) or type(value).__name__)


def unfinished_work(value: object) -> str | None:
    """A warning when `value` stands for work that did not run, else None.

    Parameters:
        value: what the profiled code returned (or the cell's last expression).

    Returns:
        One sentence saying what was returned, that its work is not in the profile, and
        how to include it.
    """
    if inspect.iscoroutine(value):
        if inspect.getcoroutinestate(value) == inspect.CORO_CREATED:
            return (
                f"the code returned the coroutine {_name(value)}() without awaiting it: its "
                "work did not run and is not in this profile; await it inside the profiled "
                "code (cell: `await ...`; API: `await workbench.profile_async(...)`)"
            )
        return None
    if inspect.isawaitable(value) and not isinstance(value, Iterator):
        return (
            f"the code returned an awaitable ({type(value).__name__}) that it did not "
            "await: whatever it stands for is not in this profile"
        )
    if inspect.isgenerator(value) or inspect.isasyncgen(value):
        frame = getattr(value, "gi_frame", None) or getattr(value, "ag_frame", None)
        if frame is None:
            return None  # closed: it ran to its end
        created = inspect.isgenerator(value) and (
            inspect.getgeneratorstate(value) == inspect.GEN_CREATED
        )
        how = "never started" if created else "not run to its end"
        return (
            f"the code returned the generator {_name(value)}, {how}: the items it has not "
            "produced yet were not computed and are not in this profile; consume it inside "
            "the profiled code (e.g. list(...))"
        )
    if isinstance(value, Iterator | AsyncIterator) and not _is_file_like(value):
        return (
            f"the code returned a lazy iterator ({type(value).__name__}): the work of "
            "producing its items runs when it is consumed, outside this profile; consume "
            "it inside the profiled code (e.g. list(...))"
        )
    return None


def _is_file_like(value: object) -> bool:
    """Open files are iterators too, but returning one is not deferred work."""
    return hasattr(value, "read") and hasattr(value, "close")


def refuse_uncallable(fn: object) -> None:
    """Refuse a value that cannot be called, before anything runs.

    Raises:
        OptionError: naming the value.
    """
    if not callable(fn):
        raise OptionError(
            f"expected a function to call, got {type(fn).__name__} {fn!r:.60}: pass the "
            "function and its arguments separately, e.g. workbench.profile(run, records)"
        )
