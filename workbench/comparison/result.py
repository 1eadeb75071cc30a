"""The result of a compare: is the candidate equal, faster, leaner, and why.

A Comparison is plain data, built once by `workbench.compare`. Like a Report it has thin
methods that hand the work on, imported when called: it renders itself (text and HTML,
in `workbench.render.comparison`) and saves itself next to the two Reports.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from workbench._files import atomic_write
from workbench.comparison.timing import MIN_ROUNDS, Timing
from workbench.errors import ReportExistsError
from workbench.report.report import Report
from workbench.report.storage import FILES

__all__ = ["Comparison", "Ranking", "Version", "existing_files", "times"]


@dataclass(frozen=True, eq=False)
class Version:
    """One version's measurements.

    Attributes:
        name: how the version is called in the output (its function name or expression).
        timing: seconds per call, one sample per round (`median`, `min`, `spread`).
        peak_memory: tracemalloc's peak in bytes during one call (a returned iterator is
            drained item by item, keeping none); None when an interrupted compare
            never measured it.
        report: the profile of one call; None when an interrupted compare never ran it.
    """

    name: str
    timing: Timing
    peak_memory: int | None
    report: Report | None


@dataclass(frozen=True, eq=False)
class Comparison:
    """A candidate against a baseline.

    Attributes:
        baseline, candidate: their `Version`s.
        equal: True when the results matched, None when the check was skipped.
        speedup: the median over the timed rounds of baseline time / candidate time,
            both measured in the same round (> 1: candidate faster).
        speedup_ci: the 95% confidence interval of `speedup`, (low, high); distribution-
            free (order statistics of the rounds' ratios), so honest for few rounds.
            With fewer than `MIN_ROUNDS` rounds it is unbounded: (0.0, inf).
        memory_ratio: baseline peak / candidate peak (> 1: the candidate uses less), or
            None if the candidate allocated nothing (or a peak was not measured).
        verdict: "faster", "slower" or "no significant difference" (always the latter
            when the interval is unbounded).
        min_effect: the smallest relative change that counts (0.03: 3%).
        diff: per function: calls and own time before and after, biggest change first
            (empty when an interrupted compare profiled neither version).
        rounds_planned: the rounds the compare set out to time (None: unknown).
        interrupted: a KeyboardInterrupt ended the compare early; the figures are those
            of the complete rounds.
    """

    baseline: Version
    candidate: Version
    equal: bool | None
    speedup: float
    speedup_ci: tuple[float, float]
    memory_ratio: float | None
    verdict: str
    min_effect: float
    diff: pd.DataFrame
    rounds_planned: int | None = None
    interrupted: bool = False

    @property
    def significant(self) -> bool:
        """Whether the timings show a real difference (see `verdict`)."""
        return self.verdict in ("faster", "slower")

    @property
    def rounds(self) -> int:
        """The number of complete timed rounds behind the figures."""
        return len(self.baseline.timing.samples)

    @property
    def bounded(self) -> bool:
        """Whether the rounds were enough for a confidence interval (`MIN_ROUNDS`)."""
        return math.isfinite(self.speedup_ci[1])

    def headline(self) -> str:
        """One sentence: the verdict with its numbers."""
        low, high = self.speedup_ci
        name, base = self.candidate.name, self.baseline.name
        cut = self._cut()
        if not self.bounded:
            few = f"{cut[2:]}, too few" if cut else f"{self.rounds} rounds are too few"
            so_far = " so far" if cut else ""
            return (
                f"{name} vs {base}: {few} for a verdict ({MIN_ROUNDS} are needed for a 95% "
                f"interval); speedup{so_far} {self.speedup:.2f}x"
            )
        ci = f"95% CI {low:.2f}-{high:.2f}x"
        if not self.significant:
            return f"{name} vs {base}: no significant difference ({self.speedup:.2f}x, {ci}){cut}"
        if self.verdict == "faster":
            return f"{name} is {times(self.speedup)} faster than {base} ({ci}){cut}"
        return (
            f"{name} is {times(1 / self.speedup)} slower than {base} "
            f"(speedup {self.speedup:.2f}x, {ci}){cut}"
        )

    def _cut(self) -> str:
        """ ", interrupted after k of n rounds" for an interrupted compare, else ""."""
        if not self.interrupted:
            return ""
        planned = f" of {self.rounds_planned}" if self.rounds_planned else ""
        return f", interrupted after {self.rounds}{planned} rounds"

    def to_dict(self) -> dict[str, Any]:
        """The figures as plain JSON-ready values (no Reports, no DataFrame)."""
        return {
            "baseline": _version_dict(self.baseline),
            "candidate": _version_dict(self.candidate),
            "equal": self.equal,
            "speedup": self.speedup,
            # JSON has no infinity: an unbounded interval (too few rounds) is null.
            "speedup_ci": [v if math.isfinite(v) else None for v in self.speedup_ci],
            "memory_ratio": self.memory_ratio,
            "verdict": self.verdict,
            "min_effect": self.min_effect,
            "rounds": self.rounds,
            "rounds_planned": self.rounds_planned,
            "interrupted": self.interrupted,
            "headline": self.headline(),
        }

    def to_text(self) -> str:
        """A plain-text rendering for terminals and logs."""
        from workbench.render.comparison import comparison_text

        return comparison_text(self)

    def to_html(self) -> str:
        """A self-contained HTML fragment; every name escaped."""
        from workbench.render.comparison import comparison_html

        return comparison_html(self)

    def save(self, directory: str | Path, *, overwrite: bool = False) -> dict[str, Path]:
        """Write comparison.json, comparison.html, comparison.csv (the diff) and both reports.

        The reports go to `baseline/` and `candidate/` below `directory` (see
        `Report.save`); an interrupted compare saves the reports it has.

        Raises:
            ReportExistsError: a file exists and `overwrite` is False (nothing written).
        """
        from workbench.render.comparison import comparison_page

        folder = Path(directory)
        files = {
            "json": json.dumps(self.to_dict(), indent=1).encode(),
            "html": comparison_page(self).encode(),
            "csv": self.diff.to_csv(index=False).encode(),
        }
        reports = {
            sub: version.report
            for sub, version in (("baseline", self.baseline), ("candidate", self.candidate))
            if version.report is not None
        }
        return _save_all(folder, files, reports, overwrite)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"<Comparison {self.headline()}>"

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.to_text())


@dataclass(frozen=True, eq=False)
class Ranking:
    """Several candidates against the first version, timed in the same rounds.

    Attributes:
        comparisons: each candidate's Comparison against the first version, by name.
        table: one row per version, fastest first: name, median, min, spread (seconds),
            speedup, ci_low, ci_high (against the first), verdict, peak_memory,
            memory_ratio, equal.
    """

    comparisons: dict[str, Comparison]
    table: pd.DataFrame

    def to_text(self) -> str:
        """A plain-text rendering."""
        from workbench.render.comparison import ranking_text

        return ranking_text(self)

    def to_html(self) -> str:
        """A self-contained HTML fragment."""
        from workbench.render.comparison import ranking_html

        return ranking_html(self)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.to_text())


def _version_dict(version: Version) -> dict[str, Any]:
    t = version.timing
    return {
        "name": version.name,
        "median": t.median,
        "min": t.min,
        "spread": t.spread,
        "samples": list(t.samples),
        "calls_per_sample": t.number,
        "peak_memory": version.peak_memory,
    }


def times(ratio: float) -> str:
    """A ratio above 1 in words: "1.25x", or "0.4%" when two decimals would say 1.00x."""
    if f"{ratio:.2f}" == "1.00":
        return f"{ratio - 1:.1%}"
    return f"{ratio:.2f}x"


_KINDS = ("json", "html", "csv")
_SUBFOLDERS = ("baseline", "candidate")


def existing_files(directory: str | Path) -> list[Path]:
    """The files that saving a comparison to `directory` would replace (none: [])."""
    folder = Path(directory)
    paths = [folder / f"comparison.{kind}" for kind in _KINDS]
    paths += [folder / sub / name for sub in _SUBFOLDERS for name in FILES.values()]
    return [p for p in paths if os.path.lexists(p)]  # a dangling symlink is in the way too


def _save_all(
    folder: Path, files: dict[str, bytes], reports: dict[str, Report], overwrite: bool
) -> dict[str, Path]:
    """Write a comparison's files and reports, refusing before writing anything."""
    targets = {kind: folder / f"comparison.{kind}" for kind in files}
    taken = existing_files(folder)
    if taken and not overwrite:
        raise ReportExistsError(
            f"not saving: {', '.join(map(str, taken))} exist; pass overwrite=True "
            "(magic: --overwrite) or choose another folder"
        )
    folder.mkdir(parents=True, exist_ok=True)
    for kind, path in targets.items():
        atomic_write(path, files[kind], overwrite=overwrite)
    paths = dict(targets)
    for sub, report in reports.items():
        for kind, path in report.save(folder / sub, overwrite=overwrite).items():
            paths[f"{sub}_{kind}"] = path
    return paths
