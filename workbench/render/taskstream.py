"""The Dask task stream as an inline SVG, drawn as Dask's dashboard draws it.

One lane per worker thread, one box per task: its compute, coloured by task group
(a fixed palette, in the order the groups first started), and before it the data it
waited for, in red and lighter. Times are seconds from the run's start. The tasks table
keeps each task's compute and transfer seconds and its first start and last stop, not
every span: a task's transfer is drawn from its start, its compute up to its stop.
Every text is escaped and held in the SVG; a tooltip (`<title>`) per box names the task.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from workbench.render.escape import escape_html
from workbench.render.format import fmt_seconds, records
from workbench.render.workers import plural, worker_rows

__all__ = ["MAX_TASKS", "PALETTE", "dask_tasks", "lanes", "taskstream_svg"]

MAX_TASKS = 2_000
# Tableau's ten colours without its red, which marks transfers.
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#aec7e8",
)
TRANSFER = "#d62728"
WIDTH, LABELS, TOP_PAD, AXIS = 900, 200, 4, 26
# Lanes are this tall, or shorter (down to MIN_LANE) to keep the plot within MAX_LANES_PX.
LANE, MIN_LANE, MAX_LANES_PX = 14, 3, 480
MAX_LABEL = 30  # characters of a lane's label; longer keeps its end (the port)

Lane = tuple[str, int]  # (worker, thread id; -1 when the worker did not say)


def dask_tasks(tasks: pd.DataFrame) -> pd.DataFrame:
    """The Dask tasks of a tasks table (rows measured in a worker), by start."""
    return worker_rows(tasks).sort_values(["start", "key"], kind="stable")


def _lane(worker: Any, thread: Any) -> Lane:
    return (str(worker), -1 if pd.isna(thread) else int(thread))


def lanes(tasks: pd.DataFrame) -> list[Lane]:
    """The distinct (worker, thread) of `tasks`, sorted."""
    return sorted({_lane(w, t) for w, t in zip(tasks["worker"], tasks["thread"], strict=True)})


def _labels(found: list[Lane]) -> list[str]:
    """Each lane's label: the worker's address and the thread's number in the worker."""
    threads: dict[str, list[int]] = {}
    for worker, thread in found:
        threads.setdefault(worker, []).append(thread)
    labels = []
    for worker, thread in found:
        name = worker if len(worker) <= MAX_LABEL else "…" + worker[-MAX_LABEL + 1 :]
        labels.append(name if thread < 0 else f"{name} #{threads[worker].index(thread) + 1}")
    return labels


def _ticks(lo: float, hi: float) -> list[float]:
    """Round times between `lo` and `hi`, about six of them."""
    raw = (hi - lo) / 6
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def _tick_label(t: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step)))
    return f"{t:.{decimals}f} s"


def _legend(groups: list[str], colour: dict[str, str], y: float) -> tuple[str, float]:
    """The groups' colours in rows from `y`; returns the SVG and the height it took."""
    items, x, row = [], float(LABELS), 0
    for group in [*groups[:20], *(["…"] if len(groups) > 20 else [])]:
        width = 18 + 6.2 * min(len(group), 40) + 12
        if x + width > WIDTH and x > LABELS:
            x, row = float(LABELS), row + 1
        top = y + row * 16
        fill = colour.get(group, "#ffffff")
        items.append(
            f'<rect class="awb-key" x="{x:.1f}" y="{top + 2:.1f}" width="11" height="11" '
            f'fill="{fill}"/><text x="{x + 15:.1f}" y="{top + 12:.1f}">'
            f"{escape_html(group[:40])}</text>"
        )
        x += width
    return f'<g class="awb-legend" style="font:11px sans-serif">{"".join(items)}</g>', (
        row + 1
    ) * 16


def _tooltip(r: dict[str, Any], label: str, compute: float, transfer: float) -> str:
    """A box's tooltip: the task's key, group, lane and seconds, escaped."""
    erred = " (erred)" if r["state"] == "erred" else ""
    return escape_html(
        f"{r['key']}{erred}\ngroup {r['group']}, {label}\n"
        f"compute {fmt_seconds(compute)}, transfer {fmt_seconds(transfer)}\n"
        f"{float(r['start']):.3f} s .. {float(r['stop']):.3f} s from the run's start"
    )


