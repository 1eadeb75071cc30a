"""Carry what each function spent up to its callers along pstats' edges, as gprof does.

pstats keeps only caller -> callee edges, each with the callee's cumulative time when
called from that caller. A function's overhead reaches each caller in proportion to
that time, then goes on up. Recursion (a cycle of calls) is taken as one group: the
group's total reaches the callers outside it, and each member carries the group's
total in proportion to its own cumulative time. One pass over the edges, callees first.
"""

from __future__ import annotations

from collections.abc import Mapping

from workbench.collectors.functions import StatsDict, StatsKey

__all__ = ["flow_up"]


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
