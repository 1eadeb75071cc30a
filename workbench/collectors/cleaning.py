"""cProfile's statistics cleaned of what the workbench itself did while it ran.

A profile holds a few entries of ours (the session's frames, the sampler's handler, what
they called) among thousands of the user's, so every step here finds the few entries it
changes and keeps the others as they are: the same tuple, the same callers dict (nothing
downstream changes one in place). Copying every entry at every step was most of a stop:
0.5 s of 1.2 s on 50,000 functions, and 0.2 s per full copy on 200,000.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from workbench._paths import RUNNER_FILES, is_own_file
from workbench.collectors.comprehensions import fold_comprehensions
from workbench.collectors.gc_pause import paused_gc

if TYPE_CHECKING:  # functions.py imports this module
    from workbench.collectors.functions import StatsDict, StatsKey

__all__ = [
    "cells_started_from_outside",
    "cleaned",
    "own_time_under",
    "without_own_entries",
    "without_transparent",
]

_PROFILER_METHODS = ("<method 'enable' of ", "<method 'disable' of ")


def cleaned(
    raw: StatsDict,
    transparent: set[StatsKey],
    is_user_code: Callable[[str], bool],
    is_cell: Callable[[str], bool],
) -> tuple[StatsDict, dict[StatsKey, float]]:
    """The user's statistics and, per kept function, the seconds of ours inside it.

    The carrier frames out (`without_transparent`), then our entries
    (`without_own_entries`), a cell's start from a runner's builtin cut
    (`cells_started_from_outside`), comprehensions folded into their functions
    (`fold_comprehensions`); the seconds are `own_time_under`'s, for the functions left.
    """
    with paused_gc():
        visible = without_transparent(raw, transparent)
        clean = without_own_entries(visible, is_user_code)
        kept = cells_started_from_outside(visible, clean, is_cell)
        hidden = own_time_under(visible, kept)
        stats = fold_comprehensions(kept)
    # The workbench's time under a folded comprehension stays in its caller's own time
    # (a signal handler that interrupted one: rare, and microseconds).
    return stats, {key: seconds for key, seconds in hidden.items() if key in stats}


def without_transparent(stats: StatsDict, transparent: set[StatsKey]) -> StatsDict:
    """Drop the frames that only carry the profiled code (an async run's callers).

    Unlike our own entries, their callees keep every call: the edge to the dropped
    frame goes, the counts stay.
    """
    if not transparent:
        return stats
    return {
        key: (
            entry
            if transparent.isdisjoint(entry[4])
            else (*entry[:4], {c: v for c, v in entry[4].items() if c not in transparent})
        )
        for key, entry in stats.items()
        if key not in transparent
    }


def cells_started_from_outside(
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
    out = dict(clean)
    for key, entry in clean.items():
        callers = entry[4]
        if key[2] == "<module>" and not carriers.isdisjoint(callers) and is_cell(key[0]):
            out[key] = (*entry[:4], {c: v for c, v in callers.items() if c not in carriers})
    return out


def own_time_under(stats: StatsDict, clean: StatsDict) -> dict[StatsKey, float]:
    """Per kept function, the seconds its calls into the workbench took (the sampler's
    signal handler, run inside whatever it interrupted): gone from the table, but still
    inside the cumulative times of the function and its callers."""
    hidden: dict[StatsKey, float] = {}
    for key in [key for key in stats if key not in clean]:  # the few entries gone
        for caller, edge in stats[key][4].items():
            if caller in clean:
                hidden[caller] = hidden.get(caller, 0.0) + edge[3]
    return hidden


def _own_keys(stats: StatsDict) -> set[StatsKey]:
    """Our entries and those only ours called: the least set closed under "every caller
    is ours, not a runner" (the order keys join it in does not change it). Ours: the
    workbench's modules and cProfile's enable/disable.

    A key is looked at when one of its callers joins, through an index of each entry's
    callees: passes over every entry until nothing grew took 6 passes over 200,000
    entries in a profile of that size (0.2 s), the index 0.08 s.
    """
    files = {key[0] for key in stats}
    ours = {filename for filename in files if is_own_file(filename)}
    own = {
        key
        for key in stats
        if key[0] in ours or (key[0] == "~" and key[2].startswith(_PROFILER_METHODS))
    }  # a file's test once, not per function
    seeds = {key for key in own if key[0] not in RUNNER_FILES}
    callees: dict[StatsKey, list[StatsKey]] = {}
    for key, entry in stats.items():
        for caller in entry[4]:
            callees.setdefault(caller, []).append(key)
    work = list(seeds)
    while work:
        for key in callees.get(work.pop(), ()):
            callers = stats[key][4]
            if key not in own and seeds.issuperset(callers):
                own.add(key)
                seeds.add(key)
                work.append(key)
    return own


def without_own_entries(stats: StatsDict, is_user_code: Callable[[str], bool]) -> StatsDict:
    """Remove what the workbench itself did while cProfile ran.

    An entry is ours if it is in our package, or if every call to it came from an entry
    of ours other than the runners (the sampler's signal handler calling into pathlib,
    say). Calls that our entries made to a function the user also called are subtracted
    from its counts (in the order of its callers), except a runner's calls into the
    user's own code (an async run's runner awaits the user's coroutine inside the run):
    that is the user's work.
    """
    own = _own_keys(stats)
    names = stats.keys()
    # Entries kept as they are: not ours, called by none of ours, counted, no time below
    # zero, every caller an entry. The others (a few) are looked at one by one; a loop
    # over all of them took 0.3 s for 200,000, these two comprehensions 0.07 s.
    odd = [
        key
        for key, (_, nc, tt, ct, callers) in stats.items()
        if key not in own
        and (
            nc <= 0
            or tt < 0.0
            or ct < 0.0
            or not own.isdisjoint(callers)
            or not callers.keys() <= names
        )
    ]
    clean: StatsDict = {key: entry for key, entry in stats.items() if key not in own}
    dropped = False  # an entry gone that another may name as its caller
    for key in odd:
        cc, nc, tt, ct, callers = clean[key]
        for caller in callers:
            if caller not in own or (caller[0] in RUNNER_FILES and is_user_code(key[0])):
                continue
            edge = callers[caller]  # cProfile's edges: (calls, primitive calls, tt, ct)
            cc, nc, tt, ct = cc - edge[1], nc - edge[0], tt - edge[2], ct - edge[3]
        if nc <= 0:
            del clean[key]  # every call to it was ours
            dropped = True
            continue
        kept = (
            callers
            if own.isdisjoint(callers)
            else {c: v for c, v in callers.items() if c not in own}
        )
        clean[key] = (cc, nc, max(tt, 0.0), max(ct, 0.0), kept)
    # A caller can also vanish when every call to it was a runner's (a library function
    # that our session called): its callees then start from outside. pstats' readers
    # (snakeviz) expect every caller to be an entry.
    for key in clean if dropped else [key for key in odd if key in clean]:
        cc, nc, tt, ct, callers = clean[key]
        if not callers.keys() <= clean.keys():
            clean[key] = (cc, nc, tt, ct, {c: v for c, v in callers.items() if c in clean})
    return clean
