"""Deterministic workloads, each about a second unprofiled at scale 1.

A workload module defines `NAME`, `prepare(scale) -> Callable[[], object]` (setup outside
the timed call), `hot()` (the functions named for exact line detail) and
`memory_target()` (the function named for memory per line).
"""

from __future__ import annotations

from types import ModuleType

from benchmarks.workloads import calls, etl, io_async, loops, pipeline, thirdparty

__all__ = ["WORKLOADS"]

WORKLOADS: dict[str, ModuleType] = {
    "W1 calls": calls,
    "W2 loops": loops,
    "W3 etl": etl,
    "W4 pipeline": pipeline,
    "W5 asyncio": io_async,
    "T1 richards": thirdparty.Richards,  # type: ignore[dict-item]
    "T2 nbody": thirdparty.NBody,  # type: ignore[dict-item]
}
