"""The correction on code we did not write: pyperformance's programs as pipeline stages.

Four pipelines of three stages each, every stage a pyperformance benchmark program
(object-oriented code, generators, numeric loops, the standard library's json, pprint and
copy). In one process, alternately: every stage timed with perf_counter, unprofiled (the
truth), then one `workbench.profile` of the pipeline; each stage's share of the stages'
`cumtime` (corrected) and `raw_cumtime` against the truth's, median over the
repetitions. Run by `make bench-unseen` (.venv-bench, Python 3.11); any interpreter with
the workbench and pyperformance installed runs it as `python benchmarks/unseen.py`.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pyperformance

import workbench

Stage = Callable[[], object]
_PROGRAMS = Path(pyperformance.__file__).parent / "data-files" / "benchmarks"


def _program(name: str) -> ModuleType:
    """pyperformance's bm_<name>/run_benchmark.py, imported as a module."""
    spec = importlib.util.spec_from_file_location(
        f"bm_{name}", _PROGRAMS / f"bm_{name}" / "run_benchmark.py"
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"pyperformance has no benchmark {name}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pipelines() -> dict[str, tuple[Stage, ...]]:
    """Each pipeline's stages, ~0.05-0.25 s each unprofiled here."""
    p: dict[str, ModuleType] = {
        name: _program(name)
        for name in (
            "nqueens",
            "deltablue",
            "richards",
            "float",
            "spectral_norm",
            "unpack_sequence",
            "json_loads",
            "pprint",
            "deepcopy",
            "go",
            "raytrace",
            "generators",
        )
    }
    documents = [
        json.dumps(o)
        for o in (p["json_loads"].DICT, p["json_loads"].TUPLE, p["json_loads"].DICT_GROUP)
    ]

    def nqueens() -> None:
        p["nqueens"].bench_n_queens(8)

    def deltablue() -> None:
        p["deltablue"].delta_blue(1500)

    def richards() -> None:
        p["richards"].Richards().run(3)

    def floats() -> None:
        p["float"].benchmark(200_000)

    def spectral() -> None:
        p["spectral_norm"].bench_spectral_norm(1)

    def unpack() -> None:
        p["unpack_sequence"].do_unpacking(10_000, list(range(10)))

    def json_loads() -> None:
        for _ in range(3000):
            for document in documents:
                json.loads(document)

    def pformat() -> None:
        p["pprint"].p.pformat(p["pprint"].printable[:8000])

    def deepcopy() -> None:
        p["deepcopy"].benchmark(150)

    def go() -> None:
        p["go"].versus_cpu()

    def raytrace() -> None:
        p["raytrace"].bench_raytrace(1, 40, 40, None)

    def generators() -> None:
        p["generators"].bench_generators(2)

    return {
        "U1 objects+generators": (nqueens, deltablue, richards),
        "U2 numeric": (floats, spectral, unpack),
        "U3 stdlib": (json_loads, pformat, deepcopy),
        "U4 mixed": (go, raytrace, generators),
    }


def _truth(stages: tuple[Stage, ...]) -> dict[str, float]:
    times = {}
    for stage in stages:
        started = time.perf_counter()
        stage()
        times[stage.__name__] = time.perf_counter() - started
    return times


def _profiled(stages: tuple[Stage, ...]) -> tuple[dict[str, float], dict[str, float]]:
    def pipeline() -> None:
        for stage in stages:
            stage()

    functions = workbench.profile(pipeline).functions
    names = {stage.__name__: stage.__code__.co_firstlineno for stage in stages}
    corrected: dict[str, float] = {}
    raw: dict[str, float] = {}
    rows = zip(
        functions["function"],
        functions["line"],
        functions["file"],
        functions["cumtime"],
        functions["raw_cumtime"],
        strict=True,
    )
    for function, line, filename, cumtime, raw_cumtime in rows:
        if names.get(str(function)) == int(line) and str(filename).endswith("unseen.py"):
            corrected[str(function)] = float(cumtime)
            raw[str(function)] = float(raw_cumtime)
    return corrected, raw


def _shares(times: dict[str, float]) -> dict[str, float]:
    total = sum(times.values())
    return {name: spent / total for name, spent in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args(argv)
    version = sys.version.split()[0]
    print(f"Python {version}, {args.reps} repetitions; cells: median share (error in points)\n")
    print("| pipeline | stage | truth (range) | corrected | raw |\n|---|---|---|---|---|")
    errors: dict[str, list[float]] = {"corrected": [], "raw": []}
    for name, stages in pipelines().items():
        _truth(stages)  # warm-up: imports, caches
        runs: dict[str, list[dict[str, float]]] = {"truth": [], "corrected": [], "raw": []}
        for _ in range(args.reps):
            gc.collect()
            runs["truth"].append(_shares(_truth(stages)))
            gc.collect()
            corrected, raw = _profiled(stages)
            runs["corrected"].append(_shares(corrected))
            runs["raw"].append(_shares(raw))
        for stage in stages:
            key = stage.__name__
            seen = [run[key] for run in runs["truth"]]
            truth = statistics.median(seen)
            cells = []
            for view in ("corrected", "raw"):
                share = statistics.median(run.get(key, 0.0) for run in runs[view])
                errors[view].append(abs(share - truth) * 100)
                cells.append(f"{share:.1%} ({(share - truth) * 100:+.1f})")
            spread = f"{min(seen):.1%}-{max(seen):.1%}"
            print(
                f"| {name} | {key} | {truth:.1%} ({spread}) | {cells[0]} | {cells[1]} |", flush=True
            )
    for view, points in errors.items():
        print(f"\n{view}: mean error {statistics.mean(points):.1f} points, worst {max(points):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
