"""The sampled functions mode: function statistics from sampled stacks, no cProfile.

The arithmetic on hand-built stacks (exact numbers in and out); a real run on a workload
with a built-in hotspot (presence and order, never a duration); faults leave every hook
and the signal handler as they were.
"""

from __future__ import annotations

import cProfile
import os
import signal
import sys
import threading
import time
from typing import Any

import pytest

import workbench
from tests import workloads
from workbench.collectors.functions import StatsKey
from workbench.errors import OptionError
from workbench.render.icicle import stack_boxes
from workbench.report.schema import frame
from workbench.report.stacks import stats_from_stacks
from workbench.session.hooks import HookState

MAIN: StatsKey = ("app.py", 1, "main")
LOAD: StatsKey = ("app.py", 10, "load")
SAVE: StatsKey = ("app.py", 20, "save")
PARSE: StatsKey = ("lib.py", 5, "parse")
LOOP: StatsKey = ("asyncio/events.py", 80, "_run")


def test_own_cumulative_and_edges_add_up_the_samples_weights() -> None:
    stacks = {  # CPU seconds per stack
        (MAIN, LOAD, PARSE): 0.06,  # parse called from load
        (MAIN, SAVE, PARSE): 0.02,  # and from save
        (MAIN, LOAD): 0.01,
        (MAIN,): 0.01,
    }
    stats = stats_from_stacks(stacks)
    own = {key: entry[2] for key, entry in stats.items()}
    cumulative = {key: entry[3] for key, entry in stats.items()}
    assert own == pytest.approx({MAIN: 0.01, LOAD: 0.01, SAVE: 0.0, PARSE: 0.08})
    assert cumulative == pytest.approx({MAIN: 0.10, LOAD: 0.07, SAVE: 0.02, PARSE: 0.08})
    # The shared callee is split between its callers as the samples say: 6 to 2.
    callers = stats[PARSE][4]
    assert callers[LOAD][3] == pytest.approx(0.06)
    assert callers[SAVE][3] == pytest.approx(0.02)
    assert all(entry[0] == entry[1] == 0 for entry in stats.values())  # nothing counted


def test_recursion_counts_a_sample_once_per_function() -> None:
    stats = stats_from_stacks({(MAIN, PARSE, PARSE, PARSE): 4.0})
    assert stats[PARSE][3] == 4.0  # not 12
    assert stats[PARSE][2] == 4.0


def test_frames_that_carry_an_async_run_are_cut_off() -> None:
    stats = stats_from_stacks({(MAIN, LOOP, LOAD, PARSE): 3.0}, carriers={LOOP})
    assert set(stats) == {LOAD, PARSE}


def _profiler() -> object:
    """Whoever holds the profiler hook now (3.12+: the sys.monitoring profiler slot)."""
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is not None:
        return monitoring.get_tool(monitoring.PROFILER_ID)
    return sys.getprofile()


def test_a_sampled_run_finds_the_hotspot_without_cprofile() -> None:
    seen: list[object] = []

    def pipeline() -> str:
        seen.append(_profiler())  # no profiler hook while the code runs
        return workloads.pipeline(150_000)

    with workbench.profiling(functions="sampled", memory="off") as run:
        pipeline()
    report = run.report
    assert seen == [None]
    functions = report.functions.set_index("function")
    assert {"pipeline", "score"} <= set(functions.index)
    assert report.functions["function"].iloc[0] == "score"  # the most own time
    assert (report.functions["ncalls"] == 0).all()
    assert report.summary.plan.functions == "sampled"
    assert "not counted" in report.to_text()
    assert "functions (sampled stacks)" in report.summary.lenses


def test_the_magic_option_and_the_api_refuse_an_unknown_mode() -> None:
    with pytest.raises(OptionError, match="functions='counted'"):
        workbench.profiling(functions="counted")  # type: ignore[arg-type]