def taskstream_svg(tasks: pd.DataFrame, wall: float) -> str:
    """A heading and the task stream of the Dask tasks in `tasks` ("" when none).

    Parameters:
        tasks: a Report's tasks table (its asyncio rows are left out).
        wall: the run's wall time: the axis spans at least 0 to `wall`.
    """
    dask = dask_tasks(tasks)
    if dask.empty:
        return ""
    found = lanes(dask)
    row_of = {lane: i for i, lane in enumerate(found)}
    labels = _labels(found)
    colour: dict[str, str] = {}
    for group in dask["group"]:
        colour.setdefault(str(group), PALETTE[len(colour) % len(PALETTE)])
    drawn = dask.head(MAX_TASKS)
    lo = min(0.0, float(dask["start"].min()))
    hi = max(wall, float(dask["stop"].max()), lo + 1e-6)
    plot = WIDTH - LABELS - 10

    def x(t: float) -> float:
        return LABELS + (t - lo) / (hi - lo) * plot

    lane_h = max(MIN_LANE, min(LANE, MAX_LANES_PX // len(found)))
    legend, legend_h = _legend(list(colour), colour, TOP_PAD)
    top = TOP_PAD + legend_h + 4
    height = top + lane_h * len(found) + AXIS
    parts = [legend]
    for i, ((worker, _), label) in enumerate(zip(found, labels, strict=True)):
        y = top + i * lane_h
        if i % 2:
            parts.append(
                f'<rect class="awb-lane" x="{LABELS}" y="{y}" width="{plot}" height="{lane_h}" '
                'fill="#eaeef2"/>'
            )
        first = i == 0 or found[i - 1][0] != worker
        if lane_h >= 9 or first:  # short lanes: one label per worker
            parts.append(
                f'<text x="{LABELS - 6}" y="{y + min(lane_h, 11) - 1}" text-anchor="end">'
                f"{escape_html(label if lane_h >= 9 else worker)}</text>"
            )
    for r in records(drawn):
        lane = _lane(r["worker"], r["thread"])
        y = top + row_of[lane] * lane_h + (1 if lane_h > 4 else 0)
        h = lane_h - (2 if lane_h > 4 else 0)
        start, stop = float(r["start"]), float(r["stop"])
        compute = 0.0 if pd.isna(r["compute"]) else float(r["compute"])
        transfer = 0.0 if pd.isna(r["transfer"]) else float(r["transfer"])
        tip = _tooltip(r, labels[row_of[lane]], compute, transfer)
        if transfer > 0:
            x0 = x(start)
            parts.append(
                f'<rect class="awb-transfer" x="{x0:.1f}" y="{y}" '
                f'width="{max(x(start + transfer) - x0, 0.5):.1f}" height="{h}" '
                f'fill="{TRANSFER}" fill-opacity="0.45"><title>{tip}</title></rect>'
            )
        x0 = x(stop - compute)
        edge = ' stroke="#1f2328" stroke-width="1"' if r["state"] == "erred" else ""
        parts.append(
            f'<rect class="awb-task" x="{x0:.1f}" y="{y}" width="{max(x(stop) - x0, 0.5):.1f}" '
            f'height="{h}" fill="{colour[str(r["group"])]}"{edge}><title>{tip}</title></rect>'
        )
    axis_y = top + lane_h * len(found) + 2
    ticks = _ticks(lo, hi)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else hi - lo
    parts.append(
        f'<g class="awb-axis"><line x1="{LABELS}" y1="{axis_y}" x2="{LABELS + plot}" '
        f'y2="{axis_y}" stroke="#57606a"/>'
        + "".join(
            f'<line x1="{x(t):.1f}" y1="{axis_y}" x2="{x(t):.1f}" y2="{axis_y + 4}" '
            f'stroke="#57606a"/><text x="{x(t):.1f}" y="{axis_y + 15}" text-anchor="middle">'
            f"{escape_html(_tick_label(t, step))}</text>"
            for t in ticks
        )
        + "</g>"
    )
    caption = (
        f"Dask task stream: {plural(len(dask), 'task')} on {plural(len(found), 'worker thread')}"
        f" (compute coloured by task group, data transfer in red; seconds from the run's start)"
    )
    if len(drawn) < len(dask):
        caption += f"; the first {len(drawn):,} drawn"
    return (
        f"<h4>{escape_html(caption)}</h4>"
        f'<svg class="awb-taskstream" width="{WIDTH}" height="{height}" role="img" '
        f'aria-label="{escape_html(caption)}" style="font:10px sans-serif">{"".join(parts)}</svg>'
    )
