"""Self-contained HTML: inline CSS, inline SVGs (the RSS timeline, the call tree, the Dask
task stream), no script, no network.

Every name, path, source line and note passes through `escape_html` (the one rule of
`workbench.render.escape`), so code named `<script>` shows as text, and a lone surrogate
(a file name decoded with surrogateescape) shows as `\\udce9` and the page still
encodes to UTF-8.
"""

from __future__ import annotations

import marshal
from importlib.resources import files
from typing import TYPE_CHECKING

from workbench.options import Display
from workbench.render.escape import escape_html
from workbench.render.format import Table, bar_blocks, fmt_bytes
from workbench.render.icicle import MIN_SAMPLES, icicle_svg
from workbench.render.taskstream import taskstream_svg
from workbench.render.view import View, build_view
from workbench.report.stacks import sample_total

if TYPE_CHECKING:  # renderers read a Report; only its type is imported
    from workbench.report.report import Report

__all__ = ["STYLE", "render_html", "render_page", "table_html"]

# The report's styles, scoped under .awb-report and inlined into every output (no file, no
# network). JupyterLab right-aligns every output table cell with a (0,2,1) selector
# (`:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td`): left-aligned cells need more.
STYLE = "\n" + (files("workbench.render") / "report.css").read_text(encoding="utf-8")


def table_html(table: Table) -> str:
    """A table with a heat bar per row.

    Rows carry their kind as a class: `awb-line` for a listing's source lines (their
    measures are in `awb-m` cells), `awb-row` for a ranking; rows too small for a bar
    are dimmed (`awb-minor`).
    """
    align = "r" + table.align
    head = "".join(
        f'<th class="awb-l">{escape_html(h)}</th>' if a == "l" else f"<th>{escape_html(h)}</th>"
        for h, a in zip(("", *table.headers), align, strict=True)
    )
    body = []
    last = len(table.headers) - 1
    for share, row in zip(table.shares, table.rows, strict=True):
        width = max(0.0, min(share, 1.0)) * 100
        bar = f'<div class="awb-fill" style="width:{width:.1f}%"></div>'
        cells = [f'<td class="awb-bar">{bar}</td>']
        for i, cell in enumerate(row):
            if table.listing and i == last:
                css = "awb-src"
            elif table.listing and i > 0:
                css = "awb-m"
            else:
                css = "awb-l" if table.align[i] == "l" else ""
            attribute = f' class="{css}"' if css else ""
            cells.append(f"<td{attribute}>{escape_html(cell)}</td>")
        kind = "awb-line" if table.listing else "awb-row"
        minor = " awb-minor" if bar_blocks(share) == 0 else ""
        body.append(f'<tr class="{kind}{minor}">{"".join(cells)}</tr>')
    title = f"<h4>{escape_html(table.title)}</h4>" if table.title else ""
    return f"{title}<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _timeline(view: View) -> str:
    """RSS over time as a line, the peak marked with a dot and its value."""
    if len(view.timeline) < 2:
        return ""
    width, height = 600, 70
    span = view.timeline[-1][0] or 1.0
    values = [rss for _, rss in view.timeline]
    low, high = min(values), max(values)
    scale = (height - 16) / ((high - low) or 1)

    def xy(t: float, rss: int) -> tuple[float, float]:
        return t / span * (width - 8) + 4, height - 4 - (rss - low) * scale

    points = " ".join("{:.1f},{:.1f}".format(*xy(t, rss)) for t, rss in view.timeline)
    peak_t, peak = max(view.timeline, key=lambda sample: sample[1])
    px, py = xy(peak_t, peak)
    anchor = "end" if px > width / 2 else "start"
    label = f"peak {fmt_bytes(peak)} at {peak_t:.2f} s"
    caption = f"RSS{view.timeline_of} {fmt_bytes(low)} .. {fmt_bytes(high)} over {span:.2f} s"
    return (
        f"<h4>{escape_html(caption)}</h4>"
        f'<svg class="awb-timeline" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape_html(caption)}">'
        f'<polyline fill="none" stroke="#0969da" stroke-width="1.5" points="{points}"/>'
        f'<g class="awb-peak"><circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="#cf222e"/>'
        f'<text x="{px + (-6 if anchor == "end" else 6):.1f}" y="{max(py, 12):.1f}" '
        f'text-anchor="{anchor}" style="font:11px sans-serif" fill="#cf222e">'
        f"{escape_html(label)}</text></g></svg>"
    )


def _profile_keys(profile_data: bytes) -> list[tuple[str, int, str]]:
    """The (file, first line, name) of every function in cProfile's marshalled stats."""
    return list(marshal.loads(profile_data)) if profile_data else []


def _labels_file(label: str, filename: str) -> bool:
    """Whether the table's file label `label` names `filename` (a label is the end of the
    path, or "" for a built-in; a cell's In[N] names no path)."""
    if not label:
        return filename == "~"
    return filename.replace("\\", "/").endswith("/" + label) or filename == label


