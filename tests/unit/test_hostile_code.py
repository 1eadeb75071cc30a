"""Profiled code that fights the profiler: forks, profiles in two threads at once, takes
SIGPROF or the profile hook, or runs out of memory. The kernel must survive every one:
hooks as they were (the autouse fixture checks after each test), a report, and the
code's own result or exception.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any

import pytest

import workbench
from tests import workloads
from workbench.collectors import hook_watch, rss
from workbench.collectors.spawned import THREAD_START
from workbench.collectors.tasks import HANDLES
from workbench.session.hooks import HookState

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")


def spin(n: int = 200_000) -> int:
    total = 0
    for i in range(n):
        total += i % 7
    return total


@needs_fork
def test_a_fork_in_the_profiled_code_costs_the_parent_nothing() -> None:
    """The child inherits the run and leaves the block too (stopping its copy of every
    lens); the parent's sampler is not the child's to talk to."""
    workbench.profile(spin, 1000)  # the shared RSS sampler is up
    sampler = rss._children[(os.getpid(), 0.01)]
    with workbench.profiling() as run:
        pid = os.fork()
        spin(50_000)
    if pid == 0:  # the child: its own report says where it was made
        notes = " ".join(run.report.summary.notes)
        os._exit(0 if f"forked from the profiled process {os.getppid()}" in notes else 3)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent: samples from the shared sampler, which answered (one that does not is
    # ended and replaced, and its samples are lost).
    assert not run.report.timeline.empty
    assert rss._children[(os.getpid(), 0.01)] is sampler
    assert sampler.poll() is None
    assert any("child processes ran" in note for note in run.report.summary.notes)


@needs_fork
def test_a_forked_child_forgets_our_helpers() -> None:
    """Its copies of the sampler's pipes point nowhere: it can neither talk to the
    sampler nor keep it alive by holding the pipe open."""
    workbench.profile(spin, 1000)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        message = f"{len(rss._children)} {workbench.stop_servers()}"
        os.write(write, message.encode())
        os._exit(0)
    os.close(write)
    answer = os.read(read, 100).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert answer == "0 0"  # no sampler of its own to stop, and the parent's left alone
    assert workbench.profile(spin, 1000).timeline["rss"].gt(0).all()


def test_two_threads_profiling_at_once_share_one_wrapper(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """3.11: each thread has its own cProfile; 3.12+: the second run is refused by name.
    Either way the wrappers go with the last run, neither report counts the other's
    RSS sampler as its child, and the inner run, which found the outer one's hooks in
    place, does not take their removal for hooks it left."""
    original_start, original_run = THREAD_START._owner.start, HANDLES._owner._run
    inner_started, outer_may_end = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def second() -> None:
        try:
            with workbench.profiling() as run:
                inner_started.set()
                outer_may_end.wait(10)
                spin(1000)
            outcome["report"] = run.report
        except workbench.ProfilerBusyError as error:
            outcome["busy"] = str(error)
            inner_started.set()

    with workbench.profiling(label="outer run") as outer:
        helper = threading.Thread(target=second)
        helper.start()
        inner_started.wait(10)
    outer_may_end.set()  # the outer run stops while the inner one still runs
    helper.join(10)
    assert threading.Thread.start is original_start
    assert HANDLES._owner._run is original_run
    assert THREAD_START.users == ()
    assert HANDLES.users == ()
    if sys.version_info >= (3, 12):
        assert "'outer run' is running in thread" in outcome["busy"]
    else:
        notes = " ".join(outcome["report"].summary.notes)
        assert "child processes ran" not in notes
    assert "child processes ran" not in " ".join(outer.report.summary.notes)
    assert not [r for r in caplog.records if "were not restored" in r.getMessage()]


def test_the_users_own_sigprof_handler_is_left_to_it_and_said() -> None:
    got: list[int] = []

    def mine(signum: int, frame: object) -> None:
        got.append(signum)

    try:
        with workbench.profiling(functions="sampled") as run:
            signal.signal(signal.SIGPROF, mine)
            signal.setitimer(signal.ITIMER_PROF, 0.002, 0.002)
            spin()
        # The code's handler and timer are still its own after the run.
        assert signal.getsignal(signal.SIGPROF) is mine
        assert signal.getitimer(signal.ITIMER_PROF)[1] > 0
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, signal.SIG_DFL)
    (warning,) = run.report.summary.warnings
    assert "installed its own SIGPROF handler" in warning
    assert "cover only the run before it" in warning


def test_a_timer_stopped_by_the_code_is_said() -> None:
    with workbench.profiling(functions="sampled") as run:
        spin(20_000)
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        spin(20_000)
    (warning,) = run.report.summary.warnings
    assert "stopped the CPU-time timer" in warning


# How code takes the hook from cProfile: on 3.11 its profile function is the thread's
# sys.setprofile; on 3.12+ it holds sys.monitoring's profiler slot.
TAKINGS = ["setprofile"] if sys.version_info < (3, 12) else ["free_tool_id", "set_events"]


@pytest.mark.parametrize("taking", TAKINGS)
def test_the_profile_hook_taken_by_the_code_is_said(taking: str) -> None:
    monitoring: Any = getattr(sys, "monitoring", None)

    def calls() -> None:
        for i in range(1_000):
            abs(i)
        if taking == "setprofile":
            sys.setprofile(None)
        elif taking == "free_tool_id":
            monitoring.free_tool_id(monitoring.PROFILER_ID)
        else:
            monitoring.set_events(monitoring.PROFILER_ID, 0)
        for i in range(3_000):
            abs(i)

    with workbench.profiling(lines=None) as run:
        calls()
    (warning,) = run.report.summary.warnings
    assert f"sys.{taking}" in warning or f"sys.monitoring.{taking}" in warning
    calls_of = run.report.functions.set_index("function")["ncalls"]
    assert calls_of["<built-in method builtins.abs>"] >= 1000  # those before it, at least
    if taking != "free_tool_id":  # 3.13 still delivers the events of a freed slot
        assert calls_of["<built-in method builtins.abs>"] == 1000
    if monitoring is not None:
        assert monitoring.get_tool(monitoring.PROFILER_ID) is None  # the slot is free


def test_the_codes_memory_error_is_raised_not_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.session import finishing

    def out_of_memory(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError  # building the report, with the code's memory still held

    monkeypatch.setattr(finishing, "build_report", out_of_memory)
    mine = MemoryError("the user's")
    session = workbench.profiling()
    with pytest.raises(MemoryError) as caught, session:
        raise mine
    assert caught.value is mine
    assert session.report.summary.error == "MemoryError: the user's"
    assert "could not be built (MemoryError" in session.report.summary.notes[0]


def test_a_lens_that_fails_to_stop_costs_its_figures_not_the_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self: Any) -> None:
        raise OSError("the sampler's pipe broke")

    monkeypatch.setattr(rss.RssSampler, "stop", broken)
    with workbench.profiling() as run:
        value = workloads.pipeline(200)
    assert value
    assert run.report.summary.complete
    assert not run.report.functions.empty
    note = next(n for n in run.report.summary.notes if "memory (RSS) lens failed" in n)
    assert "the sampler's pipe broke" in note


def test_the_rss_timeline_ends_with_the_profiled_code() -> None:
    """Building a big report afterwards is the workbench's memory, not the run's."""
    before = HookState.capture()
    with workbench.profiling() as run:
        time.sleep(0.05)
    assert before.differences(HookState.capture()) == []
    t = run.report.timeline["t"]
    # Samples every 10 ms until the code returned, and one after it: not the stop.
    assert t.iloc[-2] <= run.report.summary.wall_seconds + 0.005


def test_a_profile_inside_a_followed_dask_task_is_named_as_ours() -> None:
    """The message names the workbench profile, not 'snapshot.Profile object'."""
    import cProfile

    from workbench.collectors.snapshot import Profile

    ours = Profile()
    hook_watch.mark(ours, True)
    try:
        message = hook_watch.busy_message(ours if sys.version_info < (3, 12) else "cProfile")
    finally:
        hook_watch.mark(ours, False)
    assert "already runs under a workbench profile" in message
    assert "dask='off'" in message
    theirs = hook_watch.busy_message(cProfile.Profile())
    assert "another profiler" in theirs
    assert "%prun" in theirs
