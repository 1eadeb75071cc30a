"""The sampled mode's statistics and the report's function and stack tables as they were
before they were made to scale (commit 91f1455), kept verbatim as the reference the
optimised code is checked against (test_scale_equivalence): a dict of lists per edge and
a dict per table row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from itertools import pairwise
from typing import Any

import pandas as pd

from workbench.collectors.functions import StatsDict, StatsKey
from workbench.report.schema import frame
from workbench.report.stacks import StackSeconds
from workbench.source import SourceIndex

Stacks = Mapping[tuple[StatsKey, ...], int]
Row = dict[str, Any]


def _work(stack: tuple[StatsKey, ...], carriers: Collection[StatsKey]) -> tuple[StatsKey, ...]:
    """The part of `stack` that is the profiled code's: under the innermost carrier frame
    (an event loop's callback runner, which carries an async run's steps), if any."""
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth] in carriers:
            return stack[depth + 1 :]
    return stack


def stats_from_stacks(stacks: StackSeconds, carriers: Collection[StatsKey] = ()) -> StatsDict:
    """Own and cumulative time per function, and per caller->callee edge, from samples.

    Parameters:
        stacks: CPU seconds per stack (the samples' weights), outermost frame first.
        carriers: frames that only carry the profiled code (an event loop's), left out
            with everything above them.

    Returns:
        pstats' layout: (0, 0, own seconds, cumulative seconds, callers), each caller
        edge (0, 0, own seconds and cumulative seconds of the callee directly under that
        caller): call counts are 0, as nothing counted them.
    """
    own: dict[StatsKey, float] = defaultdict(float)
    cumulative: dict[StatsKey, float] = defaultdict(float)
    # callee -> caller -> [seconds with the callee innermost, seconds under the pair]
    edges: dict[StatsKey, dict[StatsKey, list[float]]] = defaultdict(
        lambda: defaultdict(lambda: [0.0, 0.0])
    )
    for full, seconds in stacks.items():
        stack = _work(full, carriers)
        if not stack:
            continue
        own[stack[-1]] += seconds
        for key in set(stack):
            cumulative[key] += seconds
        if len(stack) > 1:
            edges[stack[-1]][stack[-2]][0] += seconds
        for caller, callee in set(pairwise(stack)):
            edges[callee][caller][1] += seconds
    stats: StatsDict = {}
    for key, seconds in cumulative.items():
        callers = {caller: (0, 0, inner, under) for caller, (inner, under) in edges[key].items()}
        stats[key] = (0, 0, own[key], seconds, callers)
    return stats


def stacks_frame(
    stacks: Stacks,
    seconds: StackSeconds,
    index: SourceIndex,
    carriers: Collection[StatsKey] = (),
) -> pd.DataFrame:
    """The `stacks` table: one row per frame of each distinct stack, outermost first.

    Parameters:
        stacks: samples per stack, outermost frame first.
        seconds: CPU seconds per stack (the samples' weights).
        index: labels files as the functions table does.
        carriers: frames that only carry the profiled code, cut off as in
            `stats_from_stacks`.

    Returns:
        Columns stack (its number), depth (0: outermost), function, file, line, samples
        and seconds (of the whole stack, on each of its rows); the most sampled first.
    """
    merged: dict[tuple[StatsKey, ...], int] = defaultdict(int)
    weights: dict[tuple[StatsKey, ...], float] = defaultdict(float)
    for full, samples in stacks.items():
        stack = _work(full, carriers)
        if stack:
            merged[stack] += samples
            weights[stack] += seconds.get(full, 0.0)
    ordered = sorted(merged.items(), key=lambda item: (-weights[item[0]], item[0]))
    rows: list[dict[str, object]] = [
        {
            "stack": number,
            "depth": depth,
            "function": key[2],
            "file": index.label(key[0]),
            "line": key[1],
            "samples": samples,
            "seconds": weights[stack],
        }
        for number, (stack, samples) in enumerate(ordered)
        for depth, key in enumerate(stack)
    ]
    return frame("stacks", rows)


def functions_rows(
    stats: StatsDict, index: SourceIndex, raw: StatsDict, where: str = "client"
) -> list[Row]:
    """The function table's rows of one process (`where`), unranked; `share` is filled
    by `functions_frame`.

    Parameters:
        stats: the times estimating the unprofiled run (`workbench.report.correction`).
        raw: the times cProfile measured, same keys (the raw_* columns).
        where: "client", or the Dask worker's address the times were measured in.
    """
    return [
        {
            "function": key[2],
            "file": index.label(key[0]),
            "line": key[1],
            "ncalls": nc,
            "primitive_calls": cc,
            "tottime": tt,
            "cumtime": ct,
            "raw_tottime": raw[key][2],
            "raw_cumtime": raw[key][3],
            "user_code": index.is_user_code(key[0]),
            "where": where,
        }
        for key, (cc, nc, tt, ct, _) in stats.items()
    ]


def functions_frame(
    stats: StatsDict, index: SourceIndex, raw: StatsDict, more: list[Row] | None = None
) -> pd.DataFrame:
    """One row per function and process, by own time (tottime), highest first.

    Parameters:
        stats: the client's times estimating the unprofiled run.
        raw: the times cProfile measured, same keys (the raw_* columns).
        more: rows of other processes (Dask workers, see `workbench.report.cluster`);
            `share` is of the own time of every row.
    """
    rows = functions_rows(stats, index, raw) + (more or [])
    total = sum(float(r["tottime"]) for r in rows) or 1.0
    for row in rows:
        row["share"] = float(row["tottime"]) / total
    rows.sort(key=lambda r: (-float(r["tottime"]), -float(r["cumtime"]), str(r["function"])))
    return frame("functions", rows)


def stack_paths(table: pd.DataFrame) -> list[tuple[tuple[StatsKey, ...], int, float]]:
    """The `stacks` table read back: (frames outermost first, samples, seconds) per stack,
    in the table's order; each frame is (file label, line, function)."""
    out = []
    for _, rows in table.sort_values(["stack", "depth"]).groupby("stack", sort=True):
        path = tuple(
            (str(file), int(line), str(function))
            for file, line, function in zip(
                rows["file"], rows["line"], rows["function"], strict=True
            )
        )
        out.append((path, int(rows["samples"].iloc[0]), float(rows["seconds"].iloc[0])))
    return out
