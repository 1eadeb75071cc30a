"""Deterministic workloads, each about a second unprofiled at scale 1.

A workload module defines `NAME`, `prepare(scale) -> Callable[[], object]` (setup outside
the timed call), `hot()` (the functions named for exact line detail) and
`memory_target()` (the function named for memory per line).

The accuracy workloads (`ACCURACY`) define `STAGES` (the stage functions' names),
`STAGE_PARTS` (the functions that make up each stage, for Scalene), `prepare(scale)` (all
stages once) and `stage_seconds(scale)` (each stage timed unprofiled: the truth).
"""

from __future__ import annotations

from types import ModuleType

from benchmarks.workloads import (
    call_bias,
    calls,
    etl,
    io_async,
    loops,
    pipeline,
    stdlib_stages,
    thirdparty,
)

__all__ = ["ACCURACY", "WORKLOADS"]

WORKLOADS: dict[str, ModuleType] = {
    "W1 calls": calls,
    "W2 loops": loops,
    "W3 etl": etl,
    "W4 pipeline": pipeline,
    "W5 asyncio": io_async,
    "T1 richards": thirdparty.Richards,  # type: ignore[dict-item]
    "T2 nbody": thirdparty.NBody,  # type: ignore[dict-item]
}

# Each stage's share of the time, by every tool against the truth (W4 is in both sets).
ACCURACY: dict[str, ModuleType] = {
    "W4 pipeline": pipeline,
    "A1 call bias": call_bias,
    "A2 stdlib": stdlib_stages,
}
