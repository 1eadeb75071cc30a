"""Saving and loading: pstats and snakeviz read the .prof, JSON round-trips, no overwrite."""

from __future__ import annotations

import json
import pstats
from pathlib import Path

import pytest

import workbench
from tests import workloads


@pytest.fixture(scope="module")
def report() -> workbench.Report:
    with workbench.profiling(lines=[workloads.score], memory="tracemalloc") as run:
        workloads.pipeline(20_000)
    return run.report


def test_save_writes_three_files_that_load(report: workbench.Report, tmp_path: Path) -> None:
    paths = report.save(tmp_path / "out")
    assert set(paths) == {"prof", "json", "html"}
    stats = pstats.Stats(str(paths["prof"]))
    names = {name for (_, _, name) in stats.stats}  # type: ignore[attr-defined]
    assert {"score", "parse", "pipeline"} <= names
    assert paths["html"].read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "profile.prof",
        "report.html",
        "report.json",
    ]


def test_load_round_trips(report: workbench.Report, tmp_path: Path) -> None:
    report.save(tmp_path)
    loaded = workbench.Report.load(tmp_path / "report.json")
    assert loaded == report
    assert workbench.Report.load(tmp_path) == report
    for table in ("functions", "lines", "memory", "timeline"):
        assert (getattr(loaded, table).dtypes == getattr(report, table).dtypes).all()
    assert loaded.result is None


def test_pstats_view_matches_the_table(report: workbench.Report) -> None:
    stats = report.pstats()
    total_calls = stats.total_calls  # type: ignore[attr-defined]
    assert total_calls == report.summary.total_calls


def test_never_overwrites_unless_asked(report: workbench.Report, tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text("keep me")
    with pytest.raises(workbench.ReportExistsError, match="overwrite=True"):
        report.save(tmp_path)
    assert (tmp_path / "report.json").read_text() == "keep me"
    assert not (tmp_path / "profile.prof").exists()  # nothing written at all
    report.save(tmp_path, overwrite=True)
    assert json.loads((tmp_path / "report.json").read_text())["format"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_loading_something_else_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text('{"format": "other"}')
    with pytest.raises(workbench.ReportFormatError, match="not an Architect Workbench report"):
        workbench.Report.load(tmp_path)
    (tmp_path / "report.json").write_text("{")
    with pytest.raises(workbench.ReportFormatError, match="cannot read"):
        workbench.Report.load(tmp_path)


def test_saving_into_a_file_is_a_save_error(report: workbench.Report, tmp_path: Path) -> None:
    from workbench.errors import SaveError

    a_file = tmp_path / "report.html"
    a_file.write_text("keep me")
    for target in (a_file, a_file / "inside"):
        with pytest.raises(workbench.WorkbenchError) as refused:
            report.save(target)
        assert isinstance(refused.value, SaveError)
        assert isinstance(refused.value, OSError)
        assert f"{a_file} is a file" in str(refused.value)
    with pytest.raises(SaveError, match="give the folder to write the report's files into"):
        report.save(a_file)
    assert a_file.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_an_existing_file_is_also_a_save_error(report: workbench.Report, tmp_path: Path) -> None:
    from workbench.errors import SaveError

    (tmp_path / "report.json").write_text("keep me")
    with pytest.raises(SaveError):
        report.save(tmp_path)
