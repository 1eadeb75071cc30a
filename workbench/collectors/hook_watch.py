"""Who holds cProfile's hook, and whether the profiled code took it from us during a run.

The function lens refuses to start when another profiler holds the hook, and says whose
it is: a workbench profile already running (a profiled block, a magic's cell, or the
Dask run whose tasks a client follows into this worker), or another tool. At the stop
it checks that the hook is still its own: code that calls `sys.setprofile(None)` (3.11)
or `sys.monitoring.free_tool_id(2)` / `set_events(2, 0)` (3.12+) during the run stops
cProfile from counting without a word, and on 3.13 a freed slot made cProfile's
`disable()` raise ValueError ("tool 2 is not in use"), which lost the report.
"""

from __future__ import annotations

import sys
import weakref
from typing import Any

from workbench.errors import quoted

__all__ = ["busy_message", "events_now", "holder", "mark", "release", "still_ours"]

# The workbench's cProfile profilers that are enabled now (a worker's task profiler
# included): on 3.12+ `sys.monitoring` names the slot's tool "cProfile" whoever holds it.
_ENABLED: weakref.WeakSet[Any] = weakref.WeakSet()


def _monitoring() -> Any:
    return getattr(sys, "monitoring", None)


def holder() -> object:
    """What holds the profile hook now: the tool in `sys.monitoring`'s profiler slot
    (3.12+, process-wide) or this thread's profile function (3.11); None if free."""
    monitoring = _monitoring()
    if monitoring is not None:
        return monitoring.get_tool(monitoring.PROFILER_ID)
    return sys.getprofile()


def mark(profile: object, enabled: bool) -> None:
    """Record that one of our profilers was enabled (True) or disabled (False)."""
    if enabled:
        _ENABLED.add(profile)
    else:
        _ENABLED.discard(profile)


def busy_message(taken_by: object) -> str:
    """Why the function lens cannot start while `taken_by` holds the hook, and what to do."""
    ours = taken_by in _ENABLED or (taken_by == "cProfile" and len(_ENABLED) > 0)
    if ours:
        return (
            "this code already runs under a workbench profile (a profiled block or cell, "
            "or a Dask run whose tasks the workbench follows into the workers), and one "
            "profile cannot run inside another: its time is in that profile's report; "
            "profile it on its own once that run ends (or give the outer profile "
            "dask='off' to leave the workers alone)"
        )
    where = (
        "in this process (Python 3.12+ allows one cProfile per process, in any thread)"
        if _monitoring() is not None
        else "in this thread"
    )
    return (
        f"another profiler ({quoted(taken_by)}) is running {where}; finish it (an "
        "enclosing %prun, cProfile or profiling tool) before profiling again"
    )


def still_ours(profile: object, events: int) -> str | None:
    """None if `profile` still holds the hook as enabled, else what the code did to it.

    Parameters:
        profile: our enabled cProfile profiler.
        events: `sys.monitoring.get_events` of the profiler slot just after enabling
            (3.12+; ignored before).
    """
    monitoring = _monitoring()
    if monitoring is None:
        hook = sys.getprofile()
        if hook is profile:
            return None
        done = "removed" if hook is None else f"replaced with {quoted(hook)}"
        return f"the profile hook was {done} (sys.setprofile)"
    tool = monitoring.get_tool(monitoring.PROFILER_ID)
    if tool is None:
        return "cProfile's sys.monitoring slot was freed (sys.monitoring.free_tool_id)"
    if tool != "cProfile":
        return f"cProfile's sys.monitoring slot was taken by {quoted(tool)}"
    if monitoring.get_events(monitoring.PROFILER_ID) != events:
        return "cProfile's sys.monitoring events were changed (sys.monitoring.set_events)"
    return None


def events_now() -> int:
    """The events of the profiler slot now (0 before 3.12)."""
    monitoring = _monitoring()
    return 0 if monitoring is None else int(monitoring.get_events(monitoring.PROFILER_ID))


def release(profile: Any) -> bool:
    """Disable our `profile` whatever the code did to the hook meanwhile, leaving a hook
    the code installed in its place as it is.

    3.12+: a freed slot is claimed back for the moment `disable()` needs it (it frees it
    again); a slot another tool took is left to it (cProfile would free it: its
    profiler is then left enabled and only its counts are read). 3.11: `disable()`
    clears the thread's profile function, so a function the code set is put back.

    Returns:
        False when cProfile said "memory was exhausted while profiling": it failed to
        record a call (its MemoryError comes after it disabled itself). On 3.11 that
        happened when an interrupt landed while cProfile named a new function: the
        KeyboardInterrupt was cleared with the failure (1 run in about 200 of 24
        interrupts each, measured with a timer thread and `_thread.interrupt_main`).
    """
    monitoring = _monitoring()
    hook = sys.getprofile() if monitoring is None else None
    if monitoring is not None:
        tool = monitoring.get_tool(monitoring.PROFILER_ID)
        if tool is None:
            monitoring.use_tool_id(monitoring.PROFILER_ID, "cProfile")
        elif tool != "cProfile":
            mark(profile, False)
            return True
    recorded = True
    try:
        profile.disable()
    except MemoryError:
        recorded = False
    mark(profile, False)
    if hook is not None and hook is not profile and callable(hook):
        sys.setprofile(hook)
    return recorded
