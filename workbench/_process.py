"""Helper processes the workbench starts, which exit when their standard input closes.

The RSS sampler, the snakeviz server and the demo API read their stdin until EOF, so
closing it stops them, and a parent that dies closes it too. `stop_child` is the one way
to stop them.

They are registered here (`register`), for two reasons. The spawn watch leaves them out
of "child processes the profiled code started" (another thread's profile starting the
RSS sampler is not this run's child). And a process forked from ours (`os.fork()` in
profiled code, multiprocessing's "fork" start method) inherits our ends of their pipes:
a forked child that went on to stop its inherited profile wrote to the RSS sampler
through the parent's pipe and read the parent's answer, and the parent waited 30 s for
it in vain. In a forked child every helper's pipes are pointed at /dev/null (the
descriptors stay valid, so nothing closes a number another file reuses; the helper
sees EOF once the parent closes its end) and the helpers are forgotten: the child never
talks to them, waits for them or stops them.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from collections.abc import Callable

__all__ = ["helper_pids", "on_fork_in_child", "register", "stop_child", "unregister"]

_lock = threading.Lock()
_helpers: dict[int, subprocess.Popen[str]] = {}  # pid -> the helper process
_machinery: set[int] = set()  # the helpers that serve the workbench itself
_forget: list[Callable[[], None]] = []  # each module's own "forget your helpers"


def register(process: subprocess.Popen[str], *, machinery: bool = True) -> None:
    """Note `process` as a helper of the workbench's (see the module's docstring).

    Parameters:
        process: the helper, just started.
        machinery: it serves the workbench itself (the RSS sampler, the snakeviz
            server), not the user's code (the demo API a notebook starts): the spawn
            watch never counts it as the profiled code's child.
    """
    with _lock:
        _helpers[process.pid] = process
        if machinery:
            _machinery.add(process.pid)


def unregister(process: subprocess.Popen[str]) -> None:
    """Forget a helper that has ended (or is being stopped)."""
    with _lock:
        _helpers.pop(process.pid, None)
        _machinery.discard(process.pid)


def helper_pids() -> frozenset[int]:
    """The process ids of the helpers that serve the workbench itself (machinery)."""
    with _lock:
        return frozenset(_machinery)


def on_fork_in_child(forget: Callable[[], None]) -> None:
    """Call `forget` in a forked child (a module drops its handles to its helpers)."""
    _forget.append(forget)


def stop_child(process: subprocess.Popen[str], timeout: float) -> None:
    """Close the child's stdin, wait for it to exit (kill it after `timeout` seconds),
    and close its stdout."""
    if process.stdin is not None and not process.stdin.closed:
        with contextlib.suppress(OSError):  # the child is gone already
            process.stdin.close()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    finally:
        unregister(process)
    if process.stdout is not None:
        process.stdout.close()


def _after_fork_in_child() -> None:
    """In a forked child: point the inherited pipes at /dev/null, forget every helper."""
    global _lock
    _lock = threading.Lock()  # another thread may have held it at the fork
    helpers = list(_helpers.values())
    _helpers.clear()
    _machinery.clear()
    try:
        null = os.open(os.devnull, os.O_RDWR)
    except OSError:
        null = -1
    for process in helpers:
        for pipe in (process.stdin, process.stdout, process.stderr):
            if pipe is None or null < 0:
                continue
            with contextlib.suppress(OSError, ValueError):
                os.dup2(null, pipe.fileno())
        # Not ours to wait for: this process is not its parent.
        process.returncode = 0
    if null >= 0:
        os.close(null)
    for forget in _forget:
        forget()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
