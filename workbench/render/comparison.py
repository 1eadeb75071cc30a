"""Text and HTML for a Comparison or a Ranking: the verdict, the versions, the diff."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from workbench.render.escape import escape_html, visible
from workbench.render.format import Table, fmt_bytes, fmt_seconds, records
from workbench.render.html import STYLE, table_html
from workbench.render.text import table_lines

if TYPE_CHECKING:  # renderers read a Comparison; only its type is imported
    from workbench.comparison.result import Comparison, Ranking

__all__ = [
    "comparison_html",
    "comparison_page",
    "comparison_text",
    "diff_table",
    "ranking_html",
    "ranking_text",
]

DIFF_ROWS = 15


NOT_MEASURED = "not measured"


def _bytes(size: int | None) -> str:
    """Bytes, or "not measured" for a peak an interrupted compare did not measure."""
    return NOT_MEASURED if size is None or pd.isna(size) else fmt_bytes(size)


def _less_or_more(ratio: float) -> str:
    """A memory ratio (baseline / candidate) in words; "about the same" when two decimals
    would say 1.00x (never "1.00x less")."""
    if f"{ratio:.2f}" == "1.00" or f"{1 / ratio:.2f}" == "1.00":
        return "about the same"
    return f"{ratio:.2f}x less" if ratio > 1 else f"{1 / ratio:.2f}x more"


def _memory(comparison: Comparison) -> str:
    base, cand = comparison.baseline.peak_memory, comparison.candidate.peak_memory
    if base is None or cand is None:
        return f"{NOT_MEASURED} (the compare was interrupted first)"
    ratio = comparison.memory_ratio
    if ratio is None:
        return f"peak {fmt_bytes(base)} -> {fmt_bytes(cand)} (tracemalloc)"
    return f"peak {fmt_bytes(base)} -> {fmt_bytes(cand)}: {_less_or_more(ratio)} (tracemalloc)"


def _rounds(comparison: Comparison) -> str:
    """How many rounds the figures come from; "k of n" when interrupted."""
    if comparison.interrupted:
        planned = f" of {comparison.rounds_planned}" if comparison.rounds_planned else ""
        return f"{comparison.rounds}{planned} alternating rounds, interrupted"
    return f"{comparison.rounds} alternating rounds"


def _task_counts(tasks: pd.DataFrame) -> tuple[int, int]:
    """Return (all tasks, tasks started by the profiled code) of a tasks table."""
    if tasks.empty or "user_code" not in tasks.columns:
        return len(tasks), 0
    return len(tasks), int(tasks["user_code"].astype(bool).sum())


def _facts(comparison: Comparison) -> list[tuple[str, str]]:
    c = comparison
    checked = {True: "equal", None: "not checked (check=None)"}[c.equal]
    t = c.baseline.timing
    numbers = f"{t.number} and {c.candidate.timing.number}"
    facts = [
        ("verdict", c.headline()),
        ("results", checked),
        ("memory", _memory(c)),
    ]
    facts += _async(c)
    return [
        *facts,
        (
            "timing",
            f"{_rounds(c)} (calls per sample: {numbers}); a change "
            f"under {c.min_effect:.0%} or a 95% CI that includes 1 is no difference",
        ),
    ]


def _async(c: Comparison) -> list[tuple[str, str]]:
    """The event loop's idle time and the tasks, when the versions awaited."""
    if c.baseline.report is None or c.candidate.report is None:
        return []
    before, after = c.baseline.report.summary, c.candidate.report.summary
    if before.waiting_seconds is None and after.waiting_seconds is None:
        return []
    # Libraries (httpx via anyio, for one) start tasks of their own whose number
    # follows the I/O timing; the user's own tasks are counted apart.
    counts = [_task_counts(c.baseline.report.tasks), _task_counts(c.candidate.report.tasks)]
    tasks = f"{counts[0][0]} -> {counts[1][0]} (yours {counts[0][1]} -> {counts[1][1]})"
    waits = [fmt_seconds(s.waiting_seconds or 0.0) for s in (before, after)]
    return [("async", f"event loop idle {waits[0]} -> {waits[1]}; tasks {tasks}")]


def _versions(comparison: Comparison) -> Table:
    rows = []
    for v in (comparison.baseline, comparison.candidate):
        t = v.timing
        rows.append(
            (
                fmt_seconds(t.median),
                fmt_seconds(t.min),
                fmt_seconds(t.spread),
                _bytes(v.peak_memory),
                v.name,
            )
        )
    slowest = max(comparison.baseline.timing.median, comparison.candidate.timing.median) or 1.0
    shares = tuple(v.timing.median / slowest for v in (comparison.baseline, comparison.candidate))
    return Table(
        "Versions (seconds per call)",
        ("median", "min", "spread (IQR)", "peak memory", "version"),
        tuple(rows),
        shares,
        "rrrrl",
    )


def _calls(before: int, after: int) -> str:
    return f"{before:,} -> {after:,}" if before != after else f"{before:,}"


