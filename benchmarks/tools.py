"""Each profiler, run once around a prepared workload, measured the same way.

A tool returns its wall time and, where it can tell them, the share of time it gives the
W4 hot stage and the peak memory it reports. In-process tools are timed with
perf_counter around the profiled call only; whole-program tools (Scalene) are timed as
subprocesses against the same program run unprofiled (`whole_program`).
"""

from __future__ import annotations

import cProfile
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import workbench
from benchmarks import whole_program


@dataclass
class Measure:
    """One run: wall seconds, the hot stage's share (W4), the reported peak in bytes."""

    wall: float
    hot_share: float | None = None
    peak: int | None = None


def _timed(call: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    call()
    return time.perf_counter() - t0


def _stage_share(cumtime: dict[str, float], workload: ModuleType) -> float | None:
    """The hot stage's share of the stages' inclusive time (a sampling tool may not see
    a stage as short as W4's `write`; the stages it saw count)."""
    stages = [s for s in getattr(workload, "STAGES", ()) if s in cumtime]
    if getattr(workload, "HOT_STAGE", None) not in stages or len(stages) < 2:
        return None
    return cumtime[workload.HOT_STAGE] / sum(cumtime[s] for s in stages)


def unprofiled(fn: Callable[[], object], workload: ModuleType) -> Measure:
    return Measure(_timed(fn))


def cprofile(fn: Callable[[], object], workload: ModuleType) -> Measure:
    profile = cProfile.Profile()
    t0 = time.perf_counter()
    profile.enable()
    fn()
    profile.disable()
    wall = time.perf_counter() - t0
    profile.create_stats()
    stats: dict[Any, Any] = profile.stats  # type: ignore[attr-defined]
    cumtime = {name: entry[3] for (_, _, name), entry in stats.items()}
    return Measure(wall, _stage_share(cumtime, workload))


def _workbench(
    *, lines_view: bool = True, **options: Any
) -> Callable[[Callable[[], object], ModuleType], Measure]:
    """The workbench with `options`; `lines_view`: W4's share from the line sampler's
    samples where it lists the stages (else from the functions table's cumtime)."""

    def run(fn: Callable[[], object], workload: ModuleType) -> Measure:
        resolved = {k: (v(workload) if callable(v) else v) for k, v in options.items()}
        session = workbench.profiling(**resolved)
        t0 = time.perf_counter()
        with session:
            fn()
        wall = time.perf_counter() - t0
        report = session.report
        cumtime = dict(zip(report.functions["function"], report.functions["cumtime"], strict=True))
        sampled = report.lines[report.lines["method"] == "sampled"]
        share = _stage_share(cumtime, workload)
        if lines_view and len(sampled) and getattr(workload, "STAGES", None):
            # The sampler's view where it lists the stages (a stage too small for line
            # detail has too few samples to matter); cProfile's cumtime otherwise.
            per = sampled.groupby("function")["samples"].sum()
            stages = [s for s in workload.STAGES if s in per]
            if workload.HOT_STAGE in per and len(stages) >= 2:
                share = float(per[workload.HOT_STAGE]) / float(sum(per[s] for s in stages))
        return Measure(wall, share, report.summary.peak_memory)

    return run


def line_profiler_tool(fn: Callable[[], object], workload: ModuleType) -> Measure:
    from line_profiler import LineProfiler

    profiler = LineProfiler(*workload.hot())
    t0 = time.perf_counter()
    profiler.enable_by_count()
    fn()
    profiler.disable_by_count()
    wall = time.perf_counter() - t0
    stats = profiler.get_stats()
    totals = {name: sum(t for _, _, t in rows) for (_, _, name), rows in stats.timings.items()}
    return Measure(wall, _stage_share(totals, workload))


def memory_profiler_lines(fn: Callable[[], object], workload: ModuleType) -> Measure:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import memory_profiler

    profiler = memory_profiler.LineProfiler(backend="psutil")
    profiler.add_function(workload.memory_target())
    t0 = time.perf_counter()
    profiler.enable_by_count()
    try:
        fn()
    finally:
        profiler.disable_by_count()
    return Measure(time.perf_counter() - t0)


def memory_usage(fn: Callable[[], object], workload: ModuleType) -> Measure:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import memory_profiler

    t0 = time.perf_counter()
    peak_mib = memory_profiler.memory_usage((fn, (), {}), interval=0.01, max_usage=True)
    return Measure(time.perf_counter() - t0, peak=int(float(peak_mib) * (1 << 20)))


def tracemalloc_tool(fn: Callable[[], object], workload: ModuleType) -> Measure:
    t0 = time.perf_counter()
    tracemalloc.start(1)
    try:
        fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return Measure(time.perf_counter() - t0, peak=peak)


def pyinstrument_tool(fn: Callable[[], object], workload: ModuleType) -> Measure:
    from pyinstrument import Profiler

    profiler = Profiler(async_mode="disabled")
    t0 = time.perf_counter()
    profiler.start()
    fn()
    session = profiler.stop()
    wall = time.perf_counter() - t0
    cumtime: dict[str, float] = {}
    frames = [session.root_frame()]
    while frames:
        frame = frames.pop()
        if frame is None:
            continue
        cumtime[frame.function] = cumtime.get(frame.function, 0.0) + frame.time
        frames.extend(frame.children)
    return Measure(wall, _stage_share(cumtime, workload))


def _scalene(cpu_only: bool) -> Callable[[Callable[[], object], ModuleType], Measure]:
    def run(fn: Callable[[], object], workload: ModuleType) -> Measure:
        name, scale = fn.__workload__  # type: ignore[attr-defined]
        with tempfile.TemporaryDirectory() as folder:
            wall, out = whole_program.scalene(name, scale, Path(folder), cpu_only)
            share = _stage_share(whole_program.scalene_stage_times(out, workload), workload)
        return Measure(wall, share)

    return run


def python_subprocess(fn: Callable[[], object], workload: ModuleType) -> Measure:
    """The unprofiled twin of the whole-program tools: the same program, plain Python."""
    name, scale = fn.__workload__  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    command = [sys.executable, whole_program.ENTRY, name, str(scale)]
    subprocess.run(command, check=True, capture_output=True)
    return Measure(time.perf_counter() - t0)


@dataclass(frozen=True)
class Tool:
    """A profiler: how to run it, its unprofiled twin, and the scale it runs at."""

    name: str
    run: Callable[[Callable[[], object], ModuleType], Measure]
    baseline: Callable[[Callable[[], object], ModuleType], Measure] = unprofiled
    scale: float = 1.0  # fraction of the workload's scale (for the 100-1000x tools)
    ours: bool = False
    scale_by_workload: tuple[tuple[str, float], ...] = ()  # overrides `scale`

    def scale_for(self, workload: str) -> float:
        return dict(self.scale_by_workload).get(workload, self.scale)


# Memory per line costs 100-1000x on call- and loop-heavy code (W1, W2, W5) and little
# elsewhere, where 1% of a workload would be too short to measure anything but start-up.
_MEMORY_LINE_SCALES = (
    ("W3 etl", 0.1),
    ("W4 pipeline", 0.1),
    ("T1 richards", 0.1),
    ("T2 nbody", 0.1),
)


TOOLS = [
    Tool("workbench default", _workbench(), ours=True),
    # The same without the hints' evidence (argument signatures, line samples): its cost.
    Tool("workbench default, hints off", _workbench(hints=False), ours=True),
    # Stacks sampled on a CPU-time timer instead of cProfile. The kernel's timer ticks at
    # 250 Hz here: a 0.35 s run gives ~90 samples, and a 25% stage's share from 90 varies
    # by +-4.6 points (binomial); W4 runs 4x longer so its share is read from ~350.
    Tool(
        "workbench -f sampled",
        _workbench(functions="sampled", lines_view=False),
        ours=True,
        scale_by_workload=(("W4 pipeline", 4.0),),
    ),
    Tool("workbench exact lines (-l hot)", _workbench(lines=lambda w: w.hot()), ours=True),
    Tool("workbench -m tracemalloc", _workbench(memory="tracemalloc"), ours=True),
    Tool(
        "workbench -m lines (one function)",
        _workbench(memory="lines", lines=lambda w: [w.memory_target()]),
        scale=0.01,
        ours=True,
        scale_by_workload=_MEMORY_LINE_SCALES,
    ),
    Tool("cProfile (%prun)", cprofile),
    Tool("line_profiler (same functions)", line_profiler_tool),
    Tool(
        "memory_profiler line mode",
        memory_profiler_lines,
        scale=0.01,
        scale_by_workload=_MEMORY_LINE_SCALES,
    ),
    Tool("memory_profiler memory_usage", memory_usage),
    Tool("tracemalloc", tracemalloc_tool),
    Tool("pyinstrument", pyinstrument_tool),
    Tool(
        "Scalene CPU+memory",
        _scalene(cpu_only=False),
        baseline=python_subprocess,
        # Full size: Scalene samples every ~10 ms, and shorter runs give it too few samples
        # to split W4's stages (17-56% run to run at 0.3, measured). Asyncio code can cost
        # it 111x (shared/DESIGN.md), so W5 runs at 0.3.
        scale_by_workload=(("W5 asyncio", 0.3),),
    ),
]
