"""Ctrl-C anywhere in a profile: nothing of ours left behind, and a report once code ran.

Two kinds of interrupt, both `_thread.interrupt_main()` (what a kernel's interrupt and
Ctrl-C do: SIGINT handled in the main thread):
- placed: raised from inside each lens's start and stop (before and after its real
  work) and inside the building of the report, for every lens of three plans, so every
  phase boundary of the session is hit on every run of the suite;
- timed: a timer thread fires at delays spread evenly over twice a profile's length
  (start, run, stop and after it), so the instruction it lands on varies.

After each: the hooks as before (profile, trace, sys.monitoring slots, SIGPROF and its
timer, SIGINT, asyncio's and threading's wrappers, tracemalloc), no session registered,
at most the one shared RSS sampler as a child, no new thread, the interrupt delivered
(never swallowed), and a report whenever the profiled code started. Nothing here is
timed: the delays only spread the landing points.
"""

from __future__ import annotations

import _thread
import contextlib
import threading
import time
from typing import Any

import psutil
import pytest

import workbench
from workbench import _process
from workbench.collectors.allocations import AllocationCollector
from workbench.collectors.functions import FunctionCollector
from workbench.collectors.rss import RssSampler
from workbench.collectors.sampler import LineSampler
from workbench.collectors.spawned import SpawnWatch
from workbench.collectors.tasks import TaskCollector
from workbench.session import finishing, running
from workbench.session.hooks import HookState

PLANS: list[dict[str, Any]] = [
    {},  # the default lenses
    {"functions": "sampled"},
    {"memory": "tracemalloc", "lines": None},
]
LENSES = [
    FunctionCollector,
    RssSampler,
    SpawnWatch,
    LineSampler,
    TaskCollector,
    AllocationCollector,
]
TIMED_RUNS = 24


def work() -> int:
    """A few milliseconds of Python, calls and a thread: every lens has work to see."""
    total = 0
    for i in range(20_000):
        total += abs(i - 7) % 5
    helper = threading.Thread(target=sum, args=(range(100),))
    helper.start()
    helper.join()
    return total


def _interrupt_after(go: threading.Event, delay: float) -> None:
    go.wait()
    time.sleep(delay)
    _thread.interrupt_main()


def _settle() -> bool:
    """Let a pending interrupt through (outside any profile); whether one came."""
    try:
        for _ in range(5):
            time.sleep(0.002)
    except KeyboardInterrupt:
        return True
    return False


def _children() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


def _ours_left(threads: set[threading.Thread], children: set[int], before: HookState) -> list[str]:
    left = before.differences(HookState.capture())
    if running._running or running._overlapped:
        left.append(f"sessions still registered: {running._running} {running._overlapped}")
    spawned = _children() - children - _process.helper_pids()
    if spawned or len(_process.helper_pids()) > 1:  # one RSS sampler serves every run
        left.append(f"child processes: {spawned} (helpers: {set(_process.helper_pids())})")
    new = [t.name for t in threading.enumerate() if t not in threads and t.is_alive()]
    if new:
        left.append(f"threads: {new}")
    return left


def _profile_once(plan: dict[str, Any]) -> tuple[workbench.ProfileSession | None, bool, bool]:
    """Profile `work` under `plan`; (session, whether the code started, whether a
    KeyboardInterrupt came, during the profile or just after it). The session is None
    when the interrupt came while it was being made (nothing is installed then)."""
    session = None
    started = False
    interrupted = False
    try:
        session = workbench.profiling(**plan)
        with session:
            started = True
            work()
    except KeyboardInterrupt:
        interrupted = True
    return session, started, interrupted | _settle()


def _check(session: workbench.ProfileSession | None, started: bool, left: list[str]) -> None:
    assert left == []
    if started:
        assert session is not None
        assert session.finished, "the code started, so there must be a report"
        assert isinstance(session.report.to_text(), str)


def _place(patch: pytest.MonkeyPatch, owner: Any, name: str, when: str) -> None:
    """Make `owner.name` raise an interrupt "before" or "after" its real work."""
    real = getattr(owner, name)

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        if when == "before":
            _thread.interrupt_main()
        try:
            return real(*args, **kwargs)
        finally:
            if when == "after":
                _thread.interrupt_main()

    patch.setattr(owner, name, interrupted)


@pytest.mark.parametrize("plan", PLANS, ids=["default", "sampled", "tracemalloc"])
def test_an_interrupt_at_every_lens_boundary(plan: dict[str, Any]) -> None:
    workbench.profile(work)  # the shared RSS sampler and the calibration exist
    threads = set(threading.enumerate())
    children = _children()  # earlier tests' fixtures' (a demo server): not this test's
    points: list[tuple[Any, str, str]] = [
        (cls, method, when)
        for cls in LENSES
        for method in ("start", "stop")
        for when in ("before", "after")
    ]
    points += [(finishing, "build_report", "before"), (finishing, "build_report", "after")]
    for owner, name, when in points:
        before = HookState.capture()
        with pytest.MonkeyPatch.context() as patch:
            _place(patch, owner, name, when)
            session, started, interrupted = _profile_once(plan)
        assert session is not None
        used = owner is finishing or any(type(c) is owner for c in session._order)
        if used:  # held while our code ran, then delivered: never lost
            assert interrupted, f"the interrupt at {owner.__name__}.{name} ({when}) was lost"
        _check(session, started, _ours_left(threads, children, before))


@pytest.mark.parametrize("plan", PLANS[:2], ids=["default", "sampled"])
def test_interrupts_timed_across_a_whole_profile(plan: dict[str, Any]) -> None:
    workbench.profile(work)
    threads = set(threading.enumerate())
    children = _children()  # earlier tests' fixtures' (a demo server): not this test's
    t0 = time.perf_counter()
    workbench.profiling(**plan).run(work)
    length = time.perf_counter() - t0
    for i in range(TIMED_RUNS):
        before = HookState.capture()
        go = threading.Event()
        delay = 2 * length * i / TIMED_RUNS
        timer = threading.Thread(target=_interrupt_after, args=(go, delay))
        timer.start()
        go.set()  # the delay counts from here, just before the profile starts
        session, started, _ = _profile_once(plan)
        with contextlib.suppress(KeyboardInterrupt):  # it landed on the join
            timer.join()
        _settle()
        # Not asserted: that this interrupt raised. Python drops a KeyboardInterrupt
        # raised inside a weakref callback or finalizer ("Exception ignored"), wherever
        # the signal lands, profiled or not (threading's _dangling WeakSet runs one per
        # ended thread).
        _check(session, started, _ours_left(threads, children, before))
    # The process is as usable as before: a profile, and the user's own cProfile.
    assert workbench.profile(work).result == work()
    import cProfile

    own = cProfile.Profile()
    own.enable()
    own.disable()
