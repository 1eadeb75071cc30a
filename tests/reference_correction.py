"""The correction and its propagation as they were before they were made to scale
(commit 91f1455), kept verbatim as the reference the optimised code is checked against
(test_scale_equivalence): they compared every pair of frames of a stack and walked
every edge in Python several times."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from typing import Any

from workbench.collectors.calibration import EventCost, HookCost
from workbench.collectors.functions import StatsDict, StatsKey
from workbench.report.correction import Correction

Stacks = Mapping[tuple[StatsKey, ...], int]
Row = dict[str, Any]


def _is_builtin(key: StatsKey) -> bool:
    return key[0] == "~"


def _event(
    cost: HookCost, caller: StatsKey | None, callee: StatsKey, resumable: Collection[StatsKey]
) -> EventCost:
    """The kind of call event a call from `caller` (None: from outside) to `callee` is."""
    if _is_builtin(callee):
        return cost.c
    if callee in resumable:
        return cost.resume
    if caller is not None and _is_builtin(caller):
        return cost.from_c
    return cost.py


def _lookup_factors(stats: StatsDict, cost: HookCost) -> dict[StatsKey, float]:
    """Per function, how much more its call events cost than the kernels' one function.

    cProfile finds each event's function in a self-adjusting tree of every function seen;
    in such a tree a function called with frequency p sits about log(1/p) deep (the
    entropy bound), so rare functions cost more per call than a hot one (see
    `HookCost.lookup_factor`).
    """
    total = sum(entry[1] for entry in stats.values())
    return {
        key: cost.lookup_factor(total / entry[1]) if entry[1] > 0 else 1.0
        for key, entry in stats.items()
    }


def own_times(
    stats: StatsDict, cost: HookCost, resumable: Collection[StatsKey] = ()
) -> dict[StatsKey, float]:
    """Each function's own time without the hook's cost, within [0, measured].

    Every call is charged by its kind (see `HookCost`): the caller's part to the caller,
    the callee's part to the callee; calls from outside the profile (no edge) are
    charged as calls from Python; every call of a generator or coroutine (`resumable`)
    as a resumption, which cProfile counts as a call.
    """
    charged: dict[StatsKey, float] = dict.fromkeys(stats, 0.0)
    factors = _lookup_factors(stats, cost)
    for callee, (_, calls, _, _, callers) in stats.items():
        outside = calls
        factor = factors[callee]
        for caller, edge in callers.items():
            event = _event(cost, caller, callee, resumable)
            n = edge[0]  # cProfile's edges: (calls, primitive calls, tt, ct)
            outside -= n
            charged[callee] += n * event.callee * factor
            if caller in charged:
                charged[caller] += n * event.caller * factor
        outside_event = _event(cost, None, callee, resumable)
        charged[callee] += max(outside, 0) * outside_event.callee * factor
    own: dict[StatsKey, float] = {}
    for key, (_, _, tottime, _, _) in stats.items():
        estimate = tottime - charged[key]
        if not _is_builtin(key):
            estimate /= cost.bytecode
        own[key] = min(max(estimate, 0.0), tottime)
    return own


def _sampled_ancestors(
    stats: StatsDict, stacks: Stacks
) -> tuple[Counter[StatsKey], dict[StatsKey, Counter[StatsKey]]]:
    """Per function: the samples it was on the stack in, and how many of those had each
    other function as a caller (somewhere above its innermost call)."""
    on_stack: Counter[StatsKey] = Counter()
    under: dict[StatsKey, Counter[StatsKey]] = defaultdict(Counter)
    for stack, samples in stacks.items():
        first: dict[StatsKey, int] = {}
        last: dict[StatsKey, int] = {}
        for depth, key in enumerate(stack):
            if key in stats:
                first.setdefault(key, depth)
                last[key] = depth
        for key, innermost in last.items():
            on_stack[key] += samples
            ancestors = under[key]
            for other, outermost in first.items():
                if outermost < innermost and other != key:
                    ancestors[other] += samples
    return on_stack, under


def _overhead_under(
    stats: StatsDict, overhead: dict[StatsKey, float], stacks: Stacks
) -> dict[StatsKey, float]:
    """Per function, the overhead of everything that ran under it (its own included).

    A sampled function's overhead reaches its Python callers as the stacks it was
    sampled in say; everything else (an unsampled function's, and what reaches a
    builtin, which has no frame in a stack) follows pstats' edges.
    """
    on_stack, ancestors = _sampled_ancestors(stats, stacks)
    unsampled = {key: spent for key, spent in overhead.items() if not on_stack[key]}
    along_all, along_unsampled = flow_up(stats, overhead, unsampled)
    sampled: dict[StatsKey, float] = defaultdict(float)
    for key, samples in on_stack.items():
        spent = overhead[key]
        if spent <= 0:
            continue
        sampled[key] += spent
        for ancestor, n in ancestors[key].items():
            sampled[ancestor] += spent * n / samples
    return {
        key: along_all[key] if _is_builtin(key) else along_unsampled[key] + sampled[key]
        for key in stats
    }


def correct(
    stats: StatsDict,
    cost: HookCost | None,
    stacks: Stacks,
    hidden: Mapping[StatsKey, float] | None = None,
    resumable: Collection[StatsKey] = (),
) -> Correction:
    """cProfile's statistics with the hook's cost taken out.

    Parameters:
        stats: cProfile's statistics (pstats' layout), the workbench's entries removed.
        cost: the calibrated cost of the hook; None leaves the times as measured.
        stacks: the CPU-time sampler's stacks of the run (may be empty).
        hidden: seconds the workbench's own code ran inside each function (the
            sampler's handler), taken out of the cumulative times too.

    Returns:
        The corrected statistics and the run's measured and estimated own-time totals.
    """
    raw_total = sum(entry[2] for entry in stats.values())
    if cost is None:
        return Correction(stats, raw_total, raw_total)
    own = own_times(stats, cost, resumable)
    hidden = hidden or {}
    overhead = {key: entry[2] - own[key] + hidden.get(key, 0.0) for key, entry in stats.items()}
    under = _overhead_under(stats, overhead, stacks)
    cumulative = {
        key: min(max(entry[3] - under[key], own[key]), max(entry[3], own[key]))
        for key, entry in stats.items()
    }
    corrected: StatsDict = {}
    for key, (cc, nc, tt, ct, callers) in stats.items():
        own_ratio = own[key] / tt if tt > 0 else 1.0
        cum_ratio = cumulative[key] / ct if ct > 0 else 1.0
        edges = {
            caller: (e[0], e[1], e[2] * own_ratio, e[3] * cum_ratio)
            for caller, e in callers.items()
        }
        corrected[key] = (cc, nc, own[key], cumulative[key], edges)
    return Correction(corrected, raw_total, sum(own.values()))


def _callees(stats: StatsDict) -> dict[StatsKey, list[StatsKey]]:
    edges: dict[StatsKey, list[StatsKey]] = {key: [] for key in stats}
    for callee, entry in stats.items():
        for caller in entry[4]:
            if caller in edges:
                edges[caller].append(callee)
    return edges


def components(stats: StatsDict) -> list[list[StatsKey]]:
    """The call graph's strongly connected components, callees' before their callers'
    (Tarjan's algorithm, without recursion: call graphs are deep)."""
    edges = _callees(stats)
    index: dict[StatsKey, int] = {}
    low: dict[StatsKey, int] = {}
    on_stack: set[StatsKey] = set()
    stack: list[StatsKey] = []
    found: list[list[StatsKey]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, next_edge = work.pop()
            if next_edge == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            for i in range(next_edge, len(edges[node])):
                callee = edges[node][i]
                if callee not in index:
                    work.append((node, i + 1))
                    work.append((callee, 0))
                    break
                if callee in on_stack:
                    low[node] = min(low[node], index[callee])
            else:
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    found.append(component)
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return found


def flow_up(
    stats: StatsDict, *spent: Mapping[StatsKey, float]
) -> tuple[dict[StatsKey, float], ...]:
    """Per function, the seconds of each `spent` that ran under it (its own included).

    Parameters:
        stats: pstats' layout; the edges' cumulative times say where each call came from.
        spent: seconds per function to carry up (overheads); missing keys carry none.

    Returns:
        One mapping per `spent`, with every function of `stats`.
    """
    groups = components(stats)
    group_of = {key: i for i, group in enumerate(groups) for key in group}
    results = []
    for carried in spent:
        arrived = [0.0] * len(groups)
        under: dict[StatsKey, float] = {}
        for i, group in enumerate(groups):
            total = arrived[i] + sum(carried.get(key, 0.0) for key in group)
            widest = max(stats[key][3] for key in group)
            for key in group:
                under[key] = total * (stats[key][3] / widest if widest > 0 else 1.0)
            if total > 0:
                _pass_on(stats, group, i, group_of, total, arrived)
        results.append(under)
    return tuple(results)


def _pass_on(
    stats: StatsDict,
    group: list[StatsKey],
    i: int,
    group_of: dict[StatsKey, int],
    total: float,
    arrived: list[float],
) -> None:
    """Share a group's total among its callers outside it, by their edges' cumulative
    time (by calls where no time was measured)."""
    outside = [
        (group_of[caller], max(edge[3], 0.0), edge[0])
        for key in group
        for caller, edge in stats[key][4].items()
        if caller in group_of and group_of[caller] != i
    ]
    seconds = sum(ct for _, ct, _ in outside)
    calls = sum(n for _, _, n in outside)
    for caller_group, ct, n in outside:
        share = ct / seconds if seconds > 0 else (n / calls if calls > 0 else 0.0)
        arrived[caller_group] += total * share
