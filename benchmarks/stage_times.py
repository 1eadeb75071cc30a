"""Each in-process profiler's inclusive time per stage of an accuracy workload.

A stage is found in a profiler's output by its function's name, first line and file name
(a profiler may label the file differently: a path, a path relative to the working
folder), never by its name alone: a library function of the same name is not a stage.
"""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import workbench

StageTimes = dict[str, float]  # inclusive seconds (or samples) per stage


@dataclass(frozen=True)
class Target:
    """One accuracy workload, prepared: what a probe runs and how to find its stages."""

    name: str
    workload: ModuleType
    scale: float
    fn: Callable[[], object]


class StageFinder:
    """Recognises a workload's stage functions in any profiler's (file, line, name)."""

    def __init__(self, workload: ModuleType) -> None:
        self._stages: dict[tuple[str, int, str], str] = {}
        for stage in workload.STAGES:
            code = getattr(workload, stage).__code__
            self._stages[(code.co_name, code.co_firstlineno, Path(code.co_filename).name)] = stage

    def stage(self, function: str, line: int, filename: str) -> str | None:
        """The stage that `function` (defined at `filename`:`line`) is, or None.

        Parameters:
            function: the function's name as the profiler reports it.
            line: the line of its `def` (its code object's first line).
            filename: its file, as a path or a label ending in the file's name.

        Returns:
            The stage's name, or None for any other function.
        """
        return self._stages.get((function, int(line), Path(filename).name))


def shares(times: Mapping[str, float], stages: tuple[str, ...]) -> dict[str, float]:
    """Each stage's share of the stages' time; a stage the tool never saw has 0.

    Parameters:
        times: inclusive time (or samples) per stage, as one tool measured it.
        stages: every stage of the workload.

    Returns:
        Share per stage, summing to 1.

    Raises:
        ValueError: the tool saw none of the stages (a share would be meaningless).
    """
    total = sum(times.get(stage, 0.0) for stage in stages)
    if total <= 0:
        raise ValueError(f"saw none of the stages {', '.join(stages)}")
    return {stage: times.get(stage, 0.0) / total for stage in stages}


def workbench_default(target: Target) -> tuple[StageTimes, StageTimes]:
    """`workbench.profile(fn)` with default options: its corrected and its raw cumtime.

    Returns:
        (corrected, raw): the `cumtime` column, the estimate of the unprofiled run, and
        `raw_cumtime`, what cProfile measured. A build without bias correction has no
        `raw_cumtime`; its `cumtime` is then both, one dict (`corrected is raw`).
    """
    functions = workbench.profile(target.fn).functions
    raw_column = "raw_cumtime" if "raw_cumtime" in functions.columns else "cumtime"
    finder = StageFinder(target.workload)
    corrected: StageTimes = {}
    raw: StageTimes = {}
    rows = zip(
        functions["function"],
        functions["line"],
        functions["file"],
        functions["cumtime"],
        functions[raw_column],
        strict=True,
    )
    for function, line, filename, cumtime, raw_cumtime in rows:
        stage = finder.stage(str(function), int(line), str(filename))
        if stage is not None:
            corrected[stage] = float(cumtime)
            raw[stage] = float(raw_cumtime)
    return (corrected, raw) if raw_column == "raw_cumtime" else (corrected, corrected)


def workbench_sampled(target: Target) -> tuple[StageTimes]:
    """The workbench's sampled mode (`functions="sampled"`): cumtime per stage, which is
    the stage's samples times the timer's interval."""
    with workbench.profiling(functions="sampled") as run:
        target.fn()
    functions = run.report.functions
    finder = StageFinder(target.workload)
    times: StageTimes = {}
    columns = ("function", "line", "file", "cumtime")
    for function, line, filename, cumtime in zip(*(functions[c] for c in columns), strict=True):
        stage = finder.stage(str(function), int(line), str(filename))
        if stage is not None:
            times[stage] = float(cumtime)
    return (times,)


def cprofile_times(target: Target) -> tuple[StageTimes]:
    """cProfile around the call, read through pstats as %prun does: cumtime per stage."""
    profile = cProfile.Profile()
    profile.runcall(target.fn)
    finder = StageFinder(target.workload)
    times: StageTimes = {}
    stats: dict[tuple[str, int, str], tuple[float, ...]] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    for (filename, line, function), entry in stats.items():
        stage = finder.stage(function, line, filename)
        if stage is not None:
            times[stage] = entry[3]
    return (times,)


def pyinstrument_times(target: Target) -> tuple[StageTimes]:
    """pyinstrument's call tree: the time of every frame of a stage, summed."""
    from pyinstrument import Profiler

    profiler = Profiler(async_mode="disabled")
    profiler.start()
    target.fn()
    session = profiler.stop()
    finder = StageFinder(target.workload)
    times: StageTimes = {}
    frames = [session.root_frame()]
    while frames:
        frame = frames.pop()
        if frame is None:
            continue
        stage = finder.stage(frame.function, frame.line_no or 0, frame.file_path or "")
        if stage is not None:
            # Inclusive already: no descent, so a recursive stage is not counted twice.
            times[stage] = times.get(stage, 0.0) + frame.time
        else:
            frames.extend(frame.children)
    return (times,)
