"""Rendering: text and HTML show the same facts, and HTML escapes every name and path."""

from __future__ import annotations

import pstats
from pathlib import Path
from typing import Any

import workbench
from tests import workloads

EVIL = "<script>alert(1)</script>"


def _evil_function(tmp_path: Path) -> Any:
    """A function whose name, file path and source all contain a script tag."""
    folder = tmp_path / "<script>alert(2)"  # a "/" cannot be in a folder name
    folder.mkdir()
    path = folder / "evil.py"
    path.write_text(f"def evil(n):\n    s = '{EVIL}'\n    return sum(range(n)) or s\n")
    namespace: dict[str, Any] = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    function = namespace["evil"]
    function.__code__ = function.__code__.replace(co_name=EVIL)
    return function


def test_html_escapes_names_paths_and_source(tmp_path: Path) -> None:
    evil = _evil_function(tmp_path)
    with workbench.profiling(lines=[evil], memory="tracemalloc", label=EVIL) as run:
        evil(1000)
    html = run.report.to_html()
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    functions = run.report.functions
    assert EVIL in set(functions["function"])
    assert any("<script>alert(2)" in f for f in functions["file"])
    assert any(EVIL in s for s in run.report.lines["source"])
    page = run.report.save(tmp_path / "saved")["html"].read_text()
    assert "<script" not in page


def test_html_is_self_contained() -> None:
    report = workbench.profile(workloads.pipeline, 10_000)
    html = report._repr_html_()
    for needle in ("http://", "https://", "<script", "<link", "<img", "@import"):
        assert needle not in html
    assert "<svg" in html  # the RSS timeline is drawn inline


def test_text_and_html_show_the_same_tables() -> None:
    with workbench.profiling(lines=[workloads.score], top=3) as run:
        workloads.pipeline(10_000)
    text, html = run.report.to_text(), run.report.to_html()
    for heading in ("Functions: top 3 of", "Lines of score", "peak memory", "hottest line"):
        assert heading in text
        assert heading in html
    assert "total += (v * k) % 7" in text
    assert str(run.report) == text
    assert repr(run.report).startswith("<Report 'profiled block'")


def test_icicle_follows_the_call_tree() -> None:
    from workbench.render.icicle import icicle_boxes

    report = workbench.profile(workloads.pipeline, 20_000)
    boxes, _, _ = icicle_boxes(report.profile_data)
    by_name = {b.key[2]: b for b in boxes}
    assert boxes[0].key[2] == "pipeline"
    assert boxes[0].depth == 0
    assert by_name["score"].depth == by_name["parse"].depth == 1
    assert by_name["parse"].calls == 1
    # children sit inside their parent, left to right
    root = boxes[0]
    for child in (by_name["parse"], by_name["score"]):
        assert root.x <= child.x
        assert child.x + child.width <= root.x + root.width + 1e-9
    html = report.to_html()
    assert 'class="awb-icicle"' in html
    assert "pipeline" in html
    assert "1 calls" in html  # the tooltip of a box


def test_a_huge_profile_renders_small_and_saves_whole(tmp_path: Path) -> None:
    run = workloads.many_functions(50_000)

    # No sampler (no lines, no hints' evidence): the icicle is drawn from cProfile's
    # 50,000 entries, as the test means. With 30+ samples it was drawn from those, whose
    # few stacks all fit, and "too small to draw" was missing (1 run in 4).
    with workbench.profiling(lines=None, memory="off", hints=False) as session:
        run()
    report = session.report
    assert len(report.functions) > 50_000
    html = report.to_html()
    assert len(html.encode()) < 2 * 2**20
    assert "in calls too small or too deep to draw" in html
    assert html.count('class="awb-box"') <= 1500
    text = report.to_text()
    assert len(text.splitlines()) < 200  # shown tables capped at `top` rows
    paths = report.save(tmp_path)  # the saved files keep every function
    assert workbench.Report.load(paths["json"]) == report
    assert pstats.Stats(str(paths["prof"])).total_calls >= 50_000


def test_icicle_draws_a_profile_whose_callers_form_a_loop() -> None:
    """No function looks called from outside: the widest one becomes the root."""
    import marshal

    from workbench.render.icicle import icicle_boxes

    a, b = ("m.py", 1, "a"), ("m.py", 5, "b")
    stats = {
        a: (1, 1, 0.1, 1.0, {b: (1, 1, 0.1, 1.0)}),
        b: (1, 1, 0.2, 0.9, {a: (1, 1, 0.2, 0.9)}),
    }
    boxes, total, _ = icicle_boxes(marshal.dumps(stats))
    assert [(box.key, box.depth) for box in boxes] == [(a, 0), (b, 1)]
    assert total == 1.0


def _same_name_in(folder: Path) -> Any:
    """A function calling two functions both named `work` at line 1 of two files."""
    works = []
    for name in ("first", "second"):
        (folder / name).mkdir()
        path = folder / name / "mod.py"
        path.write_text("def work(n):\n    return sum(range(n))\n")
        namespace: dict[str, Any] = {}
        exec(compile(path.read_text(), str(path), "exec"), namespace)
        works.append(namespace["work"])

    def both() -> int:
        return int(works[0](50_000) + works[1](50_000))

    return both


def test_icicle_tells_functions_apart_that_share_a_name_and_first_line(tmp_path: Path) -> None:
    # Every module's <module> starts at line 1 too: a box took the file (and the time
    # correction) of whichever row of that name and line came last in the table.
    report = workbench.profile(_same_name_in(tmp_path))
    files = set(report.functions.loc[report.functions["function"] == "work", "file"])
    assert len(files) == 2
    html = report.to_html()
    for file in files:
        assert f"<title>work  {file}:1" in html
