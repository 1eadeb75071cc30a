"""Refactor hints from what one run measured: cache, stream, concurrency, hoist.

Each kind has its own module with a function `(Evidence) -> list[Hint]`. The rules are
the same for all of them:

- a hint names the measurement behind it, in words, with this run's numbers;
- `max_gain` never exceeds the time or memory the hint targets (it is an upper bound);
- below a stated threshold there is no hint: a false hint is worse than none.

`build_hints` runs them all and returns the `hints` table, most valuable first (the gain
as a share of the wall time, or of the peak memory for memory hints).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import CodeType
from typing import Any

import pandas as pd

from workbench.collectors.arguments import CallSample
from workbench.schema import frame
from workbench.source import SourceIndex

__all__ = ["Evidence", "Hint", "build_hints"]

StatsKey = tuple[str, int, str]


@dataclass(frozen=True)
class Evidence:
    """What a run measured, as the hint rules read it.

    Attributes:
        stats: cProfile's statistics (pstats layout), our own frames removed.
        tasks: the report's tasks table.
        wall, cpu: seconds of the run.
        waiting: seconds the event loop sat idle (None: no loop ran).
        peak: peak memory in bytes per `memory_source` (None: not measured).
        memory_source: "tracemalloc", "rss" or "none".
        allocations: (file, line, bytes held) near the peak, largest first (tracemalloc).
        line_samples: CPU-time samples per (code, line) of user code.
        sample_seconds: CPU seconds one sample stands for (0: no sampling).
        arguments: sampled calls' argument signatures per function (None: not sampled).
        threads: threads the code started during the run (their calls may be in `stats`
            on 3.12+, where cProfile sees every thread).
        index: tells user code and readable file names.
    """

    stats: Mapping[StatsKey, Any]
    tasks: pd.DataFrame
    wall: float
    cpu: float
    waiting: float | None
    peak: int | None
    memory_source: str
    allocations: Sequence[tuple[str, int, int]]
    line_samples: Mapping[tuple[CodeType, int], int]
    sample_seconds: float
    arguments: Mapping[CodeType, CallSample] | None
    threads: int
    index: SourceIndex


@dataclass(frozen=True)
class Hint:
    """One suggested refactor, with the evidence for it.

    Attributes:
        kind: "cache", "stream", "concurrency" or "hoist".
        function, filename, line: where (the function, and the line the hint is about);
            `filename` as the code has it (the report shows a readable label).
        evidence: the measurements behind it, in words.
        max_gain: the most it can save, in `unit`.
        unit: "s" (seconds) or "B" (bytes of peak memory).
        suggestion: a short code sketch.
    """

    kind: str
    function: str
    filename: str
    line: int
    evidence: str
    max_gain: float
    unit: str
    suggestion: str


def build_hints(evidence: Evidence) -> pd.DataFrame:
    """Every hint the evidence supports, most valuable first, as the `hints` table."""
    from workbench.hints.cache import cache_hints
    from workbench.hints.concurrency import concurrency_hints
    from workbench.hints.hoist import hoist_hints
    from workbench.hints.stream import stream_hints

    rules: list[Callable[[Evidence], list[Hint]]] = [
        cache_hints,
        stream_hints,
        concurrency_hints,
        hoist_hints,
    ]
    hints = [hint for rule in rules for hint in rule(evidence)]

    def value(hint: Hint) -> float:
        whole = evidence.wall if hint.unit == "s" else float(evidence.peak or 0)
        return hint.max_gain / whole if whole > 0 else 0.0

    hints.sort(key=lambda h: (-value(h), h.kind, h.function))
    rows = [
        {
            "kind": h.kind,
            "where": f"{h.function} ({evidence.index.label(h.filename)}:{h.line})",
            "evidence": h.evidence,
            "max_gain": h.max_gain,
            "unit": h.unit,
            "suggestion": h.suggestion,
            "function": h.function,
            "file": evidence.index.label(h.filename),
            "line": h.line,
        }
        for h in hints
    ]
    return frame("hints", rows)
