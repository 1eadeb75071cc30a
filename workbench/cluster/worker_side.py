"""What runs inside each Dask worker while a profiled run follows its tasks there.

`install` (sent by `Client.run`, run on the worker's event loop) wraps the worker's
thread-pool executors, so that every task they start is profiled in the thread that runs
it, by the functions lens's own collector (same cleaning, same calibration of cProfile's
cost), and a thread samples those threads' stacks for line detail. `collect` puts the
executors back, stops the thread and returns what was seen. Nothing here imports
distributed: the worker is handed in by `Client.run`.

Why per task and not one profiler per worker: on 3.11 cProfile's hook is per thread, and
one started on the event loop (a WorkerPlugin's setup) hears no task; on 3.12+ there is
one profiler slot per process, so tasks are profiled one at a time per process (the
gate), each profile kept to the task's thread.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from types import FrameType
from typing import Any, TypeVar

import psutil

from workbench.cluster.payload import Frame, WorkerPayload, add_stats
from workbench.collectors.calibration import hook_cost
from workbench.collectors.dynamic_code import code_file
from workbench.collectors.functions import FunctionCollector, StatsDict, StatsKey
from workbench.collectors.thread_filter import callback_names
from workbench.collectors.unnumbered import at_resume, line_at

__all__ = ["collect", "install"]

log = logging.getLogger(__name__)
T = TypeVar("T")
_ATTRIBUTE = "_workbench_follow"  # on the Worker object, while a run follows it
_STACK_DEPTH = 64  # frames kept per stack sample, innermost first
_RSS_INTERVAL = 0.01  # seconds between two RSS samples, as the client's RSS lens


class WorkerRun:
    """One followed run's state in one worker process.

    Parameters:
        token: the run's identity (a second run cannot take over a followed worker).
        interval: seconds between two stack samples of the tasks' threads.
    """

    def __init__(self, token: str, interval: float) -> None:
        self.token = token
        # 3.12+: one cProfile per process (sys.monitoring's profiler slot).
        self.gate = threading.Lock() if sys.version_info >= (3, 12) else None
        self.lock = threading.Lock()  # guards the totals
        self.stats: StatsDict = {}
        self.hidden: dict[StatsKey, float] = {}
        self.resumable: set[StatsKey] = set()
        self.profiled = 0
        self.unprofiled: list[str] = []
        self.active: dict[int, FrameType] = {}  # task thread -> the frame tasks run under
        self.stacks: dict[tuple[Frame, ...], tuple[int, float]] = {}
        self.closed = False
        self.executors: dict[str, Executor] = {}
        self.memory: list[tuple[float, int]] = []  # (epoch seconds, RSS bytes)
        self._stop = threading.Event()
        self._interval = interval
        self._sampler = threading.Thread(
            target=self._sample, name="workbench-stack-sampler", daemon=True
        )

    def run_task(self, fn: Callable[[], T]) -> T:
        """Run one task (`fn`) under cProfile in this thread; its statistics join the
        totals. A profiler that cannot start leaves the task to run unprofiled: the
        user's task never fails for us."""
        if self.closed:
            return fn()
        gate = self.gate
        if gate is not None:
            gate.acquire()
        try:
            collector = FunctionCollector(_never, _never)
            try:
                collector.start()
            except Exception as error:  # another profiler holds the hook in this process
                with self.lock:
                    self.unprofiled.append(f"{type(error).__name__}: {error}")
                return fn()
            ident = threading.get_ident()
            self.active[ident] = sys._getframe()
            try:
                return fn()
            finally:
                self.active.pop(ident, None)
                self._stop_collector(collector)
        finally:
            if gate is not None:
                gate.release()

    def _stop_collector(self, collector: FunctionCollector) -> None:
        """Stop a task's profiler and keep its statistics; a failure costs this task's
        profile (noted), never the task's own result or exception."""
        try:
            collector.stop()
        except Exception as error:
            log.exception("stopping a task's profiler failed")
            with self.lock:
                self.unprofiled.append(f"{type(error).__name__}: {error}")
            return
        self._add(collector)

    def _add(self, collector: FunctionCollector) -> None:
        with self.lock:
            if self.closed:
                return  # collected already: this task's profile comes too late
            add_stats(self.stats, collector.stats)
            for key, seconds in collector.hidden.items():
                self.hidden[key] = self.hidden.get(key, 0.0) + seconds
            self.resumable |= collector.resumable
            self.profiled += 1

    def start_sampling(self) -> None:
        self._sampler.start()

    def stop_sampling(self) -> None:
        self._stop.set()
        self._sampler.join()

    def _sample(self) -> None:
        """Every `interval`, the stack of each thread running a profiled task, up to the
        task's frame; each sample weighs the wall time since the previous one. Every
        `_RSS_INTERVAL`, the process's RSS (the worker's own monitor samples every 0.5
        s: a short run would have no memory figure)."""
        process = psutil.Process()
        last = next_rss = time.perf_counter()
        while not self._stop.wait(self._interval):
            now = time.perf_counter()
            elapsed, last = now - last, now
            if now >= next_rss:
                next_rss = now + _RSS_INTERVAL
                self.memory.append((time.time(), process.memory_info().rss))
            if not self.active:
                continue
            frames = sys._current_frames()
            for ident, base in list(self.active.items()):
                stack = _stack(frames.get(ident), base)
                if stack:
                    samples, seconds = self.stacks.get(stack, (0, 0.0))
                    self.stacks[stack] = (samples + 1, seconds + elapsed)


