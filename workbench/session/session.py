"""One profiled execution: start every lens, run the code once, stop them all, build a Report.

The session starts the lenses that `workbench.session.wiring` chose, in their order, and
stops every one, newest first, whatever the profiled code or another lens raised; the
hooks are then compared with a snapshot taken before the first lens started. What the
lenses measured becomes a Report (`workbench.session.finishing`). Ctrl-C waits while the
lenses start and while they stop and the report is built (`interrupts`): it never leaves
a hook half-installed, and once the profiled code has started there is always a report.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from types import FrameType, TracebackType
from typing import Any, TypeVar

from workbench.collectors import Collector
from workbench.errors import OptionError, WorkbenchError
from workbench.options import ProfileOptions
from workbench.report.assemble import Clocks
from workbench.report.fallback import with_caveats
from workbench.report.report import Report
from workbench.session import running
from workbench.session.finishing import finish_report, run_clocks, stop_lenses
from workbench.session.hooks import HookState
from workbench.session.interrupts import InterruptGate
from workbench.session.unfinished import is_lazy, lazy_kind, refuse_uncallable, unfinished_work
from workbench.session.wiring import wire

__all__ = ["ProfileSession"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class ProfileSession:
    """Profiles exactly one execution; use as a context manager or through `run`.

    `with session:` profiles a block, `async with session:` a block of a coroutine (its
    time is split into running and waiting, per task), `run` and `run_async` a call.

    Parameters:
        options: what to collect.
        label: what is being profiled, for the report's title.
        drain: `run`/`run_async` consume a returned iterator or generator (and async
            iterator) inside the run, so the work it stands for is profiled.

    Raises:
        OptionError: from the constructor, when a named function cannot be traced.
    """

    def __init__(
        self, options: ProfileOptions, label: str = "profiled block", *, drain: bool = False
    ) -> None:
        self.options = options
        self.label = label
        self.drain = drain
        self._lenses = wire(options, label)
        self._order: list[Collector] = self._lenses.order()
        self._n_started = 0
        self._hooks: HookState | None = None
        self._clock_start = (0.0, 0.0, 0.0)
        self._started_at = ""
        self._report: Report | None = None
        self._gate = InterruptGate(_HOLD_IN)
        self._pid = os.getpid()

    @property
    def report(self) -> Report:
        """The Report, once the block has finished (also after it raised)."""
        if self._report is None:
            raise WorkbenchError("the report exists once the profiled block has finished")
        return self._report

    @property
    def finished(self) -> bool:
        """Whether the profiled block has run (to its end or to an exception)."""
        return self._report is not None

    def __enter__(self) -> ProfileSession:
        self._start(sys._getframe(1))  # a `with` block's own frame
        gate = self._gate
        # Two plain stores and a test, inline: Python runs no signal handler between
        # them, so an interrupt from here on reaches the `with` block (and __exit__).
        gate.holding = False
        if gate.came:  # Ctrl-C during the start: none of the user's code ran
            gate.holding = True
            self._abandon(deliver=True)
        return self

    def _start(self, base: FrameType) -> None:
        """Start every lens, with Ctrl-C held (the gate stays holding: the caller lets
        it through as its last step).

        Parameters:
            base: the frame of the profiled block; sampled stacks stop there.
        """
        if self._hooks is not None:
            raise WorkbenchError("a profiling session runs once; start a new one")
        gate = self._gate
        # 3.12+: cProfile's slot is the process's; a second run in another thread is
        # refused by name before anything, the SIGINT gate included, is installed.
        wide = self._lenses.plan.functions == "exact" and hasattr(sys, "monitoring")
        try:
            running.register(id(self), self.label, process_wide=wide)
            gate.start()  # Ctrl-C waits until every lens has started (see interrupts.py)
        except BaseException:  # refused, or a Ctrl-C before the gate held it
            running.unregister(id(self))
            raise
        self._pid = os.getpid()
        self._hooks = HookState.capture()
        self._started_at = datetime.now().astimezone().isoformat(timespec="seconds")
        if self._lenses.sampler is not None:
            self._lenses.sampler.base = base
        try:
            for collector in self._order:
                self._n_started += 1  # counted before start: a failed start still stops
                collector.start()
        except BaseException:
            self._abandon(deliver=False)
            raise
        # The clocks bracket the profiled code alone: the lenses' start-up (a child
        # process, a calibration) and shutdown are not the code's time.
        self._clock_start = run_clocks()

    def _abandon(self, *, deliver: bool) -> None:
        """Undo a start that did not reach the user's code: stop what started, then let
        a held Ctrl-C through if `deliver`."""
        try:
            for lens, error in self._stop_all():
                log.warning("stopping the %s lens after a failed start: %s", lens, error)
        finally:
            running.unregister(id(self))
            self._gate.close(deliver=deliver)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # First: from here a Ctrl-C waits until the report exists. (One handled at this
        # method's entry, before this line, is held for its code's sake: interrupts.py.)
        self._gate.holding = True
        wall0, cpu0, epoch = self._clock_start
        wall1, cpu1, _ = run_clocks()
        try:
            # Nothing but our collectors is called until they stop: cProfile still runs,
            # and what this module calls is charged to the user (a dataclass's __init__).
            self._lenses.run_over()
            failures = self._stop_all()
            if self._lenses.functions.dropped_calls and self._gate.delivered:
                self._gate.hold_one()  # the interrupt cProfile cleared (hook_watch.release)
            clocks = Clocks(wall1 - wall0, cpu1 - cpu0, self._started_at, epoch)
            self._report = finish_report(
                self._lenses,
                self.options,
                self.label,
                clocks,
                exc,
                failures=failures,
                pid=self._pid,
            )
        finally:
            running.unregister(id(self))
            # A run that ends in a KeyboardInterrupt already carries the user's Ctrl-C.
            self._gate.close(deliver=not isinstance(exc, KeyboardInterrupt))

    async def __aenter__(self) -> ProfileSession:
        self._start(sys._getframe(1))
        try:
            host = asyncio.current_task()
        except RuntimeError:  # no asyncio loop runs this coroutine (trio, say)
            host = None
        if host is not None:
            self._lenses.follow_task(host, sys._getframe(1))
        gate = self._gate
        gate.holding = False  # as in __enter__: inline, the last steps before the code
        if gate.came:
            gate.holding = True
            self._abandon(deliver=True)
        if host is not None:
            try:
                # Suspend once, so that every step of the block, the first included,
                # starts inside the tasks lens, which profiles exactly those steps.
                await asyncio.sleep(0)
            except BaseException as error:
                self.__exit__(type(error), error, error.__traceback__)
                raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    async def run_async(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Report:
        """Await `fn(*args, **kwargs)` once under the session (see `run`).

        Raises:
            OptionError: `fn` returned something that cannot be awaited.
        """
        __tracebackhide__ = True  # tracebacks show the user's frames, not ours
        refuse_uncallable(fn)
        async with self:
            # No library call here before the await: this frame is left out of the
            # function table, and a call from it would be charged to the user.
            awaitable = fn(*args, **kwargs)
            try:
                result = await awaitable
            except TypeError:
                if inspect.isawaitable(awaitable):
                    raise  # raised inside the awaited code: the user's error
                raise OptionError(
                    f"{getattr(fn, '__qualname__', fn)!s} returned "
                    f"{type(awaitable).__name__}, not an awaitable: use workbench.profile "
                    "for plain functions"
                ) from None
            # Drained here, not in a helper, for the same reason: the items' frames
            # are then the user's in the function table.
            kind = lazy_kind(result) if self.drain else ""
            if kind == "async":
                async for _ in result:
                    pass
            elif kind == "sync":
                for _ in result:
                    pass
        return self.keep_result(result)

    def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Report:
        """Call `fn(*args, **kwargs)` once under the session; the value is `report.result`.

        Exceptions from `fn` propagate unchanged; `self.report` then holds the partial
        report.
        """
        __tracebackhide__ = True  # tracebacks show the user's frames, not ours
        refuse_uncallable(fn)
        with self:
            result = fn(*args, **kwargs)
            if self.drain and is_lazy(result):
                # Looped here: cProfile does not see this frame, so the items'
                # frames are charged to the user's generator, not to a helper of ours.
                for _ in result:  # type: ignore[attr-defined]
                    pass
        return self.keep_result(result)

    def keep_result(self, result: object) -> Report:
        """Record the profiled code's value as `report.result`; returns the new Report.

        A value that is work not done yet (an un-awaited coroutine, a fresh generator)
        adds a warning to the summary.
        """
        warning = None if self.drain else unfinished_work(result)
        report = with_caveats(self.report, warnings=[warning or ""], notes=())
        self._report = replace(report, result=result)
        return self._report

    def _stop_all(self) -> list[tuple[str, Exception]]:
        """Stop every started lens, newest first (Ctrl-C is held meanwhile: the gate);
        returns the lenses that failed to stop, with their errors, and checks the hooks."""
        started, self._n_started = self._n_started, 0
        failures = stop_lenses(self._order, started)
        self._check_hooks()
        return failures

    def _check_hooks(self) -> None:
        """Log every hook left other than the session found it (tests fail on it too).

        Not when another session ran beside this one (in another thread): the hooks
        found at the start or left at the end may be the other's (its SIGINT gate, the
        wrappers they share). Not in a forked child either.
        """
        assert self._hooks is not None
        if running.overlapped(id(self)) or os.getpid() != self._pid:
            return
        changed = self._hooks.differences(HookState.capture())
        if changed and not self._lenses.warnings():  # else the code changed them itself
            log.error("profiler hooks were not restored: %s", "; ".join(changed))


# The session's own frames whose entry an interrupt must not break into: __exit__ sets
# the gate's flag at its first statement, and one handled before that is held here.
_HOLD_IN = frozenset(
    {
        ProfileSession.__exit__.__code__,
        ProfileSession.__aexit__.__code__,
    }
)
