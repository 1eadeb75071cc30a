"""The corrected statistics, in pstats' layout, each entry made when it is read.

The report reads every function's corrected times (the functions table) but the edges
of a few (the hints that walk callers); a dict of every entry with its edges took 91
MiB and 0.2 s for 200,000 functions. `Corrected` holds the times by position and makes
an entry, edges scaled, on demand: the same values a dict would hold.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from workbench.collectors.functions import StatsKey
from workbench.report.graph import CallGraph, Floats

__all__ = ["Corrected", "Entry", "times"]

Entry = tuple[int, int, float, float, dict[StatsKey, Any]]


class Corrected(Mapping[StatsKey, Entry]):
    """pstats' layout with the corrected own and cumulative times, call counts as
    measured; each edge's times scaled as its callee's (tottime by the callee's own-time
    ratio, cumtime by its cumulative-time ratio).

    Parameters:
        graph: the measured statistics, read into arrays.
        own, cumulative: the corrected times, by position.
    """

    def __init__(self, graph: CallGraph, own: Floats, cumulative: Floats) -> None:
        tt, ct = graph.tottime, graph.cumtime
        with np.errstate(divide="ignore", invalid="ignore"):
            self._own_ratio = np.where(tt > 0, own / tt, 1.0).tolist()
            self._cum_ratio = np.where(ct > 0, cumulative / ct, 1.0).tolist()
        self._graph = graph
        self._calls = graph.calls.tolist()
        self._own = own.tolist()
        self._cumulative = cumulative.tolist()
        degree = np.bincount(graph.callee, minlength=len(graph))
        self._starts = np.concatenate([[0], np.cumsum(degree)]).tolist()

    def __getitem__(self, key: StatsKey) -> Entry:
        i = self._graph.position[key]
        start, end = self._starts[i], self._starts[i + 1]
        own_ratio, cum_ratio = self._own_ratio[i], self._cum_ratio[i]
        edges = {
            caller: (edge[0], edge[1], edge[2] * own_ratio, edge[3] * cum_ratio)
            for caller, edge in zip(
                self._graph.named[start:end], self._graph.edges[start:end], strict=True
            )
        }
        return (self._graph.primitive[i], self._calls[i], self._own[i], self._cumulative[i], edges)

    def __contains__(self, key: object) -> bool:
        return key in self._graph.position

    def __iter__(self) -> Iterator[StatsKey]:
        return iter(self._graph.keys)

    def __len__(self) -> int:
        return len(self._graph.keys)

    def times(self) -> tuple[list[int], list[int], list[float], list[float]]:
        """Per entry in order: primitive calls, calls, own and cumulative time (what the
        functions table reads, without making the edges)."""
        return list(self._graph.primitive), self._calls, self._own, self._cumulative


def times(
    stats: Mapping[StatsKey, Entry],
) -> tuple[list[int], list[int], list[float], list[float]]:
    """Per entry of `stats` in order: primitive calls, calls, own and cumulative time."""
    if isinstance(stats, Corrected):
        return stats.times()
    if not stats:
        return [], [], [], []
    primitive, calls, own, cumulative, _ = zip(*stats.values(), strict=True)
    return list(primitive), list(calls), list(own), list(cumulative)