NOT_PROFILED = "What changed: not profiled (the compare was interrupted first)"


def _profiled(comparison: Comparison) -> bool:
    return comparison.baseline.report is not None and comparison.candidate.report is not None


def _diff(comparison: Comparison) -> Table:
    return diff_table(comparison.diff, DIFF_ROWS)


def diff_table(diff: pd.DataFrame, top: int) -> Table:
    """The table of a profile diff (`profile_diff`): its first `top` functions, largest
    change in own time first, bars scaled to the largest change."""
    shown = diff.head(top)
    largest = max(float(diff["time_change"].abs().max()), 1e-12) if len(diff) else 1.0
    rows = tuple(
        (
            f"{r['time_change'] * 1e3:+.2f} ms",
            f"{fmt_seconds(r['time_before'])} -> {fmt_seconds(r['time_after'])}",
            _calls(int(r["calls_before"]), int(r["calls_after"])),
            str(r["function"]),
            f"{r['file']}:{r['line']}" if r["file"] else "built-in",
        )
        for r in records(shown)
    )
    return Table(
        f"What changed: top {len(rows)} of {len(diff)} functions by change in own time",
        ("change", "own time", "calls", "function", "where"),
        rows,
        tuple(abs(float(v)) / largest for v in shown["time_change"]),
        "rrrll",
    )


def comparison_text(comparison: Comparison) -> str:
    """The whole comparison as text."""
    c = comparison
    out = [f"Architect Workbench compare: {c.candidate.name} vs {c.baseline.name}"]
    facts = _facts(c)
    width = max(len(k) for k, _ in facts)
    out += [f"  {k.ljust(width)}  {v}" for k, v in facts]
    out += ["", *table_lines(_versions(c)), ""]
    out += table_lines(_diff(c)) if _profiled(c) else [NOT_PROFILED]
    return visible("\n".join(out))


def comparison_html(comparison: Comparison) -> str:
    """A fragment: the verdict, the versions, the diff, then both profiles side by side."""
    c = comparison
    facts = "".join(f"<dt>{escape_html(k)}</dt><dd>{escape_html(v)}</dd>" for k, v in _facts(c))
    title = f"Architect Workbench compare: {c.candidate.name} vs {c.baseline.name}"
    return (
        f'<div class="awb-report"><style>{STYLE}</style><h3>{escape_html(title)}</h3>'
        f"<dl>{facts}</dl>{table_html(_versions(c))}{_diff_html(c)}{_sides(c)}</div>"
    )


def _diff_html(c: Comparison) -> str:
    return table_html(_diff(c)) if _profiled(c) else f"<p>{escape_html(NOT_PROFILED)}</p>"


def _sides(c: Comparison) -> str:
    """Both profiles side by side, folded; nothing when one was not made."""
    if c.baseline.report is None or c.candidate.report is None:
        return ""
    sides = "".join(
        f'<div style="min-width:0;overflow-x:auto">{report.to_html()}</div>'
        for report in (c.baseline.report, c.candidate.report)
    )
    return (
        "<details><summary>Both profiles, side by side</summary>"
        f'<div style="display:grid;grid-template-columns:1fr 1fr;gap:12px">{sides}</div>'
        "</details>"
    )


def comparison_page(comparison: Comparison) -> str:
    """A complete HTML document for comparison.html."""
    title = escape_html(f"{comparison.candidate.name} vs {comparison.baseline.name}")
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body>{comparison_html(comparison)}</body></html>\n"
    )


def _ranking(ranking: Ranking) -> Table:
    t = ranking.table
    rows = tuple(
        (
            f"{r['speedup']:.2f}x",
            _interval(r["ci_low"], r["ci_high"]),
            fmt_seconds(r["median"]),
            _bytes(r["peak_memory"]),
            "" if pd.isna(r["memory_ratio"]) else f"{r['memory_ratio']:.2f}x",
            str(r["verdict"]),
            str(r["name"]),
        )
        for r in records(t)
    )
    fastest = float(t["speedup"].max()) or 1.0
    return Table(
        "Versions against the first, fastest first",
        ("speedup", "95% CI", "median", "peak memory", "memory ratio", "verdict", "version"),
        rows,
        tuple(float(v) / fastest for v in t["speedup"]),
        "rrrrrll",
    )


def _interval(low: float, high: float) -> str:
    """A 95% interval, or "unbounded" when the rounds were too few for one."""
    return f"{low:.2f}-{high:.2f}x" if math.isfinite(high) else "unbounded"


def ranking_text(ranking: Ranking) -> str:
    """The ranking as text."""
    return visible("\n".join(["Architect Workbench compare", *table_lines(_ranking(ranking))]))


def ranking_html(ranking: Ranking) -> str:
    """The ranking as an HTML fragment."""
    return (
        f'<div class="awb-report"><style>{STYLE}</style><h3>Architect Workbench compare</h3>'
        f"{table_html(_ranking(ranking))}</div>"
    )
