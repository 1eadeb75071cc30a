"""Programs we did not write: benchmarks shipped inside the `pyperformance` package.

Their code is loaded from the installed package's data files (bm_richards, bm_nbody),
unchanged; only the calls that drive them are ours.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType


@functools.cache  # one module object: prepare() and hot() must share its functions
def _load(name: str) -> ModuleType:
    import pyperformance

    path = Path(pyperformance.__file__).parent / "data-files" / "benchmarks" / name
    spec = importlib.util.spec_from_file_location(name, path / "run_benchmark.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Richards:
    """T1: pyperformance's richards (an OS task scheduler simulation; object-heavy)."""

    NAME = "pyperformance richards"

    @staticmethod
    def prepare(scale: float) -> Callable[[], object]:
        module = _load("bm_richards")
        iterations = max(1, int(12 * scale))
        return lambda: module.Richards().run(iterations)

    @staticmethod
    def hot() -> list[Callable[..., object]]:
        module = _load("bm_richards")
        return [module.Task.runTask, module.Richards.run]

    @staticmethod
    def memory_target() -> Callable[..., object]:
        return _load("bm_richards").Richards.run


class NBody:
    """T2: pyperformance's nbody (floating-point loops over tuples)."""

    NAME = "pyperformance nbody"

    @staticmethod
    def prepare(scale: float) -> Callable[[], object]:
        module = _load("bm_nbody")
        iterations = max(1, int(120_000 * scale))
        return lambda: module.bench_nbody(1, "sun", iterations)

    @staticmethod
    def hot() -> list[Callable[..., object]]:
        return [_load("bm_nbody").advance]

    @staticmethod
    def memory_target() -> Callable[..., object]:
        return _load("bm_nbody").report_energy
