"""Turn what a compare measured into its result: a Comparison, or a Ranking of several."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from workbench.comparison.diff import DIFF_COLUMNS, profile_diff
from workbench.comparison.ranking import ranking_table
from workbench.comparison.result import Comparison, Ranking, Version
from workbench.comparison.timing import Timed, speedup_interval, verdict
from workbench.report.report import Report

__all__ = ["Measured", "assemble", "pair"]


@dataclass
class Measured:
    """Everything a compare measured, per version, in the versions' order.

    Attributes:
        timed: the timed rounds (complete rounds only).
        planned: the rounds the compare set out to time.
        peaks: tracemalloc's peak per version; None where it was not measured.
        reports: the profile per version; None where it was not made.
        interrupted: a KeyboardInterrupt ended the compare early.
    """

    timed: Timed
    planned: int
    peaks: list[int | None] = field(default_factory=list)
    reports: list[Report | None] = field(default_factory=list)
    interrupted: bool = False

    def __post_init__(self) -> None:
        n = len(self.timed.timings)
        self.peaks = self.peaks or [None] * n
        self.reports = self.reports or [None] * n
        self.interrupted = self.interrupted or self.timed.interrupted


def _diff(baseline: Report | None, candidate: Report | None) -> pd.DataFrame:
    if baseline is None or candidate is None:
        return pd.DataFrame(columns=list(DIFF_COLUMNS)).astype(DIFF_COLUMNS)
    return profile_diff(baseline.functions, candidate.functions)


def _ratio(baseline: int | None, candidate: int | None) -> float | None:
    if baseline is None or not candidate:
        return None
    return baseline / candidate


def pair(
    baseline: Version,
    candidate: Version,
    equal: bool | None,
    min_effect: float,
    *,
    rounds_planned: int | None = None,
    interrupted: bool = False,
) -> Comparison:
    """The Comparison of `candidate` against `baseline`: the speedup and its interval,
    the verdict, the memory ratio and the profile diff.

    Parameters:
        baseline, candidate: the measured versions.
        equal: the result check's outcome (None: skipped).
        min_effect: the smallest relative change that counts.
        rounds_planned: the rounds the compare set out to time (None: unknown).
        interrupted: a KeyboardInterrupt ended the compare early.
    """
    speedup, low, high = speedup_interval(baseline.timing, candidate.timing)
    return Comparison(
        baseline=baseline,
        candidate=candidate,
        equal=equal,
        speedup=speedup,
        speedup_ci=(low, high),
        memory_ratio=_ratio(baseline.peak_memory, candidate.peak_memory),
        verdict=verdict(speedup, low, high, min_effect),
        min_effect=min_effect,
        diff=_diff(baseline.report, candidate.report),
        rounds_planned=rounds_planned,
        interrupted=interrupted,
    )


def assemble(
    names: list[str],
    measured: Measured,
    equal: bool | None,
    min_effect: float,
    many: bool,
) -> Comparison | Ranking:
    """Each candidate against the first version; a Comparison when `many` is False.

    Parameters:
        names: the versions' names, the baseline first.
        measured: what the compare measured.
        equal: the result check's outcome (None: skipped).
        min_effect: the smallest relative change that counts.
        many: return a Ranking (the versions came as a dict) rather than a Comparison.
    """
    m = measured
    versions = [Version(*v) for v in zip(names, m.timed.timings, m.peaks, m.reports, strict=True)]
    comparisons = {
        candidate.name: pair(
            versions[0],
            candidate,
            equal,
            min_effect,
            rounds_planned=m.planned,
            interrupted=m.interrupted,
        )
        for candidate in versions[1:]
    }
    if not many:
        return comparisons[versions[1].name]
    return Ranking(comparisons, ranking_table(versions[0], comparisons))
