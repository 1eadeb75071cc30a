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


def fold_comprehensions(stats: StatsDict) -> StatsDict:
    """`stats` with every comprehension's entry folded into its callers.

    A caller gains the comprehension's own time (its cumulative time already held it);
    the comprehension's callees are called by the caller instead. With several callers
    (a name shared by two code objects), each takes the share of the comprehension's
    time spent under it. A comprehension nobody called (the run started inside one) stays.

    Parameters:
        stats: pstats' layout, {key: (primitive calls, calls, tottime, cumtime, callers)}.

    Returns:
        A new dict; `stats` is not changed.
    """
    own = {key: entry[2] for key, entry in stats.items()}
    callers_of: dict[StatsKey, dict[StatsKey, Edge]] = {
        key: dict(entry[4]) for key, entry in stats.items()
    }
    for key in [k for k in stats if k[2] in INLINED]:
        parents = {p: e for p, e in callers_of[key].items() if p != key and p in own}
        cumulative = sum(edge[3] for edge in parents.values())
        if not parents or cumulative <= 0:
            continue
        for parent, edge in parents.items():
            own[parent] += own[key] * edge[3] / cumulative
        for edges in callers_of.values():
            moved = edges.pop(key, None)
            if moved is not None:
                for parent, edge in parents.items():
                    _add(edges, parent, moved, edge[3] / cumulative)
        del own[key], callers_of[key]
    return {
        key: (cc, nc, own[key], ct, callers_of[key])
        for key, (cc, nc, _, ct, _) in stats.items()
        if key in own
    }
