"""Every stage's share of the stages' time, by each tool, against the truth.

For each accuracy workload and repetition: the truth (each stage timed with perf_counter,
unprofiled), then one run under each probe. A stage's share is its inclusive time (or
samples) over the sum of the stages'; each cell is the median over the repetitions.
"""

from __future__ import annotations

import gc
import statistics
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

from benchmarks import stage_times, whole_program
from benchmarks.stage_times import StageTimes, Target
from benchmarks.workloads import ACCURACY

TRUTH = "truth (perf_counter, unprofiled)"
FRESH_TRUTH = "truth, fresh process (as py-spy runs)"
CORRECTED = "workbench default (corrected)"
RAW = "workbench default (raw)"
SAMPLED = "workbench -f sampled"
PY_SPY = f"py-spy ({whole_program.PY_SPY_RATE} Hz)"


@dataclass(frozen=True)
class Probe:
    """A profiler run once on a workload; one table row per view of its output."""

    views: tuple[str, ...]
    run: Callable[[Target], tuple[StageTimes, ...]]
    # Runs as a fresh program with seconds of start-up: smoke runs skip it where
    # `smoke_on` does not name the workload (the W4 run keeps the code path tested).
    smoke_on: tuple[str, ...] | None = None


PROBES = [
    Probe((CORRECTED, RAW), stage_times.workbench_default),
    Probe((SAMPLED,), stage_times.workbench_sampled),
    Probe(("cProfile (%prun)",), stage_times.cprofile_times),
    Probe(("pyinstrument",), stage_times.pyinstrument_times),
    Probe((FRESH_TRUTH,), whole_program.fresh_truth, smoke_on=("W4 pipeline",)),
    Probe(("Scalene CPU",), whole_program.scalene_cpu, smoke_on=("W4 pipeline",)),
    Probe((PY_SPY,), whole_program.py_spy, smoke_on=("W4 pipeline",)),
]


@dataclass
class Accuracy:
    """The shares every tool gave every stage, per workload, over the repetitions."""

    stages: dict[str, tuple[str, ...]] = field(default_factory=dict)
    shares: dict[str, dict[str, list[dict[str, float]]]] = field(default_factory=dict)
    failures: dict[str, dict[str, str]] = field(default_factory=dict)
    skipped: dict[str, list[str]] = field(default_factory=dict)
    # True when the workbench had no raw_cumtime column (no bias correction yet)
    raw_missing: bool = False

    def add(self, workload: str, tool: str, shares: dict[str, float]) -> None:
        self.shares.setdefault(workload, {}).setdefault(tool, []).append(shares)

    def fail(self, workload: str, tool: str, why: str) -> None:
        self.failures.setdefault(workload, {})[tool] = why

    def tools(self, workload: str) -> list[str]:
        """Every row of a workload's table in order: measured, failed or skipped."""
        names = [view for probe in PROBES for view in probe.views]
        seen = set(self.shares.get(workload, {})) | set(self.failures.get(workload, {}))
        seen |= set(self.skipped.get(workload, []))
        return [TRUTH] + [name for name in names if name in seen]

    def median(self, workload: str, tool: str) -> dict[str, float] | None:
        """Each stage's median share over the repetitions, or None if never measured."""
        runs = self.shares.get(workload, {}).get(tool)
        if not runs:
            return None
        return {s: statistics.median(run[s] for run in runs) for s in self.stages[workload]}

    def errors(self, workload: str, tool: str) -> dict[str, float] | None:
        """Each stage's error in points (median share minus the truth's, times 100)."""
        measured, truth = self.median(workload, tool), self.median(workload, TRUTH)
        if measured is None or truth is None:
            return None
        return {stage: (measured[stage] - truth[stage]) * 100 for stage in measured}

    def worst(self, tool: str) -> tuple[float, str] | None:
        """The largest error in points over every workload and stage, and where it is."""
        found = [
            (abs(error), f"{workload}, {stage}")
            for workload in self.stages
            for stage, error in (self.errors(workload, tool) or {}).items()
        ]
        return max(found) if found else None


def measure(
    names: list[str], scale: float, reps: int, smoke: bool, log: Callable[[str], None]
) -> Accuracy:
    """The truth and every probe on each named accuracy workload, `reps` times.

    Parameters:
        names: keys of `ACCURACY`.
        scale: workload size.
        reps: repetitions; each cell is a median over them.
        smoke: skip the probes whose `smoke_on` leaves the workload out.
        log: progress lines.

    Returns:
        The shares; a probe that raised has its reason instead (it never stops the run).
    """
    accuracy = Accuracy()
    for name in names:
        workload = ACCURACY[name]
        accuracy.stages[name] = tuple(workload.STAGES)
        probes = [p for p in PROBES if not smoke or p.smoke_on is None or name in p.smoke_on]
        skipped = [view for probe in PROBES if probe not in probes for view in probe.views]
        if skipped:
            accuracy.skipped[name] = skipped
            log(f"{name}: smoke run skips {', '.join(skipped)} (a fresh program each)")
        target = Target(name, workload, scale, workload.prepare(scale))
        target.fn()  # warm-up: imports, caches, first-touch page faults
        for rep in range(reps):
            truth = workload.stage_seconds(scale)
            accuracy.add(name, TRUTH, stage_times.shares(truth, accuracy.stages[name]))
            for probe in probes:
                _run(probe, target, accuracy)
            log(f"{name}: accuracy repetition {rep + 1}/{reps} done")
    return accuracy


