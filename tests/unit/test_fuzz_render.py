"""Hostile names rendered: every page holds only the elements the renderers write.

Reports come from the saved fixtures with every string replaced by a hostile one (script
tags, attribute breakers, comment and CDATA openers, `javascript:`, quotes, lone
surrogates, NUL, line and paragraph separators, bidirectional controls, very long
strings): function and file names, the profile's own keys, labels, notes, warnings,
errors, source lines, hints, task names and groups, worker addresses. Each rendering is
parsed with the stdlib HTMLParser: it must encode to UTF-8, hold no element, attribute
or attribute value beyond what the renderers write, and show the hostile text as text.
Bounded and derandomized, so a run is repeatable.
"""

from __future__ import annotations

import itertools
import json
import marshal
import re
from collections.abc import Iterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench
from workbench.comparison import Version
from workbench.comparison.assemble import pair
from workbench.comparison.timing import Timing
from workbench.render.comparison import comparison_page
from workbench.render.escape import escape_html, escape_url, script_json, visible
from workbench.render.html import STYLE, render_page
from workbench.report.schema import frame
from workbench.report.summary import ClusterFigures

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
REPORTS = sorted(p.name for p in FIXTURES.iterdir() if (p / "report.json").exists())
CLIENT = "client"

ATOMS = (
    "</script><script>alert(1)</script>",
    "x</script><script>alert(document.domain)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "<svg onload=alert(1)>",
    "<!--",
    "-->",
    "]]>",
    "<![CDATA[",
    "</style><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<a href=javascript:alert(1)>x</a>",
    "javascript:alert(1)",
    '"',
    "'",
    "`",
    "&amp;",
    "&#x3c;script",
    "\ud800",
    "caf\udce9.py",
    "\udfff\ud83d",
    "\x00",
    "\x1b[2J",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\u200f",
    "\ufeff",
    "\r\n",
    "client",
    "erred",
    "B",
    "x" * 5000,
)

# Every element and attribute the renderers write (report, page, comparison).
TAGS = {
    "html", "head", "meta", "title", "body", "div", "style", "h3", "h4", "span", "dl", "dt",
    "dd", "p", "table", "thead", "tbody", "tr", "th", "td", "ol", "li", "b", "br", "code",
    "svg", "polyline", "g", "circle", "text", "rect", "line", "details", "summary",
}  # fmt: skip
ATTRIBUTES = {
    "lang", "charset", "class", "style", "width", "height", "role", "aria-label", "fill",
    "stroke", "stroke-width", "points", "cx", "cy", "r", "x", "y", "text-anchor", "x1", "y1",
    "x2", "y2", "fill-opacity",
}  # fmt: skip
# Attribute values are numbers, colours, class names and fixed styles; aria-label holds a
# caption of numbers and units. None holds a name.
SAFE_VALUE = re.compile(r"[A-Za-z0-9 .,:;%#()_\-/+=…']*")

hostile = st.one_of(
    st.sampled_from(ATOMS),
    st.lists(st.sampled_from(ATOMS), min_size=2, max_size=4).map("".join),
    st.text(st.characters(exclude_categories=()), min_size=1, max_size=12),
)
pools = st.lists(hostile, min_size=5, max_size=9)


