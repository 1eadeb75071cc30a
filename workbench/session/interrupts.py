"""Ctrl-C held back while the workbench's own code runs, and let through while the user's does.

An interrupt (SIGINT: Ctrl-C, a kernel's "interrupt", `_thread.interrupt_main()`) raises
KeyboardInterrupt at whatever instruction the main thread is on. Landing inside a lens's
start or stop, it left hooks half-installed: on 3.13 cProfile kept `sys.monitoring`'s
profiler slot until the kernel restarted (40 random interrupts at 0-6 ms into a profile,
2 runs of 3), and an RSS sampler's busy flag stayed set, so every later profile started
a child process of its own (14 children after 40 interrupts). Arriving as the lenses
stopped, it was raised before the report was built, so there was no partial report.

`InterruptGate` swaps the Python-level SIGINT handler for its own for the length of one
session. While `holding` is set, an interrupt is only noted; `close` puts the handler
back and delivers what was noted. While it is clear, an interrupt goes to the handler
that was there before, at once: the user's code stays interruptible. The flag is a
plain attribute store, which Python cannot interrupt (signal handlers run only where the
interpreter checks for them: a function's entry, a backward jump, after a call). The one
place a flag cannot cover is the entry of the session's `__exit__`, before its first
statement runs: an interrupt handled there, in a frame whose code `hold_in` names, is
held too.

Handlers are set only in the main thread, where Python runs every signal handler: a
gate opened elsewhere does nothing, and nothing interrupts that thread.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import CodeType, FrameType
from typing import Any

__all__ = ["InterruptGate", "holding_interrupts"]


class InterruptGate:
    """Holds SIGINT while `holding` is set; delivers what came when it closes.

    Parameters:
        hold_in: code objects whose frames always hold an interrupt (the entry points
            that must run to their first statement, where `holding` is set).

    Attributes:
        holding: note interrupts instead of delivering them.
        came: how many interrupts were held.
    """

    def __init__(self, hold_in: frozenset[CodeType] = frozenset()) -> None:
        self.holding = True
        self.came = 0
        self._hold_in = hold_in
        self._previous: Any = None
        self._open = False
        self.delivered = 0  # interrupts let through to the code while open

    @property
    def open(self) -> bool:
        """Whether the gate's handler is installed."""
        return self._open

    def start(self) -> None:
        """Install the gate's handler (main thread only), holding from now on."""
        if threading.current_thread() is not threading.main_thread():
            return
        previous = signal.getsignal(signal.SIGINT)
        if previous in (signal.SIG_IGN, None):
            return  # interrupts are ignored (or not Python's to handle): nothing to hold
        self._previous = previous
        self.holding = True
        # Open before the handler is in: an interrupt handled as signal.signal returns
        # finds it holding, not passing on (its own check before the swap may raise,
        # with nothing swapped).
        self._open = True
        try:
            signal.signal(signal.SIGINT, self._on_interrupt)
        except BaseException:
            self._open = False
            raise

    def _on_interrupt(self, signum: int, frame: FrameType | None) -> None:
        if self._open and (self.holding or (frame is not None and frame.f_code in self._hold_in)):
            self.came += 1
            return
        if self._open:
            self.delivered += 1
        self._deliver(signum, frame)

    def _deliver(self, signum: int, frame: FrameType | None) -> None:
        """What the interrupt would have done without the gate."""
        previous = self._previous
        if callable(previous):
            previous(signum, frame)  # Python's default handler raises KeyboardInterrupt
        elif previous == signal.SIG_DFL:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.raise_signal(signal.SIGINT)  # the default action: the process ends

    def hold_one(self) -> None:
        """Deliver one interrupt when the gate closes: one that reached the code and was
        lost there (cleared by the interpreter, see hook_watch.release)."""
        self.came += 1

    def close(self, *, deliver: bool = True) -> None:
        """Put the previous handler back; then deliver one held interrupt, if any came
        and `deliver` (the run already ends in a KeyboardInterrupt: `deliver=False`).

        If the profiled code installed a SIGINT handler of its own meanwhile, that one
        stays: it is the code's. A handler the code kept of ours passes every interrupt on.
        """
        if not self._open:
            return
        self.holding = True  # until the previous handler is back, nothing is raised
        if signal.getsignal(signal.SIGINT) == self._on_interrupt:
            signal.signal(signal.SIGINT, self._previous)
        self._open = False
        came, self.came = self.came, 0
        if came and deliver:
            self._deliver(signal.SIGINT, None)


@contextmanager
def holding_interrupts() -> Iterator[InterruptGate]:
    """Hold Ctrl-C for the length of a block (the magics' showing of a report); an
    interrupt that came is raised when the block ends."""
    gate = InterruptGate()
    gate.start()
    try:
        yield gate
    finally:
        gate.close()
