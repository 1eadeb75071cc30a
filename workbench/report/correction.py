"""Estimate the unprofiled times from cProfile's raw ones: take the hook's cost back out.

cProfile charges every call event's cost to the functions around it, so a stage of many
tiny calls looks far bigger than it is ("function bias"). With the calibrated cost per
event (`HookCost`) and cProfile's exact call counts, a function's own time is corrected
exactly where the cost lands: a function's own calls cost it the callee's part, the calls
it makes cost it the caller's part (each by its kind: a call from Python, from a builtin,
a generator's resumption, a builtin's call), the more the rarer the function among the
run's calls (cProfile's lookups go deeper), and on 3.11 its bytecode ran `bytecode`
times slower.

A function's cumulative time loses the overhead of everything that ran under it. Which
functions ran under which is what pstats cannot say where a function has several callers
(a shared builtin such as `sum` or `sorted` between a stage and its callees): the CPU-time
sampler's stacks can, so each function's overhead is shared among its ancestors by the
stacks it was sampled in; a function never sampled (too short to matter much) follows
its callers in proportion to their cumulative time along pstats' edges.

Guarantees, whatever the input: no time becomes negative or larger than measured, and a
function's cumulative time stays at least its own.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np

from workbench.collectors.calibration import HookCost
from workbench.collectors.functions import StatsDict, StatsKey
from workbench.report.corrected import Corrected, Entry
from workbench.report.graph import CallGraph, Floats
from workbench.report.propagation import carried_up

__all__ = ["Correction", "Stacks", "correct", "own_times"]

# Sampled stacks, outermost frame first, each with its number of samples.
Stacks = Mapping[tuple[StatsKey, ...], int]


@dataclass(frozen=True)
class Correction:
    """The corrected statistics and what the hook cost this run.

    Attributes:
        stats: pstats' layout with own and cumulative times (and the edges' times)
            estimating the unprofiled run; call counts unchanged (`Corrected`: each
            entry made when read).
        raw_seconds: the summed own times cProfile measured.
        seconds: the summed own times estimated without the profiler.
    """

    stats: Mapping[StatsKey, Entry]
    raw_seconds: float
    seconds: float

    @property
    def slowdown(self) -> float:
        """How many times longer the profiled code ran than it would have unprofiled."""
        return self.raw_seconds / self.seconds if self.seconds > 0 else 1.0


def _lookup_factors(graph: CallGraph, cost: HookCost) -> Floats:
    """Per function, how much more its call events cost than the kernels' one function.

    cProfile finds each event's function in a self-adjusting tree of every function seen;
    in such a tree a function called with frequency p sits about log(1/p) deep (the
    entropy bound), so rare functions cost more per call than a hot one (see
    `HookCost.lookup_factor`). Most functions share a few call counts (1, 2...): each
    count's factor is computed once.
    """
    total = sum(graph.calls.tolist())
    counts, which = np.unique(graph.calls, return_inverse=True)
    factors = [cost.lookup_factor(total / n) if n > 0 else 1.0 for n in counts.tolist()]
    return np.array(factors, dtype=np.float64)[which]


def _parts(
    graph: CallGraph, cost: HookCost, resumable: Collection[StatsKey], side: str
) -> tuple[Floats, Floats]:
    """One side ("caller" or "callee") of each call event's cost: per edge, and per
    function for its calls from outside, by kind: a builtin's call, a
    generator's resumption, a call from a builtin, a call from Python."""
    c, resume, from_c, py = (
        getattr(event, side) for event in (cost.c, cost.resume, cost.from_c, cost.py)
    )
    resumed = np.array([key in resumable for key in graph.keys], dtype=np.bool_)
    python = np.where(graph.caller_builtin, from_c, py)
    per_edge = np.where(
        graph.builtin[graph.callee], c, np.where(resumed[graph.callee], resume, python)
    )
    return per_edge, np.where(graph.builtin, c, np.where(resumed, resume, py))


def own_times(
    stats: StatsDict,
    cost: HookCost,
    resumable: Collection[StatsKey] = (),
    graph: CallGraph | None = None,
) -> dict[StatsKey, float]:
    """Each function's own time without the hook's cost, within [0, measured].

    Every call is charged by its kind (see `HookCost`): the caller's part to the caller,
    the callee's part to the callee; calls from outside the profile (no edge) are
    charged as calls from Python; every call of a generator or coroutine (`resumable`)
    as a resumption, which cProfile counts as a call.
    """
    graph = graph if graph is not None else CallGraph.of(stats)
    return dict(zip(graph.keys, _own(graph, cost, resumable).tolist(), strict=True))