class Page(HTMLParser):
    """Every element, attribute, text and markup declaration of a page."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.texts: list[str] = []
        self.styles: list[str] = []
        self.other: list[str] = []  # comments, processing instructions, CDATA
        self.declarations: list[str] = []
        self._in_style = False
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        (self.styles if self._in_style else self.texts).append(data)

    def handle_comment(self, data: str) -> None:
        self.other.append(f"comment {data!r}")

    def handle_pi(self, data: str) -> None:
        self.other.append(f"pi {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.other.append(f"decl {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.declarations.append(decl)

    @property
    def text(self) -> str:
        return "".join(self.texts)


def check_page(page: str, names: list[str]) -> Page:
    """The checks every rendering passes; returns the parsed page."""
    page.encode("utf-8")  # strict: a lone surrogate would raise here
    parsed = Page(page)
    assert {tag for tag, _ in parsed.tags} <= TAGS
    for tag, attrs in parsed.tags:
        for name, value in attrs:
            assert name in ATTRIBUTES, (tag, name)
            assert value is not None
            assert SAFE_VALUE.fullmatch(value), (tag, name, value)
    assert parsed.other == []
    assert set(parsed.declarations) <= {"DOCTYPE html"}
    assert set(parsed.styles) <= {STYLE}
    text = parsed.text
    for name in names:
        assert visible(name) in text, name
    return parsed


def _cycle(pool: list[str]) -> Iterator[str]:
    return itertools.cycle(pool)


def _keys(pool: list[str]) -> list[tuple[str, int, str]]:
    """Six functions named from the pool, lines 1..6 (so no two keys are the same)."""
    names = _cycle(pool)
    return [(next(names), line, next(names)) for line in range(1, 7)]


def _profile(keys: list[tuple[str, int, str]]) -> bytes:
    """A call chain keys[0] -> keys[1] -> ... as cProfile marshals it."""
    stats = {}
    for i, key in enumerate(keys):
        cumulative = 0.1 * (len(keys) - i)
        callers = {keys[i - 1]: (1, 1, 0.01, cumulative)} if i else {}
        stats[key] = (1, 1, 0.1, cumulative, callers)
    return marshal.dumps(stats)


def hostile_report(base: workbench.Report, pool: list[str]) -> workbench.Report:
    """`base` with every string it shows drawn from `pool`."""
    s = _cycle(pool)
    keys = _keys(pool)
    where = itertools.cycle([CLIENT, *pool])
    functions = frame(
        "functions",
        [
            {"function": name, "file": next(s), "line": line, "ncalls": 2 + i,
             "primitive_calls": 2, "tottime": 0.1, "cumtime": 0.6 - 0.1 * i,
             "raw_tottime": 0.12, "raw_cumtime": 0.7 - 0.1 * i, "share": 0.9 - 0.1 * i,
             "user_code": i % 2 == 0, "where": CLIENT if i < 3 else next(where)}
            for i, (_, line, name) in enumerate(keys)
        ],
    )  # fmt: skip
    stacks = frame(
        "stacks",
        [
            {"stack": stack, "depth": depth, "function": key[2], "file": key[0],
             "line": key[1], "samples": 40, "seconds": 0.4}
            for stack, chain in enumerate((keys, keys[:3]))
            for depth, key in enumerate(chain)
        ],
    )  # fmt: skip
    lines = frame(
        "lines",
        [
            {"function": next(s), "file": next(s), "lineno": n, "hits": n if n % 2 else pd.NA,
             "samples": n, "time": 0.01 * n, "share": 0.1 * n, "source": next(s),
             "method": ("sampled", "traced", next(s))[n % 3], "where": next(where)}
            for n in range(1, 7)
        ],
    )  # fmt: skip
    memory = frame(
        "memory",
        [
            {"function": next(s), "file": next(s), "lineno": n, "size": 1000 * n - 2500,
             "count": n % 3, "rss": pd.NA if n % 2 else 1 << 20, "source": next(s),
             "user_code": bool(n % 2), "method": next(s)}
            for n in range(1, 5)
        ],
    )  # fmt: skip
    workers = (next(s), next(s))
    tasks = frame(
        "tasks",
        [
            {"task": next(s), "coroutine": next(s), "file": next(s), "line": n,
             "resumptions": n, "cpu": 0.01, "running": 0.02, "waiting": 0.03 * n,
             "wall": 0.1, "start": 0.01 * n, "state": ("erred", next(s))[n % 2],
             "user_code": True, "where": CLIENT if n < 3 else workers[n % 2], "key": next(s),
             "group": next(s), "worker": workers[n % 2], "thread": n if n % 3 else pd.NA,
             "stop": 0.05 + 0.01 * n, "compute": 0.02, "transfer": 0.01 * (n % 2)}
            for n in range(1, 7)
        ],
    )  # fmt: skip
    hints = frame(
        "hints",
        [
            {"kind": next(s), "where": next(s), "evidence": next(s), "max_gain": 0.5,
             "unit": ("B", next(s))[n % 2], "suggestion": next(s), "function": next(s),
             "file": next(s), "line": n}
            for n in range(2)
        ],
    )  # fmt: skip
    timeline = frame(
        "timeline",
        [{"t": t / 10, "rss": 1000 + t, "where": CLIENT} for t in range(4)]
        + [{"t": 0.1, "rss": 5 << 20, "where": workers[0]}],
    )
    cluster = ClusterFigures(
        workers=workers, tasks=6, compute_seconds=0.3, transfer_seconds=0.01,
        idle_seconds=0.09, task_seconds=0.4, slowest_group=next(s),
        slowest_group_seconds=0.3, complete=False,
    )  # fmt: skip
    summary = replace(
        base.summary,
        label=next(s),
        error=next(s),
        notes=(next(s), next(s)),
        warnings=(next(s),),
        hottest_function=next(s),
        hottest_line=next(s),
        lenses=(next(s), next(s)),
        python_version=next(s),
        started_at=next(s),
        correction=next(s),
        cluster=cluster,
    )
    return replace(
        base,
        summary=summary,
        functions=functions,
        lines=lines,
        memory=memory,
        timeline=timeline,
        tasks=tasks,
        hints=hints,
        stacks=stacks,
        profile_data=_profile(keys),
    )


_BASES = {name: workbench.Report.load(FIXTURES / name) for name in REPORTS}


def _shown(report: workbench.Report) -> list[str]:
    """Names every rendering shows whole: the label, notes, the top function's name."""
    s = report.summary
    return [s.label, *s.notes, *s.warnings, str(report.functions["function"].iloc[0])]


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(base=st.sampled_from(REPORTS), pool=pools)
def test_hostile_reports_render_as_text_only(base: str, pool: list[str]) -> None:
    report = hostile_report(_BASES[base], pool)
    fragment = report.to_html()
    check_page(fragment, _shown(report))
    parsed = check_page(render_page(report, report.display), _shown(report))
    assert parsed.declarations == ["DOCTYPE html"]
    assert isinstance(report.to_text(), str)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(pool=pools, names=st.tuples(hostile, hostile))
