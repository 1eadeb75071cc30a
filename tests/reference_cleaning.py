"""The statistics' cleaning as it was before it was made to scale (commit 91f1455), kept
verbatim as the reference the optimised code is checked against (test_scale_equivalence).

Each step copied every entry; the comprehensions' folding scanned every entry per
comprehension. Same inputs, same outputs: that is what the tests hold the new code to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench._paths import RUNNER_FILES, is_own_file
from workbench.collectors.comprehensions import INLINED
from workbench.collectors.dynamic_code import label
from workbench.collectors.functions import StatsDict, StatsKey


def cleaned(
    raw: StatsDict,
    transparent: set[StatsKey],
    is_user_code: Callable[[str], bool],
    is_cell: Callable[[str], bool],
) -> tuple[StatsDict, dict[StatsKey, float]]:
    """What FunctionCollector.stop made of cProfile's statistics."""
    visible = _without_transparent(raw, transparent)
    clean = _without_own_entries(visible, is_user_code)
    kept = _cells_started_from_outside(visible, clean, is_cell)
    hidden = _own_time_under(visible, kept)
    stats = fold_comprehensions(kept)
    return stats, {key: seconds for key, seconds in hidden.items() if key in stats}


def summed(entries: list[Any]) -> StatsDict:
    """snapshot.Profile.snapshot_stats: pstats' layout, code objects sharing a name summed."""
    stats: StatsDict = {}
    callers_of: dict[StatsKey, dict[StatsKey, tuple[int, int, float, float]]] = {}
    names: dict[int, StatsKey] = {}
    for entry in entries:
        key = names[id(entry.code)] = label(entry.code)
        nc, tt, ct = entry.callcount, entry.inlinetime, entry.totaltime
        cc = nc - entry.reccallcount
        if key in stats:
            pcc, pnc, ptt, pct, _ = stats[key]
            cc, nc, tt, ct = cc + pcc, nc + pnc, tt + ptt, ct + pct
        callers = callers_of.setdefault(key, {})
        stats[key] = (cc, nc, tt, ct, callers)
    for entry in entries:
        func = names[id(entry.code)]
        for sub in entry.calls or ():
            callee = names.get(id(sub.code))
            if callee is None:
                continue
            edges = callers_of[callee]
            # Edges are (calls, primitive calls, tottime, cumtime): pstats' order.
            nc, cc, tt, ct = edges.get(func, (0, 0, 0.0, 0.0))
            edges[func] = (
                nc + sub.callcount,
                cc + sub.callcount - sub.reccallcount,
                tt + sub.inlinetime,
                ct + sub.totaltime,
            )
    return stats


_PROFILER_METHODS = ("<method 'enable' of ", "<method 'disable' of ")


def _without_transparent(stats: StatsDict, transparent: set[StatsKey]) -> StatsDict:
    """Drop the frames that only carry the profiled code (an async run's callers).

    Unlike our own entries, their callees keep every call: the edge to the dropped
    frame goes, the counts stay.
    """
    if not transparent:
        return stats
    return {
        key: (cc, nc, tt, ct, {c: v for c, v in callers.items() if c not in transparent})
        for key, (cc, nc, tt, ct, callers) in stats.items()
        if key not in transparent
    }


def _cells_started_from_outside(
    raw: StatsDict, clean: StatsDict, is_cell: Callable[[str], bool]
) -> StatsDict:
    """Cut the edge from the builtin a runner started a cell's code with (exec, eval).

    The runner's call to `exec` is gone with the runner, but when the profiled code also
    calls `exec` (an import, a dataclass), `exec` stays, and the cell's `<module>` would
    look called from inside the profile: the call tree then has no root at all. A cell's
    module code is only ever started by a runner, so its calls from such a builtin are
    calls from outside.
    """
    carriers = {
        key
        for key, entry in raw.items()
        if key[0] == "~" and any(caller[0] in RUNNER_FILES for caller in entry[4])
    }
    if not carriers:
        return clean
    return {
        key: (
            (cc, nc, tt, ct, {c: v for c, v in callers.items() if c not in carriers})
            if key[2] == "<module>" and is_cell(key[0])
            else (cc, nc, tt, ct, callers)
        )
        for key, (cc, nc, tt, ct, callers) in clean.items()
    }


def _own_time_under(stats: StatsDict, clean: StatsDict) -> dict[StatsKey, float]:
    """Per kept function, the seconds its calls into the workbench took (the sampler's
    signal handler, run inside whatever it interrupted): gone from the table, but still
    inside the cumulative times of the function and its callers."""
    hidden: dict[StatsKey, float] = {}
    for key, entry in stats.items():
        if key in clean:
            continue
        for caller, edge in entry[4].items():
            if caller in clean:
                hidden[caller] = hidden.get(caller, 0.0) + edge[3]
    return hidden


def _is_own(key: StatsKey) -> bool:
    """Entries the workbench itself adds: its modules and cProfile's enable/disable."""
    filename, _, name = key
    return is_own_file(filename) or (filename == "~" and name.startswith(_PROFILER_METHODS))


def _without_own_entries(stats: StatsDict, is_user_code: Callable[[str], bool]) -> StatsDict:
    """Remove what the workbench itself did while cProfile ran.

    An entry is ours if it is in our package, or if every call to it came from an entry
    of ours other than the runners (the sampler's signal handler calling into pathlib,
    say). Calls that our entries made to a function the user also called are subtracted
    from its counts, except a runner's calls into the user's own code (an async run's
    runner awaits the user's coroutine inside the run): that is the user's work.
    """
    own = {key for key in stats if _is_own(key)}
    seeds = {key for key in own if key[0] not in RUNNER_FILES}
    grew = True
    while grew:
        grew = False
        for key, entry in stats.items():
            callers = entry[4]
            if key not in own and callers and all(caller in seeds for caller in callers):
                own.add(key)
                seeds.add(key)
                grew = True
    clean: StatsDict = {}
    for key, (cc, nc, tt, ct, callers) in stats.items():
        if key in own:
            continue
        for caller in own.intersection(callers):
            if caller[0] in RUNNER_FILES and is_user_code(key[0]):
                continue
            edge = callers[caller]  # cProfile's edges: (calls, primitive calls, tt, ct)
            cc, nc, tt, ct = cc - edge[1], nc - edge[0], tt - edge[2], ct - edge[3]
        if nc <= 0:
            continue  # every call to it was ours
        kept = {caller: value for caller, value in callers.items() if caller not in own}
        clean[key] = (cc, nc, max(tt, 0.0), max(ct, 0.0), kept)
    # A caller can also vanish when every call to it was a runner's (a library function
    # that our session called): its callees then start from outside. pstats' readers
    # (snakeviz) expect every caller to be an entry.
    return {
        key: (cc, nc, tt, ct, {c: v for c, v in callers.items() if c in clean})
        for key, (cc, nc, tt, ct, callers) in clean.items()
    }


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
