"""Which workbench sessions run now, so that a nested one is refused by name.

A session started inside another in the same thread (a `workbench.profile` inside a
profiled block, the magic inside a profiled cell, two async profiles in one event loop)
would be refused by cProfile's hook, with a message naming a `cProfile.Profile` object;
this registry lets the session say which workbench profile is running instead.
"""

from __future__ import annotations

import threading

from workbench.errors import ProfilerBusyError, quoted

__all__ = ["register", "unregister"]

# The sessions running now (entered, not yet exited): {session id: (label, thread id)}.
_running: dict[int, tuple[str, int]] = {}
_lock = threading.Lock()


def register(session: int, label: str) -> None:
    """Note a session as running in this thread, unless one already runs here.

    Call it before any lens starts: once cProfile runs, what the session's own frame
    calls would stay in the function table.

    Parameters:
        session: the session's id.
        label: what it profiles, for the message.

    Raises:
        ProfilerBusyError: naming the running session's label.
    """
    here = threading.get_ident()
    with _lock:
        running = [other for other, thread in _running.values() if thread == here]
        if not running:
            _running[session] = (label, here)
            return
    raise ProfilerBusyError(
        f"another profiler is running in this thread: the workbench profile of "
        f"{quoted(running[-1])}, and one profile cannot run inside another; let it "
        "finish, or profile the inner code on its own (its time is in the running "
        "profile's report)"
    )


def unregister(session: int) -> None:
    """Forget a session that stopped (or failed to start)."""
    with _lock:
        _running.pop(session, None)