def _run(probe: Probe, target: Target, accuracy: Accuracy) -> None:
    """One probe once; its shares, or its failure, go into `accuracy`."""
    gc.collect()
    try:
        views = probe.run(target)
        shares = [stage_times.shares(times, accuracy.stages[target.name]) for times in views]
    except Exception as error:  # a crashing anchor must not sink the others
        for view in probe.views:
            accuracy.fail(target.name, view, whole_program.describe(error))
        return
    for view, view_shares in zip(probe.views, shares, strict=True):
        accuracy.add(target.name, view, view_shares)
    if probe.run is stage_times.workbench_default:
        accuracy.raw_missing = views[0] is views[1]  # its way of saying "no raw_cumtime"


def render(accuracy: Accuracy, reps: int) -> list[str]:
    """The "every stage's share" section: one table per workload (the workbench in bold).

    Parameters:
        accuracy: the measured shares.
        reps: repetitions per cell (for the text).

    Returns:
        Markdown lines.
    """
    text = (
        "A stage's share is its inclusive time over the sum of its workload's stages' "
        "(py-spy: samples whose stack holds the stage; Scalene: CPU of the functions that "
        f"make up the stage). Cells: median over {reps} repetitions, and the error in points "
        "against the truth: each stage timed with perf_counter, unprofiled, in the harness's "
        "process (with its range over the repetitions: the noise floor). cProfile is read "
        "through pstats as %prun does. Scalene (--cpu-only) and py-spy run the workload as a "
        "fresh program: Scalene one cold call, py-spy (record "
        f"-r {whole_program.PY_SPY_RATE}) {whole_program.PY_SPY_CALLS} calls "
        "after a warm-up call. The fresh-process truth is timed as py-spy runs, unprofiled: "
        "how much of an anchor's error is the process it ran in."
    )
    out = ["## Accuracy: every stage's share", "", *textwrap.wrap(text, 88)]
    if accuracy.raw_missing:
        out += [
            "",
            "This workbench build has no `raw_cumtime` column (no bias correction yet): its",
            "corrected rows are its raw ones.",
        ]
    for workload, stages in accuracy.stages.items():
        title = getattr(ACCURACY[workload], "NAME", "")
        out += ["", f"### {workload}: {title}", ""]
        out.append("| tool | " + " | ".join(stages) + " | worst error (points) |")
        out.append("|---|" + "---|" * (len(stages) + 1))
        for tool in accuracy.tools(workload):
            name = f"**{tool}**" if tool in (CORRECTED, RAW, SAMPLED) else tool
            out.append(f"| {name} | " + " | ".join(_row(accuracy, workload, tool)) + " |")
    return out


def _row(accuracy: Accuracy, workload: str, tool: str) -> list[str]:
    """A table row's cells after the tool's name: each stage's share, the worst error."""
    stages = accuracy.stages[workload]
    dashes = ["-"] * len(stages)
    shares = accuracy.median(workload, tool)
    if shares is None:
        why = accuracy.failures.get(workload, {}).get(tool)
        first = f"failed: {why}" if why else "skipped (smoke run)"
        return [first.replace("|", "/"), *dashes]
    runs = accuracy.shares[workload][tool]
    if tool == TRUTH and len(runs) > 1:  # its range over the repetitions: the noise floor
        spans = {s: (min(r[s] for r in runs) * 100, max(r[s] for r in runs) * 100) for s in stages}
        cells = [f"{shares[s] * 100:.1f}% ({spans[s][0]:.1f}-{spans[s][1]:.1f})" for s in stages]
        return [*cells, "-"]
    errors = accuracy.errors(workload, tool) if tool != TRUTH else None
    if errors is None:
        return [*(f"{shares[s] * 100:.1f}%" for s in stages), "-"]
    cells = [f"{shares[s] * 100:.1f}% ({errors[s]:+.1f})" for s in stages]
    return [*cells, f"{max(abs(e) for e in errors.values()):.1f}"]


def targets(accuracy: Accuracy) -> list[str]:
    """The target lines: the default mode (corrected) within 3 points, py-spy within 1."""
    lines = []
    for tool, claim, limit in (
        (CORRECTED, "in the default mode (corrected)", 3.0),
        (PY_SPY, "with py-spy", 1.0),
    ):
        head = f"- Every stage within {limit:g} point{'s' * (limit != 1)} of the truth {claim}"
        worst = accuracy.worst(tool)
        if worst is not None:
            verdict = "holds" if worst[0] <= limit else "MISSED"
            lines.append(f"{head}: worst {worst[0]:.1f} points ({worst[1]}) - {verdict}.")
            continue
        why = next((f[tool] for f in accuracy.failures.values() if tool in f), None)
        if why is not None:
            lines.append(f"{head}: not measured ({why}).")
    return lines
