"""The benchmark harness: `make bench` (full) or `make bench-smoke` (tiny, one repetition).

For every workload and tool it alternates an unprofiled run (A) and a profiled run (B),
`--reps` times, and reports B/A: median and range. Drift of the machine hits A and B
alike. It also measures the W4 hot stage's share (truth: per-stage perf_counter,
unprofiled) and the W3 peak memory each tool reports, then every stage's share on the
accuracy workloads by the workbench and the anchors (`accuracy`); first, each tool's
fixed cost (`fixed_cost`). Writes RESULTS.md (keeping the section `scale` writes).
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import accuracy, fixed_cost, report, scale
from benchmarks.tools import TOOLS, Measure, Tool, tracemalloc_tool
from benchmarks.whole_program import describe, max_rss
from benchmarks.workloads import ACCURACY, WORKLOADS, pipeline


def _prepared(name: str, workload: ModuleType, scale: float) -> Callable[[], object]:
    fn = workload.prepare(scale)
    fn.__workload__ = (name, scale)  # type: ignore[attr-defined]
    return fn


def measure(
    tools: list[Tool], names: list[str], scale: float, reps: int, log: Callable[[str], None]
) -> report.Results:
    """Run every tool on every workload `reps` times, alternating with unprofiled runs."""
    results = report.Results(scale=scale, reps=reps)
    for name in names:
        workload = WORKLOADS[name]
        fns = {
            t.scale_for(name): _prepared(name, workload, scale * t.scale_for(name)) for t in tools
        }
        for fn in fns.values():
            fn()  # warm-up: imports, caches, first-touch page faults
        for rep in range(reps):
            for tool in tools:
                fn = fns[tool.scale_for(name)]
                gc.collect()
                a: Measure = tool.baseline(fn, workload)
                gc.collect()
                try:
                    b: Measure = tool.run(fn, workload)
                except Exception as error:  # a crashing anchor must not sink the others
                    results.fail(tool.name, name, describe(error))
                    continue
                results.add(tool.name, name, b.wall / a.wall, b.hot_share, b.peak)
            log(f"{name}: repetition {rep + 1}/{reps} done")
    truth = [pipeline.stage_seconds(scale) for _ in range(reps)]
    results.truth_share = statistics.median(t["score"] / sum(t.values()) for t in truth)
    etl_name = "W3 etl"
    if etl_name in names:
        fn = _prepared(etl_name, WORKLOADS[etl_name], scale)
        results.exact_peak = statistics.median(
            tracemalloc_tool(fn, WORKLOADS[etl_name]).peak or 0 for _ in range(min(reps, 3))
        )
        results.max_rss = max_rss(etl_name, scale)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--scale", type=float, default=0.7, help="workload size (1: ~0.5 s unprofiled)"
    )
    parser.add_argument("--reps", type=int, default=5, help="A/B pairs per tool and workload")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "RESULTS.md")
    parser.add_argument("--smoke", action="store_true", help="tiny scale, 1 repetition")
    parser.add_argument("--workloads", nargs="*", default=list(WORKLOADS))
    parser.add_argument(
        "--accuracy",
        nargs="*",
        default=list(ACCURACY),
        help="workloads for every stage's share (none: skip that part)",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.scale, args.reps = 0.01, 1
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", flush=True)

    fixed_costs = fixed_cost.measure(args.smoke, log)
    results = measure(TOOLS, args.workloads, args.scale, args.reps, log)
    results.fixed_costs = fixed_costs
    if args.accuracy:
        results.accuracy = accuracy.measure(args.accuracy, args.scale, args.reps, args.smoke, log)
    results.seconds = time.perf_counter() - started
    machine = f"{platform.machine()}, {_cpu()}, Python {platform.python_version()}"
    text = report.render(results, TOOLS, args.workloads, machine, date.today().isoformat())
    # The scale section comes from benchmarks/scale.py (fresh processes, both Pythons): a
    # full run keeps the one RESULTS.md has; the smoke run measures scale's tiny size.
    section = scale.smoke() if args.smoke else scale.kept_section(args.out)
    if section:
        text = scale.replace_section(text, section)
    print(text)
    args.out.write_text(text)
    log(f"wrote {args.out}")
    return 0


def _cpu() -> str:
    import os

    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = platform.processor() or "unknown CPU"
    return f"{model}, {os.cpu_count()} cores"


if __name__ == "__main__":
    raise SystemExit(main())
