"""The memory lenses: exact tracemalloc peaks, memory per line, the RSS timeline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import workbench
from tests import workloads
from tests.helpers import return_free_memory
from workbench.report.schema import COLUMNS

MiB = 1 << 20


def test_tracemalloc_peak_is_exact_enough_and_names_the_line() -> None:
    """The block is freed before the run ends: the lines come from a snapshot near the peak."""
    with workbench.profiling(memory="tracemalloc", lines=None) as run:
        workloads.allocate(32)
    s = run.report.summary
    assert s.memory_source == "tracemalloc"
    assert s.peak_memory is not None
    # the 32 MiB string and nothing much else: tracemalloc is exact
    assert 32 * MiB <= s.peak_memory < 33 * MiB
    memory = run.report.memory
    assert list(memory.columns) == list(COLUMNS["memory"])
    top = memory.iloc[0]
    assert top["file"] == "tests/workloads.py"
    assert top["lineno"] == workloads.line_of(workloads.allocate, 'block = "x"')
    assert top["size"] >= 32 * MiB
    assert bool(top["user_code"]) is True
    assert set(memory["method"]) == {"tracemalloc"}


def test_tracemalloc_peaks_repeat_exactly() -> None:
    peaks = []
    for _ in range(3):
        with workbench.profiling(memory="tracemalloc", lines=None) as run:
            workloads.allocate(8)
        peaks.append(run.report.summary.peak_memory)
    assert max(peaks) - min(peaks) < 64 * 1024  # bytes of bookkeeping, never MiBs


def test_memory_lines_on_a_named_function() -> None:
    return_free_memory()  # the increment is RSS: not what earlier tests freed
    with workbench.profiling(memory="lines", lines=[workloads.allocate]) as run:
        workloads.allocate(64)
    memory = run.report.memory
    assert set(memory["method"]) == {"memory_profiler"}
    by_line = memory.set_index("lineno")
    alloc = workloads.line_of(workloads.allocate, 'block = "x"')
    assert by_line.loc[alloc, "count"] == 1
    # RSS grows by the string's 64 MiB on that line (allow the allocator some slack)
    assert by_line.loc[alloc, "size"] > 48 * MiB
    assert by_line.loc[alloc, "rss"] > by_line.loc[alloc, "size"]
    assert "block" in by_line.loc[alloc, "source"]
    # every line of the function is listed, in source order
    assert memory["lineno"].is_monotonic_increasing
    assert memory.iloc[0]["source"].startswith("def allocate")


def test_rss_timeline_and_peak() -> None:
    with workbench.profiling(lines=None, rss_interval=0.001) as run:
        workloads.allocate(64)
    s = run.report.summary
    timeline = run.report.timeline
    assert s.memory_source == "rss"
    assert s.peak_memory == timeline["rss"].max()
    assert s.memory_start == timeline["rss"].iloc[0]
    assert list(timeline.columns) == ["t", "rss", "where"]
    assert set(timeline["where"]) == {"client"}  # no Dask workers here


def test_memory_off() -> None:
    with workbench.profiling(memory="off") as run:
        workloads.parse(10)
    assert run.report.summary.peak_memory is None
    assert run.report.memory.empty
    assert run.report.timeline.empty


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
def test_rss_child_exits_when_its_parent_dies() -> None:
    """A kernel that dies mid-run leaves no sampler process behind."""
    import subprocess
    import sys
    import time

    script = (
        "import os, sys\n"
        "from workbench.collectors.rss import RssSampler\n"
        "s = RssSampler(0.01)\n"
        "s.start()\n"
        "print(s._child.pid, flush=True)\n"
        "os._exit(0)  # no stop(), no cleanup: as if the kernel were killed\n"
    )
    parent = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    child = int(parent.stdout)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{child}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            return  # exited and reaped
        if state == "Z":
            return  # exited; whoever adopted it has not reaped it yet
        time.sleep(0.05)
    raise AssertionError(f"RSS sampler {child} outlived its parent")


def test_one_rss_child_serves_every_profile_until_stop_servers() -> None:
    from workbench.collectors import rss

    workbench.stop_servers()
    first = workbench.profile(workloads.hold)
    child = rss._children[(os.getpid(), 0.01)]
    second = workbench.profile(workloads.hold)
    assert rss._children[(os.getpid(), 0.01)] is child  # not started again
    assert first.timeline["rss"].gt(0).all()
    assert second.timeline["rss"].gt(0).all()
    assert second.timeline["t"].iloc[0] == 0.0  # each run's window starts its own clock
    assert workbench.stop_servers() == 1
    assert child.poll() is not None  # it exited


def test_an_rss_child_that_stops_answering_is_replaced_not_waited_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import signal

    from workbench.collectors import rss
    from workbench.session.hooks import HookState

    workbench.profile(workloads.hold)  # the shared child is up
    hung = rss._children[(os.getpid(), 0.01)]
    monkeypatch.setattr(rss, "ANSWER_TIMEOUT", 0.5)
    before = HookState.capture()
    with workbench.profiling() as session:
        os.kill(hung.pid, signal.SIGSTOP)  # it hangs: its window's samples never come
    assert before.differences(HookState.capture()) == []
    # The lens's samples are lost, not the report: a note says so.
    assert any("did not answer" in note for note in session.report.summary.notes)
    assert session.report.timeline.empty
    assert hung.wait(timeout=10) is not None  # killed, not left stopped
    report = workbench.profile(workloads.hold)  # a new child serves the next profile
    assert rss._children[(os.getpid(), 0.01)] is not hung
    assert report.timeline["rss"].gt(0).all()
