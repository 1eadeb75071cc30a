"""List, dict and set comprehensions as lines of their function, on every Python.

Before Python 3.12 a comprehension runs as a function of its own (`<listcomp>`,
`<dictcomp>`, `<setcomp>`), which cProfile counts and the sampler sees as a frame; from
3.12 on (PEP 709) it is inlined into the function that contains it. A report that names
`<listcomp>` as the hottest function on 3.11 and the enclosing function on 3.13 tells
two stories about one program, so the workbench folds the 3.11 frames into their
caller: the same tables on every version. Generator expressions stay functions on every
version (`<genexpr>`), and so stay in the tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:  # functions.py imports this module
    from workbench.collectors.functions import StatsDict, StatsKey

__all__ = ["INLINED", "fold_comprehensions"]

INLINED: Final = frozenset({"<listcomp>", "<dictcomp>", "<setcomp>"})

Edge = tuple[int, int, float, float]  # pstats' caller edge: calls, primitive, tt, ct


def _add(edges: dict[StatsKey, Edge], key: StatsKey, edge: Edge, share: float) -> None:
    """Add `share` of `edge` to `edges[key]`."""
    calls, primitive, tt, ct = edges.get(key, (0, 0, 0.0, 0.0))
    edges[key] = (
        calls + round(edge[0] * share),
        primitive + round(edge[1] * share),
        tt + edge[2] * share,
        ct + edge[3] * share,
    )


def _callees_of(stats: StatsDict, keys: list[StatsKey]) -> dict[StatsKey, dict[StatsKey, None]]:
    """Per key of `keys`, the entries it calls (in order): those whose callers name it."""
    wanted = set(keys)
    callees: dict[StatsKey, dict[StatsKey, None]] = {key: {} for key in keys}
    for callee, entry in stats.items():
        if not wanted.isdisjoint(entry[4]):
            for caller in entry[4]:
                if caller in wanted:
                    callees[caller][callee] = None
    return callees


def fold_comprehensions(stats: StatsDict) -> StatsDict:
    """`stats` with every comprehension's entry folded into its callers.

    A caller gains the comprehension's own time (its cumulative time already held it);
    the comprehension's callees are called by the caller instead. With several callers
    (a name shared by two code objects), each takes the share of the comprehension's
    time spent under it. A comprehension nobody called (the run started inside one) stays.

    Parameters:
        stats: pstats' layout, {key: (primitive calls, calls, tottime, cumtime, callers)}.

    Returns:
        A new dict; `stats` is not changed (entries nothing changed are shared with it).
    """
    inlined = [key for key in stats if key[2] in INLINED]
    if not inlined:
        return dict(stats)
    # Only the comprehensions' callees' edges change: an index of them replaced a scan of
    # every entry per comprehension (2,000 comprehensions among 50,000 functions: 4.0 s,
    # now 0.03 s). Edges are copied when first changed.
    callees = _callees_of(stats, inlined)
    own: dict[StatsKey, float] = {}  # own times changed
    callers_of: dict[StatsKey, dict[StatsKey, Edge]] = {}  # callers dicts changed
    folded: set[StatsKey] = set()
    for key in inlined:
        mine = callees.pop(key)
        current = callers_of.get(key, stats[key][4])
        parents = {p: e for p, e in current.items() if p != key and p in stats and p not in folded}
        cumulative = sum(edge[3] for edge in parents.values())
        if not parents or cumulative <= 0:
            continue
        own_key = own.get(key, stats[key][2])
        for parent, edge in parents.items():
            own[parent] = own.get(parent, stats[parent][2]) + own_key * edge[3] / cumulative
        for callee in mine:
            if callee in folded:
                continue
            edges = callers_of.get(callee)
            if edges is None:
                edges = callers_of[callee] = dict(stats[callee][4])
            moved = edges.pop(key, None)
            if moved is None:
                continue
            for parent, edge in parents.items():
                _add(edges, parent, moved, edge[3] / cumulative)
                if parent in callees:  # a comprehension still to fold now calls it
                    callees[parent][callee] = None
        folded.add(key)
    out: StatsDict = {}
    for key, entry in stats.items():
        if key in folded:
            continue
        if key in own or key in callers_of:
            cc, nc, tt, ct, callers = entry
            entry = (cc, nc, own.get(key, tt), ct, callers_of.get(key, callers))
        out[key] = entry
    return out
