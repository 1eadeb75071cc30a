"""Rendering: text and HTML show the same facts, and HTML escapes every name and path."""

from __future__ import annotations

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
