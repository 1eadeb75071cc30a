"""One profiled execution: start every lens, run the code once, stop them all, build a Report.

The session starts the lenses that `workbench.session.wiring` chose, in their order, and
stops every one, newest first, whatever the profiled code or another lens raised; the
hooks are then compared with a snapshot taken before the first lens started. What the
lenses measured becomes a Report in `workbench.report.assemble`.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

from workbench.collectors import Collector
from workbench.errors import OptionError, WorkbenchError
from workbench.options import ProfileOptions
from workbench.report.assemble import Clocks, build_report
from workbench.report.report import Report
from workbench.session import running
from workbench.session.hooks import HookState, hold_sigint, release_sigint
from workbench.session.unfinished import is_lazy, lazy_kind, unfinished_work
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
        if self._hooks is not None:
            raise WorkbenchError("a profiling session runs once; start a new one")
        running.register(id(self), self.label)
        self._hooks = HookState.capture()
        self._started_at = datetime.now().astimezone().isoformat(timespec="seconds")
        if self._lenses.sampler is not None:
            self._lenses.sampler.base = sys._getframe(1)  # a `with` block's own frame
        try:
            for collector in self._order:
                self._n_started += 1  # counted before start: a failed start still stops
                collector.start()
        except BaseException:
            try:
                self._stop_all()
            finally:
                running.unregister(id(self))
            raise
        # The clocks bracket the profiled code alone: the lenses' start-up (a child
        # process, a calibration) and shutdown are not the code's time.
        self._clock_start = _clocks()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        wall0, cpu0, epoch = self._clock_start
        wall1, cpu1, _ = _clocks()
        wall, cpu = wall1 - wall0, cpu1 - cpu0
        if self._lenses.sampler is not None:
            self._lenses.sampler.run_over()
        # Nothing but our collectors is called until they stop: cProfile still runs, and
        # what this module calls is charged to the user (a dataclass's __init__, say).
        self._lenses.drop_carriers()
        try:
            self._stop_all()
        finally:
            running.unregister(id(self))
        self._report = build_report(
            self._lenses,
            label=self.label,
            clocks=Clocks(wall=wall, cpu=cpu, started_at=self._started_at, epoch=epoch),
            exc=exc,
            display=self.options.display,
        )

    async def __aenter__(self) -> ProfileSession:
        self.__enter__()
        try:
            host = asyncio.current_task()
        except RuntimeError:  # no asyncio loop runs this coroutine (trio, say)
            host = None
        if host is not None:
            self._lenses.follow_task(host, sys._getframe(1))
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
        _callable(fn)
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
        _callable(fn)
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
        report = self.report
        warning = None if self.drain else unfinished_work(result)
        if warning is not None:
            summary = replace(report.summary, warnings=(*report.summary.warnings, warning))
            report = replace(report, summary=summary)
        self._report = replace(report, result=result)
        return self._report

    def _stop_all(self) -> None:
        """Stop every started lens, newest first; the first error is raised at the end.

        A Ctrl-C (SIGINT) that arrives meanwhile is held until every lens has stopped, so
        that an interrupt never leaves a hook or a signal handler of ours behind.
        """
        # Not a `with` block: while cProfile runs, the library code this runner module
        # calls stays in the table (only what the runner's callees call is ours).
        held = hold_sigint()
        try:
            first_error = self._stop_each()
        finally:
            try:
                release_sigint(held)  # a Ctrl-C that came is raised here
            finally:
                self._check_hooks()
        if first_error is not None:
            raise first_error

    def _check_hooks(self) -> None:
        """Log every hook left other than the session found it (tests fail on it too)."""
        assert self._hooks is not None
        changed = self._hooks.differences(HookState.capture())
        if changed:
            log.error("profiler hooks were not restored: %s", "; ".join(changed))

    def _stop_each(self) -> BaseException | None:
        """Stop the started lenses, newest first; returns the first error raised."""
        first_error: BaseException | None = None
        while self._n_started:
            self._n_started -= 1
            collector = self._order[self._n_started]
            try:
                collector.stop()
            except BaseException as error:  # keep stopping the others: hooks come first
                log.exception("stopping the %s lens failed", collector.lens)
                first_error = first_error or error
        return first_error


def _clocks() -> tuple[float, float, float]:
    """(wall, process CPU, epoch seconds for other processes' clocks) now.

    Read in a function of ours, not inline: cProfile runs by
    then, and the clock builtins it sees called from our frames leave the function table
    with them (called from a frame cProfile never saw start, they would stay as roots)."""
    return time.perf_counter(), time.process_time(), time.time()


def _callable(fn: object) -> None:
    """Refuse a value that cannot be called, before anything runs.

    Raises:
        OptionError: naming the value.
    """
    if not callable(fn):
        raise OptionError(
            f"expected a function to call, got {type(fn).__name__} {fn!r:.60}: pass the "
            "function and its arguments separately, e.g. workbench.profile(run, records)"
        )
