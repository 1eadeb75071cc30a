"""What the profiled code started beside itself: threads and child processes.

Not a lens of its own: it tells the report what the lenses could not see. Every lens
follows only the thread that runs the code (cProfile on 3.12+ hears every thread, and the
function lens filters the others out: see `thread_filter`). No lens follows a child
process.

Threads are noticed where they start: during the run `threading.Thread.start` is wrapped
(restored at the stop), and the wrapper, which runs in the starting thread, records which
thread started which. A thread is the profiled code's when the profiled thread started it,
or a thread of the profiled code did: a server thread already running before the run (or
a kernel's own) that starts a handler thread per request starts threads of its own, not
the profiled code's. Child processes are counted twice over: those still alive at the end
(the new process ids in /proc whose parents lead here; psutil where there is no /proc),
and the CPU time of children that ended and were reaped during the run
(`resource.getrusage(RUSAGE_CHILDREN)`). Processes are only ever looked at, never stopped.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

import psutil

from workbench import _process
from workbench.collectors.patches import SharedPatch

__all__ = ["KERNEL_THREAD_MODULES", "SpawnWatch"]

log = logging.getLogger(__name__)

# Threads that a kernel or shell starts on its own at any time (pyzmq's garbage
# collector, IPython's history saver): not the profiled code's.
KERNEL_THREAD_MODULES = ("zmq.", "ipykernel.", "IPython.", "jupyter_client.", "tornado.")


def _children_cpu() -> float:
    """CPU seconds of this process's children that have ended and been waited for."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _children() -> set[int]:
    try:
        return {p.pid for p in psutil.Process(os.getpid()).children(recursive=True)}
    except psutil.Error:
        return set()


def _pids() -> set[int] | None:
    """Every process id in /proc, or None where there is no /proc (then psutil asks)."""
    try:
        return {int(name) for name in os.listdir("/proc") if name.isdigit()}
    except OSError:
        return None


def _parent(pid: int) -> int | None:
    """The parent of `pid` from /proc/PID/stat, or None if it has gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            return int(stat.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _new_descendants(before: set[int]) -> int:
    """How many descendants of this process have ids that were not in use at `before`.

    A child started during the run has a new id, and so do its own children: reading the
    parents of the new ids only keeps this cheap (psutil reads every process's, about
    20 us each, which on a desktop with 500 processes would be most of a profile's cost).
    """
    after = _pids() or set()
    helpers = _process.helper_pids()  # ours (another thread's profile may start one)
    parents = {pid: _parent(pid) for pid in after - before - helpers}
    found, frontier = 0, {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        found += len(frontier)
    return found


def _watching_starts(original: Any, patch: SharedPatch) -> Any:
    """`threading.Thread.start`, telling every running watch first (in the starting
    thread, before the new one exists: it cannot run first)."""

    def start(thread: threading.Thread, *args: Any, **kwargs: Any) -> Any:
        for watch in patch.users:
            if watch._watching:
                watch._seen(thread)
        return original(thread, *args, **kwargs)

    start.__wrapped__ = original  # type: ignore[attr-defined]
    return start


THREAD_START = SharedPatch(threading.Thread, "start", _watching_starts)


class SpawnWatch:
    """Records the threads and child processes started while it runs.

    Parameters:
        before_thread: called in the starting thread before any thread starts during the
            run (the function lens then keeps to the profiled thread).

    Attributes:
        threads: names of the threads the profiled code started during the run (those
            its own threads started included), in start order; kernel machinery left out.
        processes: child processes started during the run and alive at its end.
        children_cpu: CPU seconds of child processes that ended during the run.
    """

    lens = ""

    def __init__(self, before_thread: Callable[[], None] | None = None) -> None:
        self.threads: list[str] = []
        self.processes = 0
        self.children_cpu = 0.0
        self._before_thread = before_thread
        self._lock = threading.Lock()
        self._profiled = 0  # threading.get_ident() of the thread that runs the code
        self._ours: list[threading.Thread] = []  # the threads the code started
        self._watching = False  # threading.Thread.start is wrapped for this watch
        self.tampered: str | None = None  # the code replaced the wrapper meanwhile
        self._children_at_start: set[int] = set()
        self._pids_at_start: set[int] | None = None
        self._cpu_at_start = 0.0

    def start(self) -> None:
        """Wrap `threading.Thread.start` and note the child processes.

        Call it in the thread that runs the profiled code: that thread's starts are the
        code's.
        """
        self._pids_at_start = _pids()
        self._children_at_start = _children() if self._pids_at_start is None else set()
        self._cpu_at_start = _children_cpu()
        self._profiled, self._ours = threading.get_ident(), []
        self._watching = True
        THREAD_START.add(self)

    def _seen(self, thread: threading.Thread) -> None:
        """`thread` is about to start, from the current thread: is it the code's?"""
        if self._before_thread is not None:
            self._before_thread()
        starter = threading.get_ident()  # a thread's ident is set before it runs code
        with self._lock:
            if starter != self._profiled and all(t.ident != starter for t in self._ours):
                return  # started by a thread that is not the profiled code's
            self._ours.append(thread)
            if not type(thread).__module__.startswith(KERNEL_THREAD_MODULES):
                self.threads.append(thread.name)

    def stop(self) -> None:
        """Restore `threading.Thread.start` and count the child processes."""
        if self._watching:
            self._watching = False  # a wrapper still running passes this watch by
            self.tampered = THREAD_START.remove(self)
        self._ours = []
        if self._pids_at_start is not None:
            self.processes = _new_descendants(self._pids_at_start)
        else:
            self.processes = len(_children() - self._children_at_start - _process.helper_pids())
        self.children_cpu = max(0.0, _children_cpu() - self._cpu_at_start)

    def notes(self) -> list[str]:
        """What the report should say about threads and child processes."""
        notes = []
        if self.threads:
            shown = ", ".join(self.threads[:5]) + (" ..." if len(self.threads) > 5 else "")
            count = f"{len(self.threads)} thread{'s' if len(self.threads) > 1 else ''}"
            notes.append(
                f"{count} started during the run by the profiled code ({shown}): not "
                "profiled, every lens follows only the thread that ran the code, so their "
                "work is missing from the tables"
            )
        if self.processes or self.children_cpu > 0.005:
            notes.append(
                f"child processes ran during the run ({self.processes} still alive at its "
                f"end, {self.children_cpu:.2f} s CPU in those that ended): not profiled, "
                "the workbench profiles this process only"
            )
        return notes