@pytest.mark.parametrize("fault", [workloads.boom, workloads.interrupt])
def test_a_fault_in_a_sampled_run_restores_every_hook(fault: object) -> None:
    before = HookState.capture()
    session = workbench.profiling(functions="sampled")
    with pytest.raises((ValueError, KeyboardInterrupt)), session:
        fault(200_000)  # type: ignore[operator]
    assert before.differences(HookState.capture()) == []
    assert session.report.summary.complete is False
    profile = cProfile.Profile()  # the profiler slot is free
    profile.enable()
    profile.disable()


def _until_interrupted() -> int:
    """Work until a Ctrl-C arrives (from a timer thread), or give up after a long while."""
    spins = 0
    for _ in range(200_000_000):
        spins += len(workloads.parse(200))
    return spins


@pytest.mark.parametrize("functions", ["exact", "sampled"])
def test_a_real_ctrl_c_restores_every_hook_and_handler(functions: Any) -> None:
    before = HookState.capture()
    session = workbench.profiling(functions=functions)
    sender = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    with pytest.raises(KeyboardInterrupt), session:  # noqa: PT012 - the timer starts inside
        sender.start()
        _until_interrupted()
    sender.join()
    assert before.differences(HookState.capture()) == []
    assert session.report.summary.complete is False


