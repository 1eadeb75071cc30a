"""Which workbench sessions run now, so that a nested one is refused by name.

A session started inside another in the same thread (a `workbench.profile` inside a
profiled block, the magic inside a profiled cell, two async profiles in one event loop)
would be refused by cProfile's hook, with a message naming a `cProfile.Profile` object;
this registry lets the session say which workbench profile is running instead.
"""

from __future__ import annotations

import threading

from workbench.errors import ProfilerBusyError, quoted

__all__ = ["overlapped", "register", "unregister"]

# The sessions running now (entered, not yet exited):
# {session id: (label, thread id, whether it holds the process's one cProfile)}.
_running: dict[int, tuple[str, int, bool]] = {}
# The running sessions that ran beside another at some moment: what either found or left
# of the process's hooks may be the other's (a thread's run that started while the main
# thread's held SIGINT, or ended after it), so neither checks the hooks it leaves.
_overlapped: set[int] = set()
_lock = threading.Lock()


def register(session: int, label: str, *, process_wide: bool = False) -> None:
    """Note a session as running in this thread, unless one already runs here.

    Call it before any lens starts: once cProfile runs, what the session's own frame
    calls would stay in the function table.

    Parameters:
        session: the session's id.
        label: what it profiles, for the message.
        process_wide: it runs cProfile where a process has one (3.12+: the profiler slot
            of `sys.monitoring`), so no other such session may run in any thread.

    Raises:
        ProfilerBusyError: naming the running session's label (and thread).
    """
    here = threading.get_ident()
    with _lock:
        same_thread = [label for label, thread, _ in _running.values() if thread == here]
        elsewhere = [
            (label, thread)
            for label, thread, wide in _running.values()
            if wide and process_wide and thread != here
        ]
        if not same_thread and not elsewhere:
            if _running:
                _overlapped.update((*_running, session))
            _running[session] = (label, here, process_wide)
            return
    if same_thread:
        raise ProfilerBusyError(
            f"another profiler is running in this thread: the workbench profile of "
            f"{quoted(same_thread[-1])}, and one profile cannot run inside another; let it "
            "finish, or profile the inner code on its own (its time is in the running "
            "profile's report)"
        )
    label, thread = elsewhere[-1]
    names = {t.ident: t.name for t in threading.enumerate()}
    raise ProfilerBusyError(
        f"the workbench profile of {quoted(label)} is running in thread "
        f"{quoted(names.get(thread, thread))}, and on Python 3.12+ a process has one "
        "cProfile (sys.monitoring's profiler slot) for all its threads: let that "
        "profile finish first, then profile this code"
    )


def unregister(session: int) -> None:
    """Forget a session that stopped (or failed to start)."""
    with _lock:
        _running.pop(session, None)
        _overlapped.discard(session)


def overlapped(session: int) -> bool:
    """Whether another session ran at some moment while `session` has been running."""
    with _lock:
        return session in _overlapped