def _stack(frame: FrameType | None, base: FrameType) -> tuple[Frame, ...]:
    """(file, line, first line, name) of each frame from `frame` out to `base`.

    The innermost frame's line is 0 (none) when it stands at a RESUME: a thread hands
    the GIL on there, so a wall-clock sampler finds a called function at its start
    often, and the `def` line was a task's hottest line (`def widen(i):` in a CI run).
    The sample is its caller's line's, as the client's sampler charges it.
    """
    stack: list[Frame] = []
    innermost = True
    while frame is not None and frame is not base and len(stack) < _STACK_DEPTH:
        code = frame.f_code
        if innermost and at_resume(code, frame.f_lasti):
            line = 0
        else:
            # 3.11's loop-closing jumps have no line (f_lineno None): the body's, as the
            # client's sampler takes it.
            line = frame.f_lineno or line_at(code, frame.f_lasti)
        innermost = False
        stack.append((code_file(code), line, code.co_firstlineno, code.co_name))
        frame = frame.f_back
    return tuple(stack)


def _never(filename: str) -> bool:
    """In a worker no file is a runner's call into user code (the frames our wrapper
    calls directly are distributed's carriers of the task), nor a notebook cell."""
    return False


class ProfiledThreadPoolExecutor(Executor):
    """A worker's thread pool whose tasks run under `WorkerRun.run_task`.

    The name keeps "ThreadPoolExecutor": distributed's `Worker.execute` runs tasks with
    their context variables only on executors whose type name says so.
    """

    def __init__(self, inner: Executor, run: WorkerRun) -> None:
        self.inner = inner
        self.run = run

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        task = functools.partial(fn, *args, **kwargs)
        return self.inner.submit(self.run.run_task, task)

    def shutdown(self, wait: bool = True, **kwargs: Any) -> None:
        # distributed's own pool takes `timeout`, not concurrent.futures' `cancel_futures`.
        self.inner.shutdown(wait=wait, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _thread_pool(executor: Executor) -> bool:
    """Whether distributed runs tasks on `executor` in its threads (its own test)."""
    return "ThreadPoolExecutor" in str(type(executor)) and not isinstance(
        executor, ProfiledThreadPoolExecutor
    )


def install(dask_worker: Any, token: str, interval: float) -> dict[str, Any]:
    """Follow the run `token` in this worker (sent by `Client.run`).

    Returns:
        {"pid", "installed", "note"}: installed is False when another run follows this
        worker already (note says so).
    """
    current = getattr(dask_worker, _ATTRIBUTE, None)
    if current is not None:
        return {"pid": os.getpid(), "installed": False, "note": "another profile follows it"}
    # Calibrated here, before any task: the first task would otherwise pay for it (and
    # on 3.12+ calibration needs the profiler slot free).
    callback_names()
    hook_cost(one_thread=True)
    run = WorkerRun(token, interval)
    for name, executor in dask_worker.executors.items():
        # Tasks run in threads only on executors that distributed itself takes for
        # thread pools (its own ThreadPoolExecutor is not concurrent.futures').
        if name != "offload" and _thread_pool(executor):
            run.executors[name] = executor
            dask_worker.executors[name] = ProfiledThreadPoolExecutor(executor, run)
    setattr(dask_worker, _ATTRIBUTE, run)
    run.start_sampling()
    return {"pid": os.getpid(), "installed": True, "note": None}


def collect(dask_worker: Any, token: str) -> WorkerPayload | None:
    """Stop following the run `token` here and return what was seen (None: this worker
    was not followed by it). The worker's executors are put back as they were."""
    run = getattr(dask_worker, _ATTRIBUTE, None)
    if run is None or run.token != token:
        return None
    try:
        for name, executor in run.executors.items():
            if isinstance(dask_worker.executors.get(name), ProfiledThreadPoolExecutor):
                dask_worker.executors[name] = executor
        with run.lock:
            run.closed = True
            running = len(run.active)
    finally:
        delattr(dask_worker, _ATTRIBUTE)
        run.stop_sampling()
    return WorkerPayload(
        address=str(dask_worker.address),
        pid=os.getpid(),
        stats=run.stats,
        hidden=run.hidden,
        resumable=run.resumable,
        cost=hook_cost(one_thread=True),
        stacks=run.stacks,
        memory=run.memory,
        profiled=run.profiled,
        unprofiled=tuple(run.unprofiled),
        running=running,
    )