def _rows_of_keys(
    rows: dict[tuple[str, int], list[tuple[str, bool, float]]],
    keys: list[tuple[str, int, str]],
) -> dict[tuple[str, int, str], tuple[str, bool, float]]:
    """The table's row for each of the profile's functions.

    Rows are found by name and first line, which several functions can share (every
    module's `<module>` starts at line 1): then the row whose label names the function's
    file, else the one row whose label names none of the others' files (a cell's In[N]).
    A function with no row of its own is left out.
    """
    files: dict[tuple[str, int], list[str]] = {}
    for filename, line, name in keys:
        files.setdefault((name, line), []).append(filename)
    found = {}
    for (name, line), filenames in files.items():
        candidates = rows.get((name, line), [])
        if len(candidates) == 1 and len(filenames) == 1:
            found[(filenames[0], line, name)] = candidates[0]
            continue
        free = [c for c in candidates if not any(_labels_file(c[0], f) for f in filenames)]
        for filename in filenames:
            named = [c for c in candidates if _labels_file(c[0], filename)]
            mine = named if named else free
            if len(mine) == 1:
                found[(filename, line, name)] = mine[0]
    return found


def _icicle(report: Report) -> str:
    """The call tree, user code in orange; tooltips say where each function is."""
    functions = report.functions
    # The sampled mode's times come from the stacks: its icicle always does too; the
    # exact mode's when they hold enough samples to draw.
    minimum = 1 if report.summary.plan.functions == "sampled" else MIN_SAMPLES
    own = sample_total(report.stacks) >= minimum
    # (file label, user code?, corrected / raw time) per row of the table: profile.prof
    # keeps cProfile's raw times, the boxes' widths follow the corrected: own times for
    # the samples a function was running in, else cumulative ones for pstats' edges.
    rows: dict[tuple[str, int], list[tuple[str, bool, float]]] = {}
    for name, line, file, user, t, raw in zip(
        functions["function"],
        functions["line"],
        functions["file"],
        functions["user_code"],
        functions["tottime" if own else "cumtime"],
        functions["raw_tottime" if own else "raw_cumtime"],
        strict=True,
    ):
        entry = (str(file), bool(user), float(t) / raw if raw > 0 else 1.0)
        rows.setdefault((str(name), int(line)), []).append(entry)
    unknown = ("", False, 1.0)
    found = _rows_of_keys(rows, _profile_keys(report.profile_data))

    def row(key: tuple[str, int, str]) -> tuple[str, bool, float]:
        return found.get(key, unknown)

    def where(key: tuple[str, int, str]) -> str:
        file = row(key)[0]
        return f"{file}:{key[1]}" if file else "built-in"

    def is_user(key: tuple[str, int, str]) -> bool:
        return row(key)[1]

    def scale(key: tuple[str, int, str]) -> float:
        return row(key)[2]

    return icicle_svg(report.profile_data, where, is_user, scale, report.stacks if own else None)


def render_html(report: Report, display: Display) -> str:
    """An HTML fragment for a notebook output: scoped styles, no script."""
    view = build_view(report, display)
    state = (
        '<span class="awb-state awb-ok">complete</span>'
        if view.complete
        else '<span class="awb-state awb-bad">incomplete: the code raised</span>'
    )
    facts = "".join(f"<dt>{escape_html(k)}</dt><dd>{escape_html(v)}</dd>" for k, v in view.facts)
    tasks = (view.tasks,) if view.tasks is not None else ()
    parts = [
        f"<style>{STYLE}</style>",
        f"<h3>{escape_html(view.title)}{state}</h3>",
        f"<dl>{facts}</dl>",
        *(f'<p class="awb-warn">⚠ {escape_html(w)}</p>' for w in view.warnings),
        *(f'<p class="awb-note">{escape_html(n)}</p>' for n in view.notes),
        _cluster(view),
        taskstream_svg(report.tasks, report.summary.wall_seconds),
        _hints(view),
        table_html(view.functions),
        _icicle(report),
        *(table_html(t) for t in (*tasks, *view.line_blocks, *view.memory_blocks)),
        _timeline(view),
        table_html(view.worker_memory) if view.worker_memory is not None else "",
    ]
    return f'<div class="awb-report">{"".join(parts)}</div>'


def _cluster(view: View) -> str:
    """The summary's Dask cluster part: where the wall time went, the slowest group."""
    if not view.cluster:
        return ""
    facts = "".join(f"<dt>{escape_html(k)}</dt><dd>{escape_html(v)}</dd>" for k, v in view.cluster)
    return f"<h4>{escape_html(view.cluster_heading)}</h4><dl>{facts}</dl>"


def _hints(view: View) -> str:
    """The hints, most valuable first: kind, place, bound, evidence and a code sketch."""
    if not view.hints:
        return ""
    items = "".join(
        f'<li class="awb-hint"><b>{escape_html(kind)}</b> at <code>{escape_html(where)}</code>: '
        f'{escape_html(gain)}<br><span class="awb-evidence">{escape_html(evidence)}</span><br>'
        f"try: <code>{escape_html(suggestion)}</code></li>"
        for kind, where, gain, evidence, suggestion in view.hints
    )
    return (
        "<h4>Hints (most valuable first; each gain is an upper bound from this run)</h4>"
        f'<ol class="awb-hints">{items}</ol>'
    )


def render_page(report: Report, display: Display) -> str:
    """A complete, self-contained HTML document for `report.html`."""
    title = escape_html(f"Architect Workbench: {report.summary.label}")
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body>{render_html(report, display)}</body></html>\n"
    )
