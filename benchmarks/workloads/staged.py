"""What the accuracy workloads share: independent stages, run in order and timed alone.

A stage is a module-level function of one argument, its prepared input; the profilers see
each stage as one frame under `run`, the truth times each with perf_counter, unprofiled.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

Stage = tuple[Callable[[Any], object], object]  # the stage function and its input


def run(stages: Sequence[Stage]) -> list[object]:
    """Run every stage once on its input, in order (the call the profilers see).

    Parameters:
        stages: (function, input) pairs.

    Returns:
        What each stage returned, so no work can be optimised away.
    """
    return [stage(data) for stage, data in stages]


def seconds(stages: Sequence[Stage]) -> dict[str, float]:
    """The truth: each stage timed alone with perf_counter, unprofiled, in the same order.

    Parameters:
        stages: (function, input) pairs.

    Returns:
        Seconds per stage, keyed by the stage function's name.
    """
    timings: dict[str, float] = {}
    for stage, data in stages:
        t0 = time.perf_counter()
        stage(data)
        timings[stage.__name__] = time.perf_counter() - t0
    return timings
