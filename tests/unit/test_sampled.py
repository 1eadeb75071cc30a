"""The sampled functions mode: function statistics from sampled stacks, no cProfile.

The arithmetic on hand-built stacks (exact numbers in and out); a real run on a workload
with a built-in hotspot (presence and order, never a duration); faults leave every hook
and the signal handler as they were.
"""

from __future__ import annotations

import cProfile
import sys

import pytest

import workbench
from tests import workloads
from workbench.collectors.functions import StatsKey
from workbench.errors import OptionError
from workbench.report.stacks import stats_from_stacks
from workbench.session.hooks import HookState

MAIN: StatsKey = ("app.py", 1, "main")
LOAD: StatsKey = ("app.py", 10, "load")
SAVE: StatsKey = ("app.py", 20, "save")
PARSE: StatsKey = ("lib.py", 5, "parse")
LOOP: StatsKey = ("asyncio/events.py", 80, "_run")


def test_own_cumulative_and_edges_come_from_counting_samples() -> None:
    stacks = {
        (MAIN, LOAD, PARSE): 6,  # parse called from load
        (MAIN, SAVE, PARSE): 2,  # and from save
        (MAIN, LOAD): 1,
        (MAIN,): 1,
    }
    stats = stats_from_stacks(stacks, 0.01)
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
    stats = stats_from_stacks({(MAIN, PARSE, PARSE, PARSE): 4}, 1.0)
    assert stats[PARSE][3] == 4.0  # not 12
    assert stats[PARSE][2] == 4.0


def test_frames_that_carry_an_async_run_are_cut_off() -> None:
    stats = stats_from_stacks({(MAIN, LOOP, LOAD, PARSE): 3}, 1.0, carriers={LOOP})
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
