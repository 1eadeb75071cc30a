"""What the profiled code started beside itself: threads and child processes.

Not a lens of its own: it tells the report what the lenses could not see. cProfile on
Python 3.11 follows only the thread that runs the code (on 3.12+ its `sys.monitoring`
hook sees every thread); the line and memory lenses follow that thread everywhere. No
lens follows a child process.

Threads are noticed with `threading.setprofile`: every thread started during the run calls
our hook once, which records the thread and removes itself from that thread (so a worker
costs one call). Child processes are counted twice over: those still alive at the end
(the new process ids in /proc whose parents lead here; psutil where there is no /proc),
and the CPU time of children that ended and were reaped during the run
(`resource.getrusage(RUSAGE_CHILDREN)`). Processes are only ever looked at, never stopped.
"""

from __future__ import annotations

import os
import sys
import threading
from types import FrameType
from typing import Any

import psutil

__all__ = ["KERNEL_THREAD_MODULES", "SpawnWatch"]

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
    parents = {pid: _parent(pid) for pid in after - before}
    found, frontier = 0, {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        found += len(frontier)
    return found


class SpawnWatch:
    """Records the threads and child processes started while it runs.

    Attributes:
        threads: names of the threads started during the run, in start order.
        processes: child processes started during the run and alive at its end.
        children_cpu: CPU seconds of child processes that ended during the run.
        busy: why threads could not be watched (another tool's `threading.setprofile`).
    """

    lens = ""

    def __init__(self) -> None:
        self.threads: list[str] = []  # the profiled code's; kernel machinery left out
        self.processes = 0
        self.children_cpu = 0.0
        self.busy: str | None = None
        self._lock = threading.Lock()
        self._installed = False
        self._children_at_start: set[int] = set()
        self._pids_at_start: set[int] | None = None
        self._cpu_at_start = 0.0

    def start(self) -> None:
        """Install the thread hook (unless another tool's is there) and note the children."""
        self._pids_at_start = _pids()
        self._children_at_start = _children() if self._pids_at_start is None else set()
        self._cpu_at_start = _children_cpu()
        holder = threading.getprofile()
        if holder is not None:
            self.busy = f"another tool's thread hook ({holder!r}) is set: threads not counted"
            return
        threading.setprofile(self._seen)
        self._installed = True

    def _seen(self, frame: FrameType, event: str, arg: Any) -> None:
        # The first event in a new thread: record it, then leave that thread alone.
        sys.setprofile(None)
        thread = threading.current_thread()
        if type(thread).__module__.startswith(KERNEL_THREAD_MODULES):
            return
        with self._lock:
            self.threads.append(thread.name)

    def stop(self) -> None:
        """Remove the thread hook and count the child processes."""
        if self._installed:
            threading.setprofile(None)
            self._installed = False
        if self._pids_at_start is not None:
            self.processes = _new_descendants(self._pids_at_start)
        else:
            self.processes = len(_children() - self._children_at_start)
        self.children_cpu = max(0.0, _children_cpu() - self._cpu_at_start)

    def notes(self) -> list[str]:
        """What the report should say about threads and child processes."""
        notes = []
        if self.busy:
            notes.append(self.busy)
        if self.threads:
            shown = ", ".join(self.threads[:5]) + (" ..." if len(self.threads) > 5 else "")
            if sys.version_info >= (3, 12):
                seen = (
                    "cProfile saw their calls too (its counts mix the threads' stacks); "
                    "line and memory detail cover only the thread that ran the code"
                )
            else:
                seen = (
                    "not profiled: on Python 3.11 every lens follows only the thread that "
                    "ran the code, so their work is missing from the tables"
                )
            count = f"{len(self.threads)} thread{'s' if len(self.threads) > 1 else ''}"
            notes.append(f"{count} started during the run ({shown}): {seen}")
        if self.processes or self.children_cpu > 0.005:
            notes.append(
                f"child processes ran during the run ({self.processes} still alive at its "
                f"end, {self.children_cpu:.2f} s CPU in those that ended): not profiled, "
                "the workbench profiles this process only"
            )
        return notes
