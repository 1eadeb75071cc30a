"""Faults in the profiled code: partial report, original exception, hooks restored.

The autouse `hooks_restored` fixture (conftest.py) checks every hook after each test;
these tests also check within the test, right after the fault.
"""

from __future__ import annotations

import cProfile
import sys
import tracemalloc

import pytest

import workbench
from tests import workloads
from workbench.session.hooks import HookState

MODES = [
    {"lines": "auto", "memory": "rss"},
    {"lines": [workloads.parse], "memory": "tracemalloc"},
    {"lines": [workloads.parse], "memory": "lines"},
    {"lines": None, "memory": "off"},
]


@pytest.mark.parametrize("options", MODES)
def test_exception_propagates_unchanged_with_partial_report(options: dict[str, object]) -> None:
    before = HookState.capture()
    session = workbench.profiling(**options)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="boom in the profiled code") as caught, session:
        workloads.boom(1000)
    assert before.differences(HookState.capture()) == []
    assert caught.value.__traceback__ is not None
    assert caught.tb.tb_next is not None  # the original traceback, not a re-raise of ours
    report = session.report
    assert report.summary.complete is False
    assert report.summary.error == "ValueError: boom in the profiled code"
    calls = report.functions.set_index("function")["ncalls"]
    assert calls["parse"] == 1
    assert "incomplete" in report.to_html()
    assert "INCOMPLETE" in report.to_text()


@pytest.mark.parametrize("options", MODES)
def test_keyboard_interrupt_restores_hooks(options: dict[str, object]) -> None:
    before = HookState.capture()
    session = workbench.profiling(**options)  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt), session:
        workloads.interrupt(1000)
    assert before.differences(HookState.capture()) == []
    assert session.report.summary.error == "KeyboardInterrupt: "


def test_profile_reraises_the_same_exception_object() -> None:
    error = ValueError("mine")

    def fail() -> None:
        raise error

    with pytest.raises(ValueError, match="mine") as caught:
        workbench.profile(fail)
    assert caught.value is error


def test_a_running_profiler_is_not_displaced() -> None:
    outer = cProfile.Profile()
    outer.enable()
    try:
        with pytest.raises(workbench.ProfilerBusyError, match="another profiler"):
            workbench.profile(workloads.render, 1)
        still_active = sys.getprofile() is not None or sys.version_info >= (3, 12)
    finally:
        outer.disable()
    assert still_active


def test_tracemalloc_left_on_if_it_was_on() -> None:
    tracemalloc.start()
    try:
        with workbench.profiling(memory="tracemalloc", lines=None) as run:
            workloads.allocate(1)
        assert tracemalloc.is_tracing()
        assert run.report.summary.peak_memory is not None
    finally:
        tracemalloc.stop()


def test_a_session_runs_once() -> None:
    session = workbench.profiling(lines=None, memory="off")
    with session:
        pass
    with pytest.raises(workbench.WorkbenchError, match="runs once"), session:
        pass


def test_report_before_the_block_ends_is_an_error() -> None:
    with pytest.raises(workbench.WorkbenchError, match="once the profiled block"):
        _ = workbench.profiling().report


def test_a_nested_workbench_profile_is_refused_naming_the_running_one() -> None:
    with workbench.profiling(label="nightly pipeline") as outer:
        with pytest.raises(workbench.ProfilerBusyError) as refused:
            workbench.profile(workloads.render, 1)
        workloads.parse(10)
    message = str(refused.value)
    assert "the workbench profile of 'nightly pipeline'" in message
    assert "cProfile" not in message
    assert " object at 0x" not in message
    assert outer.report.summary.complete
    # Once it finished (or failed to start), a profile runs again.
    assert workbench.profile(workloads.parse, 10).summary.complete
    outer_cprofile = cProfile.Profile()
    outer_cprofile.enable()
    try:
        with pytest.raises(workbench.ProfilerBusyError):
            workbench.profile(workloads.parse, 10)
    finally:
        outer_cprofile.disable()
    assert workbench.profile(workloads.parse, 10).summary.complete


def test_two_concurrent_async_profiles_in_one_loop_are_refused_not_mixed() -> None:
    """Two tasks of one loop: the second is refused (it once started while the first was
    suspended, and the two left each other's hooks behind)."""
    import asyncio

    from tests import async_workloads as aw

    async def main() -> list[object]:
        return await asyncio.gather(
            workbench.profile_async(aw.ticker, 3),
            workbench.profile_async(aw.ticker, 3),
            return_exceptions=True,
        )

    before = HookState.capture()
    first, second = asyncio.run(main())
    assert before.differences(HookState.capture()) == []
    assert isinstance(first, workbench.Report)
    assert first.summary.complete
    assert isinstance(second, workbench.ProfilerBusyError)
    assert "the workbench profile of 'ticker(...)'" in str(second)