@pytest.mark.parametrize("receiver", ["main thread", "another thread"])
def test_a_ctrl_c_while_the_lenses_stop_waits_until_they_have(
    receiver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A kernel has several threads, and the OS may hand a Ctrl-C to any of them; Python
    # then runs the handler in the main thread all the same.
    idle = threading.Event()
    other = threading.Thread(target=idle.wait, name="idle")
    other.start()
    target = threading.main_thread().ident if receiver == "main thread" else other.ident
    assert target is not None
    before = HookState.capture()
    session = workbench.profiling(functions="sampled")
    first = session._order[-1]  # stopped first: the interrupt comes before the others stop
    stop = first.stop

    def interrupted_stop() -> None:
        signal.pthread_kill(target, signal.SIGINT)
        # Give another thread time to take it: its C handler flags it for the main
        # thread, which must not act on it before every lens has stopped.
        time.sleep(0.2)
        stop()

    monkeypatch.setattr(first, "stop", interrupted_stop)
    try:
        with pytest.raises(KeyboardInterrupt), session:
            workloads.parse(1_000)
    finally:
        idle.set()
        other.join()
    assert before.differences(HookState.capture()) == []


def _stacks_table(stacks: dict[tuple[StatsKey, ...], int]) -> Any:
    rows = [
        {
            "stack": number,
            "depth": depth,
            "function": key[2],
            "file": key[0],
            "line": key[1],
            "samples": samples,
            "seconds": samples * 0.001,
        }
        for number, (stack, samples) in enumerate(stacks.items())
        for depth, key in enumerate(stack)
    ]
    return frame("stacks", rows)


def test_the_sampled_icicle_splits_a_shared_callee_by_its_real_callers() -> None:
    leaf: StatsKey = ("lib.py", 9, "leaf")
    table = _stacks_table(
        {
            (MAIN, LOAD, PARSE, leaf): 30,  # parse (and its leaf) under load: 30 samples
            (MAIN, SAVE, PARSE, leaf): 10,  # under save: 10
            (MAIN, SAVE): 5,
        }
    )
    boxes, total, hidden = stack_boxes(table)
    under = {(b.depth, b.key[2], round(b.x, 6)): b.samples for b in boxes}
    parse_boxes = sorted((b.samples for b in boxes if b.key[2] == "parse"), reverse=True)
    leaf_boxes = sorted((b.samples for b in boxes if b.key[2] == "leaf"), reverse=True)
    assert parse_boxes == [30, 10]
    assert leaf_boxes == [30, 10]  # the grandchild follows its own path, not an average
    assert under[(0, "main", 0.0)] == 45
    assert total == pytest.approx(0.045)
    assert hidden == 0.0


def _shared(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def _heavy() -> int:
    return _shared(2_400_000)


def _light() -> int:
    return _shared(400_000)


def _both() -> int:
    return _heavy() + _light()


def test_a_sampled_run_s_icicle_gives_the_shared_callee_to_each_caller() -> None:
    with workbench.profiling(functions="sampled", memory="off") as run:
        _both()
    report = run.report
    boxes, _, _ = stack_boxes(report.stacks)
    shared = {
        parent.key[2]: box.samples
        for parent in boxes
        for box in boxes
        if box.key[2] == "_shared"
        and box.depth == parent.depth + 1
        and parent.x <= box.x < parent.x + parent.width
    }
    assert set(shared) == {"_heavy", "_light"}
    # The measured proportion: each box holds exactly the samples whose stack ran the
    # shared callee under that caller (not cProfile's average over both callers).
    stacks = report.stacks.sort_values(["stack", "depth"]).groupby("stack")
    under = {"_heavy": 0, "_light": 0}
    for _, rows in stacks:
        names = rows["function"].tolist()
        for caller in under:
            if caller in names and "_shared" in names[names.index(caller) :]:
                under[caller] += int(rows["samples"].iloc[0])
    assert shared == under
    assert shared["_heavy"] > shared["_light"]  # six times the work
    assert "from sampled stacks" in report.to_html()


def test_a_sample_weighs_the_cpu_time_since_the_previous_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from workbench.collectors import sampler as sampler_module

    # process_time as the handler reads it: on entry (the weight), on exit (the mark).
    readings = iter([10.5, 10.52, 10.62, 10.62])
    monkeypatch.setattr(sampler_module.time, "process_time", lambda: next(readings))
    sampler = sampler_module.LineSampler(lambda filename: True, 0.001)
    sampler._cpu_mark = 10.0
    here = sys._getframe()
    sampler._on_sample(signal.SIGPROF, here)  # one signal for a long C call: 0.5 s
    sampler._on_sample(signal.SIGPROF, here)  # 0.1 s after the first handler ended
    (stack,) = sampler.stacks
    assert sampler.stacks[stack] == 2
    assert sampler.stack_seconds[stack] == pytest.approx(0.6)  # not 2 x the mean


def test_the_correction_scales_each_sample_by_the_function_it_ran_in() -> None:
    # A cell's <module> that started before cProfile has a near-zero cumulative time, so
    # a factor of 0: the tree must still stand on it, as wide as what ran under it.
    table = _stacks_table({(MAIN, LOAD, PARSE): 30, (MAIN, SAVE): 10})
    factors = {"main": 0.0, "load": 1.0, "parse": 0.5, "save": 0.25}
    boxes, total, hidden = stack_boxes(table, lambda key: factors[key[2]])
    seconds = {b.key[2]: b.seconds for b in boxes}
    assert seconds == pytest.approx({"main": 0.0175, "load": 0.015, "parse": 0.015, "save": 0.0025})
    assert total == pytest.approx(0.0175)
    assert hidden == 0.0


def test_a_signal_inside_the_handler_starts_no_second_sample() -> None:
    """A SIGPROF that arrives while the handler classifies a new file (slow under
    tracemalloc) is dropped: nested handlers classified the same file again and again
    until RecursionError."""
    from workbench.collectors import sampler as sampler_module

    here = sys._getframe()
    asked: list[str] = []

    def is_user_code(filename: str) -> bool:
        asked.append(filename)
        sampler._on_sample(signal.SIGPROF, here)  # the timer fires inside the handler
        return True

    sampler = sampler_module.LineSampler(is_user_code, 0.001)
    sampler._on_sample(signal.SIGPROF, here)
    assert sampler.total == 1
    assert sum(sampler.stacks.values()) == 1
    assert asked.count(here.f_code.co_filename) == 1
    sampler._on_sample(signal.SIGPROF, here)  # the next signal is a sample again
    assert sampler.total == 2
