"""An icicle view of the call tree, as inline SVG (no script, no server).

Drawn from the sampled stacks where there are enough of them: every path from the root
is a box, so a function called from several places is split exactly by its real callers
(and theirs). Otherwise from cProfile's caller->callee edges (`callers`), rebuilt from
the roots down: a function called from several places splits its time as the edges say,
which cannot tell which of its callers' callers its time came from (snakeviz issue #112).
Width is cumulative time; every box has a tooltip with calls (or samples) and times.
Boxes narrower than a pixel's worth and levels past `MAX_DEPTH` are left out, and the
view says how much time that hides, so the SVG stays small for huge profiles.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workbench.render.escape import escape_html
from workbench.report.stacks import stack_paths

__all__ = ["Box", "icicle_boxes", "icicle_svg"]

Key = tuple[str, int, str]
WIDTH = 900
ROW = 18
MAX_DEPTH = 24
MAX_BOXES = 1500
MIN_FRACTION = 1.5 / WIDTH  # narrower than 1.5 px: hidden
MIN_SAMPLES = 30  # fewer sampled stacks draw too coarse a tree: use cProfile's edges


@dataclass
class Box:
    """One box: a function at a depth, spanning [x, x + width) of the total time."""

    key: Key
    depth: int
    x: float
    width: float
    seconds: float
    calls: int
    children: list[Box] = field(default_factory=list)
    samples: int | None = None  # drawn from sampled stacks: how many went through it


def _callees(stats: dict[Key, Any]) -> dict[Key, list[tuple[Key, float, int]]]:
    """caller -> [(callee, cumulative seconds of those calls, calls)], largest first."""
    out: dict[Key, list[tuple[Key, float, int]]] = {}
    for callee, (_, _, _, _, callers) in stats.items():
        for caller, edge in callers.items():
            out.setdefault(caller, []).append((callee, float(edge[3]), int(edge[0])))
    for edges in out.values():
        edges.sort(key=lambda e: -e[1])
    return out


def _reachable(start: Key, callees: dict[Key, list[tuple[Key, float, int]]]) -> set[Key]:
    """Every function `start` calls, directly or not."""
    seen: set[Key] = set()
    todo = [start]
    while todo:
        for callee, _, _ in callees.get(todo.pop(), []):
            if callee not in seen:
                seen.add(callee)
                todo.append(callee)
    return seen


def _roots(
    stats: dict[Key, Any], callees: dict[Key, list[tuple[Key, float, int]]]
) -> list[tuple[Key, float, int]]:
    """(function, seconds, calls) of the calls made from outside the profile.

    The frames that ran the code are not in the profile, and their edges are gone, so a
    function has calls from outside when its callers in the profile account for fewer
    calls than it had (pstats caller edges are (calls, primitive calls, own, cumulative)).
    A function that also calls itself, directly or through others, is still a root that
    way; its time from outside is its cumulative time less what callers it does not
    itself reach (and so are not part of its recursion) spent in it.
    When no function qualifies, the one with the largest cumulative time is the root.
    """
    roots = []
    for key, (_, calls, _, cumulative, callers) in stats.items():
        inside = {caller: edge for caller, edge in callers.items() if caller in stats}
        outside = int(calls) - sum(int(edge[0]) for edge in inside.values())
        if inside and outside <= 0:
            continue
        seconds = float(cumulative)
        if inside:
            below = _reachable(key, callees)
            seconds -= sum(float(e[3]) for c, e in inside.items() if c != key and c not in below)
        roots.append((key, max(seconds, 0.0), outside))
    if not roots and stats:
        # Every function looks called from inside (the caller edges form a loop, e.g.
        # through a builtin both the runner and the code called): the widest is the root.
        key, (_, calls, _, cumulative, _) = max(stats.items(), key=lambda kv: kv[1][3])
        roots.append((key, float(cumulative), int(calls)))
    return roots


def icicle_boxes(
    profile_data: bytes, scale: Callable[[Key], float] | None = None
) -> tuple[list[Box], float, float]:
    """The boxes of the call tree, the total seconds, and the seconds left out.

    Parameters:
        profile_data: cProfile's marshalled stats (raw times).
        scale: per function, corrected cumulative time / raw (the report's correction
            of the profiler's bias); None draws the raw times.

    Returns:
        (boxes in drawing order, total cumulative seconds of the roots, hidden seconds).
    """
    stats: dict[Key, Any] = marshal.loads(profile_data) if profile_data else {}
    if scale is not None:
        stats = {
            key: (
                cc,
                nc,
                tt,
                ct * scale(key),
                {c: (*e[:3], e[3] * scale(key)) for c, e in callers.items()},
            )
            for key, (cc, nc, tt, ct, callers) in stats.items()
        }
    callees = _callees(stats)
    roots = _roots(stats, callees)
    roots.sort(key=lambda r: -r[1])
    total = sum(seconds for _, seconds, _ in roots) or 1.0
    boxes: list[Box] = []
    hidden = 0.0
    # Breadth-first, so the box budget goes to the upper, wider levels first.
    level: list[tuple[Key, float, float, int, tuple[Key, ...]]] = []
    x = 0.0
    for key, seconds, calls in roots:
        level.append((key, x, seconds, calls, ()))
        x += seconds / total
    depth = 0
    while level and depth < MAX_DEPTH:
        following: list[tuple[Key, float, float, int, tuple[Key, ...]]] = []
        for key, start, seconds, calls, path in level:
            width = seconds / total
            if width < MIN_FRACTION or len(boxes) >= MAX_BOXES:
                hidden += seconds
                continue
            boxes.append(Box(key, depth, start, width, seconds, calls))
            child_x, budget = start, seconds
            for callee, child_seconds, child_calls in callees.get(key, []):
                if callee in path or callee == key or budget <= 0:
                    continue  # recursion: the time is already in this box
                child_seconds = min(child_seconds, budget)
                following.append((callee, child_x, child_seconds, child_calls, (*path, key)))
                child_x += child_seconds / total
                budget -= child_seconds
        level = following
        depth += 1
    hidden += sum(seconds for _, _, seconds, _, _ in level)
    return boxes, total, hidden


@dataclass
class _Node:
    samples: int = 0
    seconds: float = 0.0
    children: dict[Key, _Node] = field(default_factory=dict)


def stack_boxes(
    stacks: Any, scale: Callable[[Key], float] | None = None
) -> tuple[list[Box], float, float]:
    """The boxes of the sampled call tree, the total seconds, and the seconds left out.

    Parameters:
        stacks: the report's `stacks` table (one row per frame, outermost first).
        scale: per function, a factor on the seconds of the samples it was running in
            (innermost): the correction's of its own time, in the exact mode, where the
            samples saw the profiled run. Each box holds its stacks' scaled seconds, so a
            caller is always as wide as its callees. None draws them as sampled.

    Returns:
        (boxes in drawing order, total seconds of the roots, hidden seconds).
    """
    root = _Node()
    for path, samples, seconds in stack_paths(stacks):
        if scale is not None:
            seconds *= scale(path[-1])
        node = root
        for key in path:
            node = node.children.setdefault(key, _Node())
            node.samples += samples
            node.seconds += seconds
    total = sum(child.seconds for child in root.children.values()) or 1.0
    boxes: list[Box] = []
    hidden = 0.0
    # Breadth-first, so the box budget goes to the upper, wider levels first.
    placed: list[tuple[Key, _Node, float]] = []
    x = 0.0
    for key, node in sorted(root.children.items(), key=lambda item: -item[1].seconds):
        placed.append((key, node, x))
        x += node.seconds / total
    depth = 0
    while placed and depth < MAX_DEPTH:
        following: list[tuple[Key, _Node, float]] = []
        for key, node, start in placed:
            width = node.seconds / total
            if width < MIN_FRACTION or len(boxes) >= MAX_BOXES:
                hidden += node.seconds
                continue
            boxes.append(Box(key, depth, start, width, node.seconds, 0, samples=node.samples))
            child_x = start
            for child_key, child in sorted(node.children.items(), key=lambda c: -c[1].seconds):
                child_seconds = min(child.seconds, node.seconds)
                following.append((child_key, child, child_x))
                child_x += child_seconds / total
        placed = following
        depth += 1
    hidden += sum(node.seconds for _, node, _ in placed)
    return boxes, total, hidden


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.3f} s"


def icicle_svg(
    profile_data: bytes,
    where: Callable[[Key], str],
    is_user: Callable[[Key], bool],
    scale: Callable[[Key], float] | None = None,
    stacks: Any = None,
) -> str:
    """The icicle as an SVG element ("" for an empty profile).

    Parameters:
        profile_data: cProfile's marshalled stats (`Report.profile_data`).
        where: a readable location for a function ("In[3]:12", "pandas/core/frame.py:90").
        is_user: whether a function is the user's code (drawn in the warm colour).
        scale: the correction's factor per function: on cumulative times for pstats'
            edges (`icicle_boxes`), on own times for the stacks (`stack_boxes`).
        stacks: the report's `stacks` table, to draw from instead of cProfile's edges
            (the caller decides when they hold enough samples: `MIN_SAMPLES`).
    """
    sampled = stacks is not None and not stacks.empty
    if sampled:
        boxes, total, hidden = stack_boxes(stacks, scale)
    else:
        boxes, total, hidden = icicle_boxes(profile_data, scale)
    if not boxes:
        return ""
    depth = max(b.depth for b in boxes) + 1
    parts = []
    for b in boxes:
        name = b.key[2]
        x, w, y = b.x * WIDTH, b.width * WIDTH, b.depth * ROW
        colour = "#f4a261" if is_user(b.key) else "#a8c5da"
        counted = f"{b.samples:,} samples" if b.samples is not None else f"{b.calls:,} calls"
        tip = f"{name}  {where(b.key)}\n{counted}, {_fmt(b.seconds)} cumulative"
        label = name if w > 7 * len(name) else (name[: int(w / 7) - 1] + "…" if w > 30 else "")
        parts.append(
            f'<g class="awb-box"><title>{escape_html(tip)}</title>'
            f'<rect x="{x:.1f}" y="{y}" width="{max(w - 1, 0.5):.1f}" height="{ROW - 1}" '
            f'fill="{colour}"/>'
            + (f'<text x="{x + 3:.1f}" y="{y + 13}">{escape_html(label)}</text>' if label else "")
            + "</g>"
        )
    source = ", from sampled stacks" if sampled else ""
    caption = f"Call tree (icicle{source}): width = cumulative time, {_fmt(total)} in all"
    if hidden > 0:
        caption += f"; {_fmt(hidden)} in calls too small or too deep to draw"
    return (
        f"<h4>{escape_html(caption)}</h4>"
        f'<svg class="awb-icicle" width="{WIDTH}" height="{depth * ROW}" role="img" '
        f'aria-label="{escape_html(caption)}" style="font:11px sans-serif">{"".join(parts)}</svg>'
    )
