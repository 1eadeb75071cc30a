"""The tasks lens: which asyncio task ran when, and how long each one waited.

asyncio runs every piece of work as a callback (`asyncio.events.Handle._run`): a task's
first step, each resumption after an `await` that suspended, a timer, a transport reading
its socket. For the length of a run we replace `Handle._run` with a wrapper that times
the callbacks belonging to the profiled code, and wrap the event loop's selector to time
how long the loop sat idle waiting for I/O or timers.

Which callbacks belong to the profiled code: at the start we set a context variable in
the current context. asyncio copies the context into every task and callback created
from it, so exactly the work the profiled code started carries the mark; the kernel's own
callbacks and tasks started earlier do not.

When the profiled code is itself a coroutine on a running loop (`session.__aenter__`),
its steps alternate with the loop's idling and the kernel's callbacks. The lens then
runs the function profiler only during the profiled code's callbacks (`resume`/`pause`),
so time is charged to the coroutines, not to the loop that waits for them.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from asyncio import events
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

from workbench.collectors import task_records
from workbench.collectors.patches import SharedPatch
from workbench.collectors.task_records import TaskRecord

__all__ = ["HANDLE_RUN", "TaskCollector"]

# The method we wrap, captured at import so a wrapper left behind is detectable.
HANDLE_RUN: Callable[[events.Handle], None] = events.Handle._run
_MARK: contextvars.ContextVar[object] = contextvars.ContextVar("architect_workbench_run")


def _dispatching(original: Callable[[events.Handle], None], patch: SharedPatch) -> Any:
    """`Handle._run` for every run at once: a callback whose context carries a run's
    mark is that run's (`TaskCollector.step`); any other runs as before. Subscripts and
    `in`, not calls: in a synchronous run cProfile hears every call made here."""

    def _run(handle: events.Handle) -> None:
        context = handle._context  # type: ignore[attr-defined]
        if context is not None and _MARK in context:
            runs = patch.by_key
            mark = context[_MARK]
            if mark in runs:
                runs[mark].step(handle)
                return
        original(handle)

    return _run


HANDLES = SharedPatch(events.Handle, "_run", _dispatching, key=lambda run: run.marker)


class TaskCollector:
    """Times the asyncio callbacks and tasks of the profiled code, and the loop's idling.

    Parameters:
        pause: stops the function profiler (called when the profiled code suspends).
        resume: restarts it (called when one of the profiled code's callbacks starts).

    Attributes:
        tasks: one record per task that ran a step during the run.
        callbacks: how many other callbacks of the profiled code ran, and their seconds.
        waiting: seconds the event loop spent blocked in its selector; None if no
            asyncio event loop ran.
        transparent: code objects of the frames that were running when an async run
            started (the kernel, the caller): resumed with every step, they are not
            the profiled code's work.
        started, stopped: perf_counter times of the run's start and end.
    """

    def __init__(self, pause: Callable[[], None], resume: Callable[[], None]) -> None:
        self._pause = pause
        self._resume = resume
        self._token: contextvars.Token[object] | None = None
        self.marker = object()  # set in the run's context: its callbacks carry it
        self.step: Callable[[events.Handle], None] = HANDLE_RUN
        self.tampered: str | None = None  # the code replaced the wrapper meanwhile
        self._thread = 0
        self._records: dict[int, TaskRecord] = {}
        self._selectors: dict[int, Any] = {}
        # The step in progress: (task, wall, cpu, the step it interrupted), a chain
        # only when a callback runs a nested loop.
        self._step: Any = None
        self._steps: list[tuple[asyncio.Task[Any] | None, float, float, float]] = []
        self._loops: dict[asyncio.AbstractEventLoop, bool] = {}
        self._previous: Callable[[events.Handle], None] = HANDLE_RUN
        self._host: asyncio.Task[Any] | None = None
        self.host_label = "profiled code"
        self.tasks: list[TaskRecord] = []
        self.callbacks = (0, 0.0)
        self.waiting: float | None = None
        self.transparent: set[CodeType] = set()
        self.started = self.stopped = 0.0

    @property
    def lens(self) -> str:
        """Named in the summary only when asyncio work ran."""
        return "asyncio tasks" if self.waiting is not None or self.tasks else ""

    @property
    def host(self) -> asyncio.Task[Any] | None:
        """The task the profiled code runs in, when the run is a coroutine on a loop."""
        return self._host

    def running_profiled_code(self) -> bool:
        """False while an async run's code is suspended (then the loop or kernel runs)."""
        return self._host is None or self._step is not None

    def start(self) -> None:
        """Mark the current context and wrap `Handle._run` (and no selector yet)."""
        self._thread = threading.get_ident()
        self.started = time.perf_counter()
        self._token = _MARK.set(self.marker)
        # One wrapper serves every run at once (two threads' runs, each its own loop);
        # it calls what was there before (another tool may have wrapped it before us).
        HANDLES.add(self, attach=self._attach)

    def watch_host(self, host: asyncio.Task[Any], caller: FrameType | None) -> None:
        """Make this an async run: the profiled code is `host`'s coroutine.

        Parameters:
            host: the task running the profiled code.
            caller: the frame that entered the run; it and its callers are resumed
                with every step of `host` and are left out of the function table.
        """
        self._host = host
        record = self._record(host)
        record.host = True
        record.first_start = time.perf_counter()
        self._loops[host.get_loop()] = self._adopt(host.get_loop())
        while caller is not None:
            self.transparent.add(caller.f_code)
            caller = caller.f_back

    def stop(self) -> None:
        """Restore `Handle._run` and the selectors, then settle each task's state."""
        now = self.stopped = time.perf_counter()
        while self._step is not None:
            # The run ends inside a callback (the profiled code's last step): count the
            # step so far, as its end will not be seen.
            task, wall0, cpu0, self._step = self._step
            self._steps.append((task, wall0, now, time.thread_time() - cpu0))
        self._tally()
        self._loops.clear()
        self.tampered = HANDLES.remove(self)
        for selector in self._selectors.values():
            selector.__dict__.pop("select", None)
        self._selectors.clear()
        if self._token is not None:
            try:
                _MARK.reset(self._token)
            except ValueError:  # stopped from another context: unmark this one instead
                _MARK.set(None)
            self._token = None
        for record in self._records.values():
            if record.task is not None:
                record.state = "running" if record.host else task_records.final_state(record.task)
                if record.state == "pending" or record.host:
                    record.end = None  # still going: its wall time runs to the end
                record.task = None  # keep no task alive after the run
        self.tasks = [r for r in self._records.values() if r.steps or r.host]
        self._records.clear()

    def _record(self, task: asyncio.Task[Any]) -> TaskRecord:
        record = self._records.get(id(task))
        if record is None or record.task is not task:
            coroutine, code = task_records.describe(task)
            if task is self._host:
                coroutine, code = self.host_label, None
            record = TaskRecord(name=task.get_name(), coroutine=coroutine, code=code, task=task)
            self._records[id(task)] = record
        return record

    def _watch_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Time `loop`'s selector (selector loops only: uvloop and proactor have none)."""
        if id(loop) in self._selectors:
            return
        selector = getattr(loop, "_selector", None)
        if selector is None or "select" in getattr(selector, "__dict__", {"select": 0}):
            return
        self.waiting = self.waiting or 0.0
        select = selector.select
        collector = self

        def timed_select(timeout: float | None = None) -> Any:
            if threading.get_ident() != collector._thread:
                return select(timeout)
            start = time.perf_counter()
            try:
                return select(timeout)
            finally:
                collector.waiting = (collector.waiting or 0.0) + time.perf_counter() - start

        selector.select = timed_select  # an instance attribute: this loop only
        self._selectors[id(loop)] = selector

    def _attach(self, previous: Callable[[events.Handle], None]) -> None:
        """Build this run's `step`, which calls `previous` (what `Handle._run` was)."""
        self._previous = previous
        self.step = self._make_step()

    def _make_step(self) -> Callable[[events.Handle], None]:
        """Runs one callback of the profiled code (`HANDLES` dispatches it here), timed.

        In a synchronous run cProfile records every call this makes, for each of the
        profiled code's callbacks; so it is one function that calls little: operators
        and attributes instead of `dict.get`/`isinstance`/`len` where it can, and raw
        step times appended to a list, added up once at `stop`.
        """
        previous, steps = self._previous, self._steps
        clock, cpu_clock, Task = time.perf_counter, time.thread_time, asyncio.Task
        task_types = {asyncio.Task, getattr(asyncio.tasks, "_PyTask", asyncio.Task)}
        loops = self._loops
        collector = self

        def _run(handle: events.Handle) -> None:
            loop = handle._loop  # type: ignore[attr-defined]
            if loop not in loops:
                loops[loop] = collector._adopt(loop)
            if not loops[loop]:
                previous(handle)  # a loop of another thread that inherited the context
                return
            owner = getattr(handle._callback, "__self__", None)  # type: ignore[attr-defined]
            task = (
                owner
                if owner.__class__ in task_types or (owner is not None and isinstance(owner, Task))
                else None
            )
            toggles = collector._host is not None and collector._step is None
            wall0, cpu0 = clock(), cpu_clock()
            step = (task, wall0, cpu0, collector._step)
            collector._step = step
            if toggles:
                collector._resume()
            try:
                previous(handle)
            finally:
                if toggles:
                    collector._pause()
                if collector._step is step:  # else the run stopped inside it and counted it
                    collector._step = step[3]
                    steps.append((task, wall0, clock(), cpu_clock() - cpu0))

        return _run

    def _adopt(self, loop: asyncio.AbstractEventLoop) -> bool:
        """Whether callbacks of `loop` are timed (it runs in our thread); time its idling."""
        if threading.get_ident() != self._thread:
            return False
        self._watch_loop(loop)
        return True

    def _tally(self) -> None:
        """Add the raw step times up per task."""
        count, seconds = self.callbacks
        for task, wall0, wall1, cpu in self._steps:
            if task is None:
                count, seconds = count + 1, seconds + wall1 - wall0
                continue
            record = self._record(task)
            if not record.steps and not record.host:
                record.first_start = wall0
            record.steps += 1
            record.cpu += cpu
            record.running += wall1 - wall0
            record.end = wall1  # the end of its last step, if it is done by now
        self.callbacks = (count, seconds)
        self._steps.clear()
