"""Process-wide wrappers shared by every run that needs them, removed with the last run.

Two lenses wrap a method for the length of a run: the spawn watch `threading.Thread.start`
(to see which thread starts which), the tasks lens `asyncio.events.Handle._run` (to time
the profiled code's callbacks). Each run used to wrap whatever it found and unwrap only
if its own wrapper was still on top: two runs overlapping in two threads (3.11 lets each
thread run its own cProfile) left a wrapper behind, one layer more per overlap.

A `SharedPatch` installs one wrapper while any run uses it and dispatches to every run
that does (`users`, a tuple replaced whole, so the wrapper reads it without a lock). The
last run to leave puts the original back, unless other code wrapped over ours
meanwhile: then ours stays beneath, passing every call on, and `remove` says so. After a
fork, the child keeps only the runs of the thread that forked (the others' threads do
not exist there) and a fresh lock (another thread may have held it at the fork).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from typing import Any

__all__ = ["SharedPatch"]

_PATCHES: weakref.WeakSet[SharedPatch] = weakref.WeakSet()


class SharedPatch:
    """One wrapper on `owner.name` while any user needs it.

    Parameters:
        owner: the class (or module) whose attribute is wrapped.
        name: the attribute.
        make: builds the wrapper from the original and this patch; the wrapper reads
            `patch.users` (or `patch.by_key`) on every call.
        key: what `by_key` indexes the users by (None: no index).
    """

    def __init__(
        self,
        owner: Any,
        name: str,
        make: Callable[[Any, SharedPatch], Any],
        key: Callable[[Any], object] | None = None,
    ) -> None:
        self._owner, self._name, self._make, self._key = owner, name, make, key
        self._lock = threading.Lock()
        self._entries: tuple[tuple[Any, int], ...] = ()  # (user, thread that added it)
        self.users: tuple[Any, ...] = ()
        self.by_key: dict[object, Any] = {}
        self._original: Any = None
        self._wrapper: Any = None
        _PATCHES.add(self)

    @property
    def where(self) -> str:
        """The wrapped attribute's name, for messages."""
        owner = getattr(self._owner, "__qualname__", getattr(self._owner, "__name__", "?"))
        return f"{getattr(self._owner, '__module__', '')}.{owner}.{self._name}".lstrip(".")

    def add(self, user: Any, attach: Callable[[Any], None] | None = None) -> Any:
        """Dispatch to `user` from now on (installing the wrapper if none is).

        Parameters:
            user: what the wrapper dispatches to.
            attach: called with the original before the wrapper can reach `user` (a
                user that calls the original itself gets it here).

        Returns:
            The original the wrapper calls.
        """
        with self._lock:
            if self._wrapper is None:
                self._original = getattr(self._owner, self._name)
                self._wrapper = self._make(self._original, self)
                setattr(self._owner, self._name, self._wrapper)
            if attach is not None:
                attach(self._original)
            self._set((*self._entries, (user, threading.get_ident())))
            return self._original

    def remove(self, user: Any) -> str | None:
        """Stop dispatching to `user`; the last user puts the original back.

        Returns:
            None, or a sentence when other code replaced the wrapper during the run (it
            stays beneath theirs, passing every call on).
        """
        with self._lock:
            self._set(tuple(e for e in self._entries if e[0] is not user))
            return self._unwrap_if_unused()

    def _set(self, entries: tuple[tuple[Any, int], ...]) -> None:
        self._entries = entries
        self.users = tuple(user for user, _ in entries)
        key = self._key
        self.by_key = {key(user): user for user in self.users} if key is not None else {}

    def _unwrap_if_unused(self) -> str | None:
        if self.users or self._wrapper is None:
            return None
        if getattr(self._owner, self._name) is not self._wrapper:
            return (
                f"{self.where} was replaced during the run by other code: the workbench's "
                "wrapper stays beneath it and passes every call on"
            )
        setattr(self._owner, self._name, self._original)
        self._wrapper = self._original = None
        return None

    def _after_fork_in_child(self) -> None:
        """Keep the users of the thread that forked (the only one left) and a new lock."""
        self._lock = threading.Lock()
        here = threading.get_ident()
        self._set(tuple(e for e in self._entries if e[1] == here))
        self._unwrap_if_unused()


def _after_fork_in_child() -> None:
    for patch in list(_PATCHES):
        patch._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
