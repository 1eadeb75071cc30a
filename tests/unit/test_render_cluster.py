"""Rendering a run whose Dask tasks were followed into the workers.

The reports are synthetic (no cluster): a real profile of a trivial call, its tables
extended with rows of two workers and its summary with the cluster's figures, so every
figure the renderers show is known here.
"""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape
from pathlib import Path

import pytest

import workbench
from tests.cluster_reports import EVIL, FIGURES, TASKS, A, B, cluster_report
from workbench.options import Display
from workbench.render import taskstream
from workbench.render.format import fmt_bytes, fmt_seconds, fmt_share
from workbench.render.view import build_view

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"


def _svg(html: str) -> str:
    found = re.findall(r'<svg class="awb-taskstream".*?</svg>', html, re.S)
    assert len(found) == 1
    return str(found[0])


@pytest.fixture(scope="module")
def report() -> workbench.Report:
    return cluster_report()


def test_without_workers_the_output_is_as_before(tmp_path: Path) -> None:
    """A report of the client alone, saved as today's version, renders as its snapshot."""
    for name in ("sampled", "async", "traced"):
        old = workbench.Report.load(FIXTURES / name)
        new = workbench.Report.load(old.save(tmp_path / name)["json"])
        assert new.summary.cluster is None
        assert set(new.functions["where"]) == {"client"}
        assert new.to_text() + "\n" == (FIXTURES / name / "expected.txt").read_text()
        assert new.to_html() + "\n" == (FIXTURES / name / "expected.html").read_text()
    text, html = workbench.profile(lambda: None).to_text(), workbench.profile(sum, []).to_html()
    assert re.search(r"(?m)^ +own time +share +cumulative +calls +function +where$", text)
    for missing in ("Dask", "of the client", "RSS, from each worker"):
        assert missing not in text
    assert "awb-taskstream" not in html
    assert '<th class="awb-l">process</th>' not in html


def test_functions_show_the_process_of_each_row(report: workbench.Report) -> None:
    view = build_view(report, Display(top=100))
    table = view.functions
    assert table.headers == ("own time", "share", "cumulative", "calls", "process", "function",
                             "where")  # fmt: skip
    by_process = {row[4] for row in table.rows if row[5] == "work"}
    assert by_process == {A, B}
    assert {row[4] for row in table.rows if row[5] != "work"} == {"client"}
    text = report.to_text(top=100)
    assert re.search(r"(?m)^ +own time +share +cumulative +calls +process +function +where$", text)
    assert re.search(rf"(?m)^.* {re.escape(A)} +work +cell\.py:3$", text)
    assert '<th class="awb-l">process</th>' in report.to_html()


def test_line_blocks_name_their_process_and_method(report: workbench.Report) -> None:
    blocks = build_view(report, Display()).line_blocks
    titles = [b.title for b in blocks]
    assert f"Lines of work in {A}  (cell.py, sampled wall time)" in titles
    assert f"Lines of work in {B}  (cell.py, sampled wall time)" in titles
    mine = next(b for b in blocks if b.title.startswith(f"Lines of work in {A}"))
    assert mine.headers[1] == "samples"
    assert [row[:2] for row in mine.rows] == [("3", "6"), ("4", "")]
    assert all(" in the client " in t for t in titles if "tcp://" not in t)


def test_the_summary_splits_the_wall_time(report: workbench.Report) -> None:
    text = report.to_text()
    assert "Dask cluster: 4 tasks on 2 workers" in text
    compute = f"{fmt_seconds(0.30)} ({fmt_share(0.30 / 0.4)} of wall)"
    assert re.search(rf"compute in workers +{re.escape(compute)}", text)
    assert f"data transfer       {fmt_seconds(0.01)} ({fmt_share(0.01 / 0.4)} of wall)" in text
    assert f"no task running     {fmt_seconds(0.09)} ({fmt_share(0.09 / 0.4)} of wall)" in text
    slowest = f"inc: {fmt_seconds(0.30)} of the tasks' {fmt_seconds(0.40)} compute"
    assert slowest in text
    assert f"({fmt_share(0.75)})" in text
    assert "not every worker" not in text
    html = report.to_html()
    assert "<h4>Dask cluster: 4 tasks on 2 workers</h4>" in html
    assert f"<dt>compute in workers</dt><dd>{escape(compute)}" in html


