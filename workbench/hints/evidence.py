"""What the hint rules read (`Evidence`) and what they say (`Hint`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import CodeType
from typing import Any

import pandas as pd

from workbench.collectors.arguments import CallSample
from workbench.options import MemoryMode
from workbench.source import SourceIndex

__all__ = ["Evidence", "Hint", "StatsKey"]

StatsKey = tuple[str, int, str]


@dataclass(frozen=True)
class Evidence:
    """What a run measured, as the hint rules read it.

    Attributes:
        stats: cProfile's statistics (pstats layout), our own frames removed.
        tasks: the report's tasks table.
        wall, cpu: seconds of the run.
        waiting: seconds the event loop sat idle (None: no loop ran).
        peak: peak memory in bytes of the memory lens (None: not measured).
        memory: the run's memory lens (its plan): "tracemalloc" makes `peak` the Python
            heap's and fills `allocations`.
        allocations: (file, line, bytes held) near the peak, largest first (tracemalloc).
        line_samples: CPU-time samples per (code, line) of user code.
        sample_seconds: CPU seconds one sample stands for (0: no sampling).
        arguments: sampled calls' argument signatures per function (None: not sampled).
        threads: threads the code started during the run, those its threads started
            included (not those of threads that were running before it).
        index: tells user code and readable file names.
    """

    stats: Mapping[StatsKey, Any]
    tasks: pd.DataFrame
    wall: float
    cpu: float
    waiting: float | None
    peak: int | None
    memory: MemoryMode
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
