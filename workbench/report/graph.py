"""pstats' statistics as arrays: the call graph the correction walks, read once.

The correction reads every caller edge three times (the hook's cost per call, the
components of recursion, the overhead carried up); with a Python loop per edge, the own
times took 0.7 s and the overheads carried up 2.3 s on 200,000 functions (Python 3.11),
the whole correction 13 s with 1,000 sampled stacks 200 deep (now 0.9 s). Here the
entries and their edges are read into NumPy arrays once, in the statistics' order (edges
callee by callee, each callee's callers in their dict's order), so the steps that follow
can keep the order of the additions they make: their sums are the ones a loop in that
order gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain, repeat
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from workbench.collectors.functions import StatsDict, StatsKey

__all__ = ["CallGraph", "Floats", "Ints"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CallGraph:
    """Entries by position (their order in the statistics) and their caller edges.

    Attributes:
        keys: the entries' names, in the statistics' order.
        position: each name's position.
        primitive: per entry, pstats' primitive calls.
        calls, tottime, cumtime: per entry (pstats' ncalls, tottime, cumtime).
        builtin: per entry, whether it is a builtin (file "~").
        callee: per edge, the position of the entry called.
        caller: per edge, the caller's position, -1 when the caller is no entry.
        caller_builtin: per edge, whether the caller is a builtin (entry or not).
        edge_calls: per edge, its calls (pstats' edge[0]).
        edge_cumtime: per edge, the callee's cumulative time under that caller.
        named, edges: per edge, the caller's name and pstats' edge as given.
    """

    keys: list[StatsKey]
    position: dict[StatsKey, int]
    primitive: tuple[int, ...]
    calls: Ints
    tottime: Floats
    cumtime: Floats
    builtin: npt.NDArray[np.bool_]
    callee: Ints
    caller: Ints
    caller_builtin: npt.NDArray[np.bool_]
    edge_calls: Ints
    edge_cumtime: Floats
    named: tuple[StatsKey, ...]
    edges: tuple[Any, ...]

    @classmethod
    def of(cls, stats: StatsDict) -> CallGraph:
        """Read `stats` (pstats' layout) into arrays (column by column, in C where it
        can: a tuple per edge built in Python took 0.4 s on 200,000 functions)."""
        keys = list(stats)
        position = dict(zip(keys, range(len(keys)), strict=True))
        if not keys:
            return cls(keys, position, (), *_EMPTY, (), ())
        primitive, calls, tottime, cumtime, callers = zip(*stats.values(), strict=True)
        pairs = list(chain.from_iterable(entry.items() for entry in callers))
        named, edges = zip(*pairs, strict=True) if pairs else ((), ())
        at = np.fromiter(map(position.get, named, repeat(-1)), np.int64, len(named))
        builtin = np.array([key[0] == "~" for key in keys], dtype=np.bool_)
        caller_builtin = builtin[at]
        for i in np.flatnonzero(at < 0).tolist():  # callers that are no entry: rare
            caller_builtin[i] = named[i][0] == "~"
        return cls(
            keys=keys,
            position=position,
            primitive=primitive,
            calls=np.array(calls, dtype=np.int64),
            tottime=np.array(tottime, dtype=np.float64),
            cumtime=np.array(cumtime, dtype=np.float64),
            builtin=builtin,
            callee=np.repeat(np.arange(len(keys)), [len(c) for c in callers]),
            caller=at,
            caller_builtin=caller_builtin,
            edge_calls=np.fromiter(map(itemgetter(0), edges), np.int64, len(edges)),
            edge_cumtime=np.fromiter(map(itemgetter(3), edges), np.float64, len(edges)),
            named=named,
            edges=edges,
        )

    def __len__(self) -> int:
        return len(self.keys)

    def callees(self) -> list[list[int]]:
        """Per entry, the positions of the entries it calls (edges whose caller it is),
        in the statistics' order."""
        out: list[list[int]] = [[] for _ in self.keys]
        for callee, caller in zip(self.callee.tolist(), self.caller.tolist(), strict=True):
            if caller >= 0:
                out[caller].append(callee)
        return out


_EMPTY = (
    np.zeros(0, dtype=np.int64),
    np.zeros(0, dtype=np.float64),
    np.zeros(0, dtype=np.float64),
    np.zeros(0, dtype=np.bool_),
    np.zeros(0, dtype=np.int64),
    np.zeros(0, dtype=np.int64),
    np.zeros(0, dtype=np.bool_),
    np.zeros(0, dtype=np.int64),
    np.zeros(0, dtype=np.float64),
)
