"""Plain-text rendering for terminals, CI logs and IPython's text/plain output."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.options import Display
from workbench.render.escape import visible
from workbench.render.format import BAR_BLOCKS, Table, bar_blocks, fmt_bytes
from workbench.render.view import View, build_view

if TYPE_CHECKING:  # renderers read a Report; only its type is imported
    from workbench.report.report import Report

__all__ = ["render_text", "table_lines"]


def _bar(share: float) -> str:
    filled = bar_blocks(share)
    return "█" * filled + "·" * (BAR_BLOCKS - filled)


def table_lines(table: Table) -> list[str]:
    """Padded columns after a heat bar; a listing's source follows a "│" as written."""
    headers = ("", *table.headers)
    rows = [(_bar(share), *row) for share, row in zip(table.shares, table.rows, strict=True)]
    align = "l" + table.align
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    last = len(headers) - 1

    def line(cells: tuple[str, ...]) -> str:
        out = []
        for i, cell in enumerate(cells):
            if i == last:
                out.append(f"│ {cell}" if table.listing else cell)
            else:
                out.append(cell.ljust(widths[i]) if align[i] == "l" else cell.rjust(widths[i]))
        return "  ".join(out).rstrip()

    title = [table.title] if table.title else []
    return [*title, line(headers), *(line(r) for r in rows)]


def _timeline(view: View) -> list[str]:
    if len(view.timeline) < 2:
        return []
    values = [rss for _, rss in view.timeline]
    low, high = min(values), max(values)
    ticks = "▁▂▃▄▅▆▇█"
    step = max(1, len(values) // 60)
    picked = [max(values[i : i + step]) for i in range(0, len(values), step)]
    spark = "".join(ticks[int((v - low) / (high - low or 1) * (len(ticks) - 1))] for v in picked)
    span = view.timeline[-1][0]
    return [
        f"RSS timeline{view.timeline_of} ({len(values)} samples over {span:.2f} s): "
        f"{fmt_bytes(low)} .. {fmt_bytes(high)}",
        spark,
    ]


def render_text(report: Report, display: Display) -> str:
    """The whole report as text: summary (with the Dask cluster's part), functions, line
    detail, memory, RSS timeline, the Dask workers' memory."""
    view = build_view(report, display)
    state = "complete" if view.complete else "INCOMPLETE: the code raised"
    out = [f"{view.title}  [{state}]"]
    width = max(len(name) for name, _ in view.facts)
    out += [f"  {name.ljust(width)}  {value}" for name, value in view.facts]
    out += [f"  WARNING: {warning}" for warning in view.warnings]
    out += [f"  note: {note}" for note in view.notes]
    if view.cluster:
        out += ["", view.cluster_heading]
        width = max(len(name) for name, _ in view.cluster)
        out += [f"  {name.ljust(width)}  {value}" for name, value in view.cluster]
    if view.hints:
        out += ["", "Hints (most valuable first; each gain is an upper bound from this run)"]
        for n, (kind, where, gain, evidence, suggestion) in enumerate(view.hints, 1):
            out += [
                f"  {n}. {kind} at {where}: {gain}",
                f"     evidence: {evidence}",
                f"     try: {suggestion}",
            ]
    tasks = (view.tasks,) if view.tasks is not None else ()
    for table in (view.functions, *tasks, *view.line_blocks, *view.memory_blocks):
        out += ["", *table_lines(table)]
    timeline = _timeline(view)
    if timeline:
        out += ["", *timeline]
    if view.worker_memory is not None:
        out += ["", *table_lines(view.worker_memory)]
    # The escaping rule for text: a name holding a terminal's control sequence
    # ("\x1b[2J") or a bidi override shows as its escape, not as its effect.
    return visible("\n".join(out))
