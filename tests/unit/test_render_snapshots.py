"""Snapshot tests of the renderers: saved reports with fixed numbers, rendered exactly.

Each folder of `tests/fixtures/reports/` holds a `report.json` saved from a real run (so
its numbers never change) and the text and HTML the renderers made of it when it was
saved. A change to a renderer shows here as a diff. After an intended change, rewrite
the expected files with `UPDATE_SNAPSHOTS=1 make unit` and review the diff.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

import workbench
from workbench.comparison import Comparison, Ranking, Version
from workbench.comparison.assemble import pair
from workbench.comparison.ranking import ranking_table
from workbench.comparison.timing import Timing

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
REPORTS = sorted(p.name for p in FIXTURES.iterdir() if (p / "report.json").exists())


def _matches(path: Path, rendered: str) -> None:
    """Compare `rendered` with the snapshot at `path` (or rewrite it when asked)."""
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8"), f"{path} differs"


@pytest.mark.parametrize("name", REPORTS)
def test_text_of_a_saved_report(name: str) -> None:
    report = workbench.Report.load(FIXTURES / name)
    _matches(FIXTURES / name / "expected.txt", report.to_text() + "\n")


@pytest.mark.parametrize("name", REPORTS)
def test_html_of_a_saved_report(name: str) -> None:
    report = workbench.Report.load(FIXTURES / name)
    _matches(FIXTURES / name / "expected.html", report.to_html() + "\n")


@pytest.mark.parametrize("name", REPORTS)
def test_a_saved_report_saves_again_and_renders_the_same(name: str, tmp_path: Path) -> None:
    """The fixtures are version 1 files; saved again they are the current version."""
    old = workbench.Report.load(FIXTURES / name)
    new = workbench.Report.load(old.save(tmp_path)["json"])
    assert new == old
    assert new.summary.plan == old.summary.plan
    assert new.to_text() == old.to_text()
    assert new.to_html() == old.to_html()


def test_the_plan_of_an_old_report_comes_from_its_lenses() -> None:
    plans = {name: workbench.Report.load(FIXTURES / name).summary.plan for name in REPORTS}
    assert (plans["sampled"].lines, plans["sampled"].memory) == ("sampled", "rss")
    assert (plans["traced"].lines, plans["traced"].memory) == ("traced", "tracemalloc")
    assert (plans["memory_lines"].lines, plans["memory_lines"].memory) == ("off", "lines")
    assert (plans["raised"].lines, plans["raised"].memory) == ("off", "off")


def test_every_kind_of_report_has_a_snapshot() -> None:
    assert set(REPORTS) >= {"sampled", "traced", "memory_lines", "async", "raised", "unfinished"}


def _version(name: str, seconds: tuple[float, ...], peak: int, report: str) -> Version:
    return Version(name, Timing(seconds, 1), peak, workbench.Report.load(FIXTURES / report))


def _comparison(baseline: Version, candidate: Version) -> Comparison:
    return pair(baseline, candidate, True, 0.03)


def test_comparison_and_ranking_render_exactly() -> None:
    slow = _version("slow", (0.30, 0.31, 0.29, 0.30, 0.32, 0.31), 4_000_000, "traced")
    fast = _version("fast", (0.10, 0.11, 0.10, 0.09, 0.10, 0.10), 1_000_000, "sampled")
    same = _version("same", (0.30, 0.29, 0.31, 0.30, 0.31, 0.30), 4_000_000, "raised")
    comparison = _comparison(slow, fast)
    folder = FIXTURES.parent / "comparison"
    _matches(folder / "expected.txt", comparison.to_text() + "\n")
    _matches(folder / "expected.html", comparison.to_html() + "\n")
    comparisons = {"fast": comparison, "same": _comparison(slow, same)}
    ranking = Ranking(comparisons, ranking_table(slow, comparisons))
    _matches(folder / "ranking.txt", ranking.to_text() + "\n")
    _matches(folder / "ranking.html", ranking.to_html() + "\n")


def test_rows_shown_are_a_rendering_option_not_data() -> None:
    report = workbench.Report.load(FIXTURES / "sampled")
    assert "Functions: top 2 of 8 by own time" in report.to_text(top=2)
    assert "Functions: top 2 of 8 by own time" in report.to_html(top=2)
    assert report.to_text() == report.to_text(top=report.display.top)
    assert replace(report, display=workbench.Display(top=3)) == report
    with pytest.raises(workbench.OptionError, match="top=0"):
        report.to_text(top=0)
