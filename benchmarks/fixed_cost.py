"""Each profiler's fixed cost: the whole time of profiling a function that does nothing.

In-process tools are timed around everything a user waits for (start, the empty call,
stop, and what the tool builds to show: the workbench's Report, pstats' Stats,
pyinstrument's session), after one warm-up profile in the same process. Scalene profiles
whole programs: its fixed cost is an empty program under Scalene minus the same program
run by plain Python.
"""

from __future__ import annotations

import cProfile
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import workbench

CALLS = 30  # profiles per in-process tool (after a warm-up one)
SCALENE_RUNS = 3  # whole programs under Scalene, and as many plain ones


def _noop() -> None:
    """The profiled function: nothing, so what is measured is the tool alone."""


def _workbench(**options: object) -> Callable[[], object]:
    def run() -> object:
        with workbench.profiling(**options) as session:  # type: ignore[arg-type]
            _noop()
        return session.report

    return run


def _cprofile() -> object:
    profile = cProfile.Profile()
    profile.enable()
    _noop()
    profile.disable()
    return pstats.Stats(profile)  # what %prun reads before it prints


def _pyinstrument() -> object:
    from pyinstrument import Profiler

    profiler = Profiler(async_mode="disabled")
    profiler.start()
    _noop()
    return profiler.stop()


IN_PROCESS: dict[str, Callable[[], object]] = {
    "workbench default (workbench.profile)": lambda: workbench.profile(_noop),
    "workbench -f sampled": _workbench(functions="sampled"),
    "workbench -m tracemalloc": _workbench(memory="tracemalloc"),
    "cProfile (%prun: enable, disable, pstats.Stats)": _cprofile,
    "pyinstrument (start, stop)": _pyinstrument,
}
DEFAULT = "workbench default (workbench.profile)"
SCALENE = "Scalene (empty program, minus plain Python)"


def _timed(call: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    call()
    return time.perf_counter() - t0


def _scalene(runs: int) -> list[float]:
    """Seconds Scalene adds to an empty program, once per run (paired with a plain run)."""
    costs = []
    with tempfile.TemporaryDirectory() as folder:
        program = Path(folder) / "empty.py"
        program.write_text("pass\n")
        plain = [sys.executable, str(program)]
        scalene = [sys.executable, "-m", "scalene", "run", "--cpu-only", "-o"]
        scalene += [str(Path(folder) / "profile.json"), str(program)]
        for _ in range(runs):
            base = _timed(lambda: subprocess.run(plain, check=True, capture_output=True))
            under = _timed(
                lambda: subprocess.run(scalene, check=True, capture_output=True, cwd=folder)
            )
            costs.append(under - base)
    return costs


def measure(smoke: bool, log: Callable[[str], None]) -> dict[str, list[float] | str]:
    """Every tool's fixed cost in seconds (one value per profile), or why it failed.

    Parameters:
        smoke: a few calls each, and no Scalene (a fresh program: seconds of start-up).
        log: progress lines.
    """
    calls = 3 if smoke else CALLS
    costs: dict[str, list[float] | str] = {}
    for name, call in IN_PROCESS.items():
        try:
            call()  # warm-up: imports, the calibration, the RSS child
            costs[name] = [_timed(call) for _ in range(calls)]
        except Exception as error:  # a crashing anchor must not sink the others
            costs[name] = f"{type(error).__name__}: {error}"
    if not smoke:
        try:
            costs[SCALENE] = _scalene(SCALENE_RUNS)
        except Exception as error:
            costs[SCALENE] = f"{type(error).__name__}: {error}"
    workbench.stop_servers()
    log("fixed costs measured")
    return costs


def render(costs: dict[str, list[float] | str]) -> list[str]:
    """The "fixed cost" section: median (range) in milliseconds per tool."""
    out = [
        "## Fixed cost: profiling a function that does nothing",
        "",
        f"Milliseconds, median (range) of {CALLS} profiles after a warm-up one in the same",
        "process: start, the empty call, stop, and what the tool builds to show. Scalene:",
        "an empty program under `scalene run --cpu-only` minus plain Python, "
        f"{SCALENE_RUNS} pairs.",
        "",
        "| tool | fixed cost (ms) |",
        "|---|---|",
    ]
    for name, values in costs.items():
        if isinstance(values, str):
            out.append(f"| {name} | failed: {values.replace('|', '/')} |")
            continue
        ms = [v * 1e3 for v in values]
        out.append(f"| {name} | {statistics.median(ms):.2f} ({min(ms):.2f}-{max(ms):.2f}) |")
    return out


def target(costs: dict[str, list[float] | str]) -> list[str]:
    """The target line: the default mode's fixed cost under 10 ms."""
    values = costs.get(DEFAULT)
    if not isinstance(values, list):
        return []
    ms = statistics.median(values) * 1e3
    verdict = "holds" if ms < 10 else "MISSED"
    return [f"- Default mode's fixed cost under 10 ms: {ms:.1f} ms (median) - {verdict}."]