def test_hostile_comparisons_render_as_text_only(pool: list[str], names: tuple[str, str]) -> None:
    before = hostile_report(_BASES["traced"], pool)
    after = hostile_report(_BASES["sampled"], pool[::-1])
    baseline = Version(names[0], Timing((0.3, 0.31, 0.29, 0.3), 1), 4_000_000, before)
    candidate = Version(names[1], Timing((0.1, 0.11, 0.1, 0.09), 1), 1_000_000, after)
    comparison = pair(baseline, candidate, True, 0.03)
    check_page(comparison.to_html(), list(names))
    parsed = check_page(comparison_page(comparison), list(names))
    assert parsed.declarations == ["DOCTYPE html"]
    assert isinstance(comparison.to_text(), str)


def test_the_benign_fixtures_stay_within_the_same_elements() -> None:
    """The allowed sets are what the renderers write, not a guess: every fixture's page
    uses only them, and no page of ours holds a script element."""
    seen: set[str] = set()
    for report in _BASES.values():
        parsed = check_page(render_page(report, report.display), [report.summary.label])
        seen |= {tag for tag, _ in parsed.tags}
    assert "script" not in seen
    assert {"svg", "table", "title", "style"} <= seen


def test_a_surrogate_in_a_path_renders_visibly_and_saves(tmp_path: Path) -> None:
    """A script path that is not UTF-8 (decoded with surrogateescape) once made the HTML
    write fail; it shows as its escape and the saved page is UTF-8."""
    report = hostile_report(_BASES["sampled"], ["caf\udce9.py", "\ud800", "ok"])
    html = report.to_html()
    assert "caf\\udce9.py" in html
    assert "\\ud800" in html
    saved = report.save(tmp_path / "saved", formats=("html", "json"))
    page = saved["html"].read_bytes().decode("utf-8")
    assert "caf\\udce9.py" in page
    loaded = workbench.Report.load(saved["json"])
    assert loaded.summary.label == report.summary.label


def test_the_escaping_rule() -> None:
    assert escape_html("<a href='x'>\"&") == "&lt;a href=&#x27;x&#x27;&gt;&quot;&amp;"
    assert escape_html("caf\udce9 \x00 \u202e \t\n") == "caf\\udce9 \\x00 \\u202e \t\n"
    assert escape_html(3) == "3"
    data: dict[str, Any] = {"</script><!--": ["\u2028\u2029&", "\udce9"], "n": float("inf")}
    text = script_json(data)
    assert text.isascii()
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == data
    assert escape_url("http://127.0.0.1:1/a?b=1&c=2") == "http://127.0.0.1:1/a?b=1&amp;c=2"
    for url in ("javascript:alert(1)", " javascript:alert(1)", "JaVaScRiPt:x", "data:text/html,x"):
        with pytest.raises(ValueError, match="not an http"):
            escape_url(url)
