"""Snapshots of the interpreter's profiling hooks, to prove they are left as found.

The session takes a `HookState` before any lens starts and compares it after every lens
has stopped; tests do the same around every fault path.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import sys
import threading
import tracemalloc
from dataclasses import dataclass
from typing import Any

__all__ = ["HookState"]


def _monitoring_tools() -> tuple[str | None, ...]:
    """Names of the `sys.monitoring` tools in each of the six tool slots (3.12+)."""
    monitoring: Any = getattr(sys, "monitoring", None)
    if monitoring is None:
        return ()
    return tuple(monitoring.get_tool(tool_id) for tool_id in range(6))


def _sigprof_handler() -> object:
    """The SIGPROF handler, or None where the platform has no SIGPROF."""
    sigprof = getattr(signal, "SIGPROF", None)
    return None if sigprof is None else signal.getsignal(sigprof)


def _prof_timer() -> tuple[float, float]:
    """The CPU-time timer that delivers SIGPROF: (delay, interval), zeros when disarmed."""
    if not hasattr(signal, "setitimer"):
        return (0.0, 0.0)
    # Only whether it is armed and how often: the remaining delay counts down.
    delay, interval = signal.getitimer(signal.ITIMER_PROF)
    return (float(delay > 0), interval)


def _asyncio_hooks() -> tuple[object, bool]:
    """`asyncio.events.Handle._run`, and whether the running loop's selector is wrapped."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    selector = getattr(loop, "_selector", None)
    return asyncio.events.Handle._run, "select" in getattr(selector, "__dict__", {})


@dataclass(frozen=True)
class HookState:
    """What the profiling hooks of this thread and process are set to at one moment.

    Attributes:
        profile: `sys.getprofile()`.
        trace: `sys.gettrace()`.
        tracemalloc: whether tracemalloc is tracing.
        monitoring: the tool name in each `sys.monitoring` slot (empty before 3.12).
        sigprof: the SIGPROF handler (the line sampler uses it).
        prof_timer: whether the CPU-time timer is armed (1.0 or 0.0), and its interval.
        sigint: the SIGINT handler (an interrupt must leave it as it was).
        asyncio: asyncio's callback runner, and whether the running loop's selector is
            wrapped (the tasks lens wraps both).
        thread_profile: `threading.getprofile()`, the hook new threads install.
        thread_start: `threading.Thread.start` (the spawn watch wraps it during a run).
        gc_enabled: whether the cyclic garbage collector runs (paused while a report's
            statistics are built).
    """

    profile: object
    trace: object
    tracemalloc: bool
    monitoring: tuple[str | None, ...]
    sigprof: object
    prof_timer: tuple[float, float]
    sigint: object
    asyncio: tuple[object, bool]
    thread_profile: object
    thread_start: object
    gc_enabled: bool = True

    @classmethod
    def capture(cls) -> HookState:
        """Read the current state of every hook."""
        return cls(
            profile=sys.getprofile(),
            trace=sys.gettrace(),
            tracemalloc=tracemalloc.is_tracing(),
            monitoring=_monitoring_tools(),
            sigprof=_sigprof_handler(),
            prof_timer=_prof_timer(),
            sigint=signal.getsignal(signal.SIGINT),
            asyncio=_asyncio_hooks(),
            thread_profile=threading.getprofile(),
            thread_start=threading.Thread.start,
            gc_enabled=gc.isenabled(),
        )

    def differences(self, other: HookState) -> list[str]:
        """Name each hook whose state differs between `self` and `other`.

        Parameters:
            other: a later snapshot.

        Returns:
            Human-readable lines, empty when both snapshots agree.
        """
        changed = []
        names = ("profile", "trace", "tracemalloc", "monitoring", "sigprof", "prof_timer")
        for name in (*names, "sigint", "asyncio", "thread_profile", "thread_start", "gc_enabled"):
            before, after = getattr(self, name), getattr(other, name)
            if before != after:
                changed.append(f"{name}: {before!r} -> {after!r}")
        return changed
