"""Keep cProfile to the profiled thread on Python 3.12+, as it is on 3.11.

On 3.12+ cProfile hears calls through `sys.monitoring`, whose callbacks fire in every
thread, and it keeps one stack of calls for the whole process: another thread's calls are
pushed on top of the profiled code's and its returns pop them. A kernel's own threads
(the parent poller wakes from `time.sleep(1)` every second) and a server thread in the
same process then corrupt the profiled code's stack and times: in notebook 04 on 3.13,
`fetch` (called once) was counted twice, and a handler thread's `time.sleep` was timed as
a callee of the `recv` that waited for it, which then looked as if it never waited.

`OneThread` puts a check of the thread in front of each of cProfile's callbacks. The
check is a Python call per event, which costs about twice what cProfile's own callback
does (3.13, 1.5 million events: 0.10 s of CPU over the unprofiled loop with cProfile
alone, 0.32 s with the check), so the function lens installs it only once another thread
exists, and the calibration measures cProfile's cost with it then.
"""

from __future__ import annotations

import _lsprof
import logging
import sys
from _thread import get_ident
from collections.abc import Callable
from typing import Any

__all__ = ["OneThread", "callback_names", "keep_one_thread"]

log = logging.getLogger(__name__)

# Arguments each event's callback receives (sys.monitoring's documentation); an event
# not listed here gets a check that passes any arguments on.
_ARITY = {
    "PY_START": 2,
    "PY_RESUME": 2,
    "PY_THROW": 3,
    "PY_RETURN": 3,
    "PY_YIELD": 3,
    "PY_UNWIND": 3,
    "CALL": 4,
    "C_RETURN": 4,
    "C_RAISE": 4,
}

_NAMES: dict[int, str] = {}  # event -> name of the profiler's method it calls


def _monitoring() -> Any:
    return getattr(sys, "monitoring", None)


def callback_names() -> dict[int, str]:
    """Per monitoring event, the name of the `_lsprof.Profiler` method cProfile calls.

    Read once per process from a profiler of our own (enabled, asked, disabled), so
    whatever methods this Python's cProfile uses are found. Call it while no profiler is
    active; empty before 3.12.
    """
    monitoring = _monitoring()
    if monitoring is None or _NAMES:
        return _NAMES
    probe = _lsprof.Profiler()
    try:
        probe.enable()  # inside: a failure after it still disables
        for name in dir(monitoring.events):
            event = getattr(monitoring.events, name)
            if (
                not name.isupper()
                or not isinstance(event, int)
                or event <= 0
                or event & (event - 1)
            ):
                continue  # NO_EVENTS, or a combination of events
            callback = monitoring.register_callback(monitoring.PROFILER_ID, event, None)
            if callback is None:
                continue
            monitoring.register_callback(monitoring.PROFILER_ID, event, callback)
            if getattr(callback, "__self__", None) is probe:
                _NAMES[event] = callback.__name__
    finally:
        probe.disable()
    return _NAMES


def _checked(callback: Callable[..., Any], arity: int, ident: int) -> Callable[..., Any]:
    """`callback`, called only for events in the thread `ident`.

    This runs on every event of every thread: fixed arities, and the names it reads bound
    as default arguments (local reads). It returns None whatever the thread
    (sys.monitoring.DISABLE would turn the event off in every thread).
    """
    me, now, cb = ident, get_ident, callback
    if arity == 2:

        def check2(a: Any, b: Any, me: int = me, now: Any = now, cb: Any = cb) -> None:
            if now() == me:
                cb(a, b)

        return check2
    if arity == 3:

        def check3(a: Any, b: Any, c: Any, me: int = me, now: Any = now, cb: Any = cb) -> None:
            if now() == me:
                cb(a, b, c)

        return check3
    if arity == 4:

        def check4(
            a: Any, b: Any, c: Any, d: Any, me: int = me, now: Any = now, cb: Any = cb
        ) -> None:
            if now() == me:
                cb(a, b, c, d)

        return check4

    def check(*args: Any) -> None:
        if get_ident() == ident:
            callback(*args)

    return check


class OneThread:
    """cProfile's callbacks for one profiler, each behind a check of the thread.

    Built once per profiler and applied after every `enable()` (an async run enables
    it again at each step of its code; `disable()` clears the callbacks).

    Parameters:
        profiler: a cProfile profiler.
        ident: `threading.get_ident()` of the thread whose events are kept.
    """

    def __init__(self, profiler: _lsprof.Profiler, ident: int) -> None:
        monitoring = _monitoring()
        self._checks: list[tuple[int, Any, Callable[..., Any]]] = []
        if monitoring is None:
            return
        arities = {getattr(monitoring.events, name): n for name, n in _ARITY.items()}
        for event, name in callback_names().items():
            own = getattr(profiler, name)
            self._checks.append((event, own, _checked(own, arities.get(event, 0), ident)))

    def apply(self) -> bool:
        """Make the enabled profiler record only the events of the thread.

        Each callback is replaced in one `register_callback` call whose new callback
        already calls the profiler's own method, so no event of the swap itself is lost
        (a lost return would leave a frame on cProfile's stack).

        Returns:
            Whether every callback now checks the thread (False before 3.12, or if the
            callbacks found are not the profiler's: then they are put back).
        """
        monitoring = _monitoring()
        if monitoring is None or not self._checks:
            return False
        tool = monitoring.PROFILER_ID
        replaced: list[tuple[int, Any]] = []
        for event, own, checked in self._checks:
            previous = monitoring.register_callback(tool, event, checked)
            replaced.append((event, previous))
            if previous != own and previous != checked:  # not the profiler's: put back
                for put_back, callback in replaced:
                    monitoring.register_callback(tool, put_back, callback)
                log.warning("cProfile's callbacks are not the profiler's: threads stay mixed")
                return False
        return True


def keep_one_thread(profiler: _lsprof.Profiler, ident: int) -> bool:
    """Make the enabled `profiler` record only the events of the thread `ident` (once;
    see `OneThread.apply`)."""
    return OneThread(profiler, ident).apply()