def test_an_incomplete_cluster_says_so() -> None:
    report = cluster_report()
    single = replace(FIGURES, workers=(A,), tasks=1, complete=False, slowest_group=None)
    report = replace(report, summary=replace(report.summary, cluster=single))
    text = report.to_text()
    assert "Dask cluster: 1 task on 1 worker\n" in text
    assert "slowest task group  none" in text
    assert "not every worker's profile came back" in text
    assert "not every worker&#x27;s profile came back" in report.to_html()


def test_the_task_stream_has_a_lane_per_thread_and_a_box_per_task(
    report: workbench.Report,
) -> None:
    svg = _svg(report.to_html())
    lanes = {(t[2], t[3]) for t in TASKS}
    assert taskstream.lanes(report.tasks) == sorted(lanes)
    assert svg.count('text-anchor="end"') == len(lanes)
    assert f">{A} #1</text>" in svg
    assert f">{A} #2</text>" in svg
    assert f">{B} #1</text>" in svg
    assert svg.count('<rect class="awb-task"') == len(TASKS)
    assert svg.count('<rect class="awb-transfer"') == sum(1 for t in TASKS if t[6] > 0)
    assert svg.count("<title>") == len(TASKS) + sum(1 for t in TASKS if t[6] > 0)
    # Groups take the palette's colours in the order they first started.
    colours = dict(re.findall(r'class="awb-key"[^>]*fill="(#\w+)"/><text[^>]*>([^<]*)<', svg))
    assert colours == {
        taskstream.PALETTE[0]: "inc",
        taskstream.PALETTE[1]: escape(EVIL),
        taskstream.PALETTE[2]: "sum",
    }
    assert ">0.0 s</text>" in svg
    assert "sum-0\ngroup sum" in svg


def test_the_task_stream_escapes_every_text(report: workbench.Report) -> None:
    html = report.to_html()
    assert EVIL not in html
    assert "<script" not in html
    assert f"<title>{escape(EVIL)}\ngroup {escape(EVIL)}, {A} #2" in html


def test_the_task_stream_draws_at_most_max_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    many = tuple((f"t-{i}", "t", A, 1, i / 100, 0.005, 0.0) for i in range(12))
    monkeypatch.setattr(taskstream, "MAX_TASKS", 5)
    html = cluster_report(many).to_html()
    svg = _svg(html)
    assert svg.count('<rect class="awb-task"') == 5
    assert "Dask task stream: 12 tasks on 1 worker thread" in html
    assert "the first 5 drawn" in html
    assert ">t-4\n" in svg
    assert ">t-5\n" not in svg


def test_dask_tasks_are_not_asyncio_tasks(report: workbench.Report) -> None:
    assert build_view(report, Display()).tasks is None
    assert "Tasks: top" not in report.to_text()


def test_the_timeline_is_the_clients_and_workers_have_their_memory(
    report: workbench.Report,
) -> None:
    view = build_view(report, Display())
    assert view.timeline == tuple((t / 10, 1000 + t) for t in range(5))
    text = report.to_text()
    assert "RSS timeline of the client (5 samples over 0.40 s): 1000 B .. 1004 B" in text
    memory = view.worker_memory
    assert memory is not None
    assert memory.rows == ((fmt_bytes(7 << 20), "2", A), (fmt_bytes(3 << 20), "1", B))
    assert memory.shares == (1.0, 3 / 7)
    assert re.search(rf"{re.escape(fmt_bytes(7 << 20))} +2 +{re.escape(A)}", text)
    html = report.to_html()
    assert "RSS of the client 1000 B .. 1004 B" in html
    assert f'<td class="awb-l">{A}</td>' in html
    assert build_view(workbench.profile(lambda: None), Display()).worker_memory is None