def _own(graph: CallGraph, cost: HookCost, resumable: Collection[StatsKey]) -> Floats:
    """`own_times` by position. The charges are added in the order a loop over the
    functions and their callers makes them (per function: per edge its own part, then
    its caller's; its calls from outside last), as `np.add.at` adds in the order given:
    the sums are that loop's, which took 0.7 s on 200,000 functions."""
    n, edges = len(graph), len(graph.callee)
    if not n:
        return np.zeros(0)
    factor = _lookup_factors(graph, cost)
    callee_part, outside_part = _parts(graph, cost, resumable, "callee")
    caller_part, _ = _parts(graph, cost, resumable, "caller")
    counted = np.bincount(graph.callee, weights=graph.edge_calls, minlength=n)
    outside = np.maximum(graph.calls - counted.astype(np.int64), 0)
    # Slots: function i's edges j take 2j + i and 2j + i + 1, its calls from outside the
    # one after its last edge's.
    target = np.full(2 * edges + n, -1, dtype=np.int64)
    value = np.zeros(2 * edges + n, dtype=np.float64)
    at = 2 * np.arange(edges) + graph.callee
    edge_factor = factor[graph.callee]
    target[at], value[at] = graph.callee, graph.edge_calls * callee_part * edge_factor
    target[at + 1], value[at + 1] = graph.caller, graph.edge_calls * caller_part * edge_factor
    last = 2 * np.cumsum(np.bincount(graph.callee, minlength=n)) + np.arange(n)
    target[last], value[last] = np.arange(n), outside * outside_part * factor
    charged = np.zeros(n, dtype=np.float64)
    kept = target >= 0  # a caller that is no entry is charged nothing
    np.add.at(charged, target[kept], value[kept])
    estimate = graph.tottime - charged
    estimate = np.where(graph.builtin, estimate, estimate / cost.bytecode)
    estimate = np.where(estimate < 0.0, 0.0, estimate)  # max(estimate, 0.0)
    return np.where(graph.tottime < estimate, graph.tottime, estimate)  # min(.., tottime)


def _sampled_under(graph: CallGraph, overhead: Floats, stacks: Stacks) -> tuple[Floats, Floats]:
    """Per function: the samples it was on the stack in, and the overhead of the sampled
    functions that ran under it (its own included), shared by the stacks.

    A function K sampled in `on_stack[K]` samples spreads its overhead over them; each
    function A above K's innermost call in a stack (A's outermost call higher up, A not
    K) gets K's part of that stack's samples. Per stack that is one sum over the
    functions innermost below A's outermost call: a running sum from the stack's bottom
    (comparing every pair of frames took 40,000 steps per stack 200 deep).
    """
    position = graph.position
    frames = []
    on_stack = [0] * len(graph)
    for stack, samples in stacks.items():
        if samples <= 0:
            continue  # counts nothing (and would divide by zero below)
        last = {p: d for d, key in enumerate(stack) if (p := position.get(key)) is not None}
        if not last:
            continue
        first = {position[key]: d for d, key in reversed(list(enumerate(stack))) if key in position}
        for p in last:
            on_stack[p] += samples
        frames.append((samples, len(stack), first, last))
    counts = np.array(on_stack, dtype=np.float64)
    spread_out = (counts > 0) & (overhead > 0)  # the sampled functions with an overhead
    with np.errstate(divide="ignore", invalid="ignore"):
        part = np.where(spread_out, overhead / counts, 0.0).tolist()
    sampled = np.where(spread_out, overhead, 0.0).tolist()
    for samples, depth, first, last in frames:
        below = [0.0] * (depth + 1)  # below[d]: the parts of those innermost at d or deeper
        for p, innermost in last.items():
            below[innermost] = part[p]
        for d in range(depth - 1, -1, -1):
            below[d] += below[d + 1]
        for p, outermost in first.items():
            spread = below[outermost + 1]
            if last[p] > outermost:
                spread -= part[p]
            if spread:
                sampled[p] += spread * samples
    return counts, np.array(sampled, dtype=np.float64)


def _overhead_under(graph: CallGraph, overhead: Floats, stacks: Stacks) -> Floats:
    """Per function, the overhead of everything that ran under it (its own included).

    A sampled function's overhead reaches its Python callers as the stacks it was
    sampled in say; everything else (an unsampled function's, and what reaches a
    builtin, which has no frame in a stack) follows pstats' edges.
    """
    on_stack, sampled = _sampled_under(graph, overhead, stacks)
    unsampled = np.where(on_stack > 0, 0.0, overhead)
    along_all, along_unsampled = carried_up(graph, overhead, unsampled)
    return np.where(graph.builtin, along_all, along_unsampled + sampled)


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
    graph = CallGraph.of(stats)
    own = _own(graph, cost, resumable)
    ours = np.zeros(len(graph))
    for key, seconds in (hidden or {}).items():
        if key in graph.position:
            ours[graph.position[key]] = seconds
    under = _overhead_under(graph, graph.tottime - own + ours, stacks)
    # min(max(ct - under, own), max(ct, own)), as Python's min and max pick
    ct = graph.cumtime
    low, high = ct - under, np.where(own > ct, own, ct)
    low = np.where(own > low, own, low)
    cumulative = np.where(high < low, high, low)
    return Correction(Corrected(graph, own, cumulative), raw_total, sum(own.tolist()))
