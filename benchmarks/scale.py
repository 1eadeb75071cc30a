"""Scale: what building, saving and loading a report costs as distinct functions grow.

A generated program of N distinct functions (1,000 per file, in call chains of
`DEPTH`, each chain's innermost function spinning about 2 ms of CPU so that the
sampler sees every chain at least once) runs once under `workbench.profiling`, in the
default function mode ("exact": cProfile, corrected) and in "sampled" (the sampler's
stacks). Each figure comes from a fresh process (median of `--reps`):

- build: the `with` block's exit, from the end of the profiled code to the Report (the
  lenses stopping, cProfile's statistics read and cleaned, the correction, the tables,
  the hints, the summary);
- RSS: the process's peak resident set during the exit above its resident set at the
  exit's start (Linux: the peak is reset through /proc/self/clear_refs);
- traced: the Python heap's peak during the exit (tracemalloc, started as the profiled
  code ends; a run of its own, as tracing slows the build);
- the report's JSON file (`save(formats=("json",))`): size, save and load times.

`python benchmarks/scale.py` measures with this interpreter and `--python` ones (for
example .venv313/bin/python) and writes its section of RESULTS.md; `--smoke` runs a tiny
size in this process and writes nothing (what `make bench-smoke` runs).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import workbench  # the checkout's, above any installed copy

SECTION = "## Scale: distinct functions"
SIZES = (1_000, 10_000, 50_000, 200_000)
MODES = ("exact", "sampled")
DEPTH = 200  # functions per call chain: well under the recursion limit
PER_FILE = 1_000  # functions per generated file
SPIN = 0.002  # CPU seconds in each chain's innermost call: more than the 1 ms interval
_HEADER = (
    "import time\n\n"
    "def spin(seconds):\n"
    "    end = time.process_time() + seconds\n"
    "    while time.process_time() < end:\n"
    "        pass\n"
)


def program(n: int, folder: Path) -> Callable[[], None]:
    """N distinct functions in files under `folder`; the returned call runs each once."""
    starts: list[Callable[[float], int]] = []
    for first in range(0, n, PER_FILE):
        count = min(PER_FILE, n - first)
        defs = []
        for i in range(count):
            last = (i + 1) % DEPTH == 0 or i + 1 == count
            body = "spin(s)\n    return 0" if last else f"return f{first + i + 1}(s) + 1"
            defs.append(f"def f{first + i}(s):\n    {body}\n")
        path = folder / f"generated_{first // PER_FILE}.py"
        path.write_text(_HEADER + "\n" + "\n".join(defs))
        namespace: dict[str, Any] = {"__name__": path.stem}
        exec(compile(path.read_text(), str(path), "exec"), namespace)
        starts += [namespace[f"f{first + i}"] for i in range(0, count, DEPTH)]

    def run() -> None:
        for start in starts:
            start(SPIN)

    return run


def _status(field: str) -> int | None:
    """A figure of /proc/self/status in bytes (None off Linux)."""
    try:
        found = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    except OSError:
        return None
    return int(found.group(1)) * 1024 if found else None


def _reset_peak() -> bool:
    """Reset the process's peak RSS to its current RSS (Linux 4.0+)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure_one(n: int, mode: str, traced: bool) -> dict[str, float | None]:
    """Profile the N-function program once in this process; the figures of its exit."""
    with tempfile.TemporaryDirectory() as folder:
        run = program(n, Path(folder))
        session = workbench.profiling(functions=mode, label=f"{n} functions")  # type: ignore[arg-type]
        if traced:  # started before the run: the session checks it leaves hooks as found
            tracemalloc.start()
        with session:
            run()
            rss = _status("VmRSS") if _reset_peak() else None
            if traced:
                tracemalloc.reset_peak()
                held = tracemalloc.get_traced_memory()[0]
            started = time.perf_counter()
        build = time.perf_counter() - started
        out: dict[str, float | None] = {"build": build, "functions": len(session.report.functions)}
        if traced:
            out["traced"] = float(tracemalloc.get_traced_memory()[1] - held)
            tracemalloc.stop()
            return out
        peak = _status("VmHWM")
        out["rss"] = float(peak - rss) if peak is not None and rss is not None else None
        saved = Path(folder) / "saved"
        t0 = time.perf_counter()
        files = session.report.save(saved, formats=("json",))
        t1 = time.perf_counter()
        workbench.Report.load(files["json"])
        out |= {"save": t1 - t0, "load": time.perf_counter() - t1}
        out["json"] = float(files["json"].stat().st_size)
    return out


def _child(python: str, n: int, mode: str, traced: bool) -> dict[str, float | None]:
    command = [python, __file__, "--one", str(n), mode] + (["--traced"] if traced else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    result: dict[str, float | None] = json.loads(done.stdout.splitlines()[-1])
    return result


def _version(python: str) -> str:
    command = [python, "-c", "import platform; print(platform.python_version())"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def measure(
    pythons: list[str], sizes: list[int], reps: int, log: Callable[[str], None]
) -> list[dict[str, Any]]:
    """One row per interpreter, mode and size: the median of `reps` fresh processes."""
    rows = []
    for python in pythons:
        version = _version(python)
        for mode in MODES:
            for n in sizes:
                runs = [_child(python, n, mode, False) for _ in range(reps)]
                row: dict[str, Any] = {"python": version, "mode": mode, "n": n}
                for name in ("build", "rss", "save", "load", "json", "functions"):
                    values = [float(v) for r in runs if (v := r.get(name)) is not None]
                    row[name] = statistics.median(values) if values else None
                # Once: tracing makes the build several times slower, and the heap's peak
                # is the same from run to run within a few kB.
                row["traced"] = _child(python, n, mode, True)["traced"]
                rows.append(row)
                log(f"Python {version}, {mode}, {n:,} functions: {row}")
    return rows


def _mib(value: float | None) -> str:
    return "-" if value is None else f"{value / 2**20:.1f}"


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def render(rows: list[dict[str, Any]], machine: str, when: str, reps: int) -> str:
    """The RESULTS.md section of these rows (`reps` 0: the smoke run's)."""
    how = f"median of {reps} fresh processes per cell; traced: one more" if reps else "smoke"
    out = [
        SECTION,
        "",
        f"Measured {when} on {machine} by `python benchmarks/scale.py` ({how}). A generated "
        f"program of N distinct functions (1,000 per file, call chains of {DEPTH}), each "
        "called once, profiled with `workbench.profiling(functions=...)`. Build: the `with` "
        "block's exit (lenses stopped, statistics cleaned and corrected, tables, hints, "
        "summary); RSS: the peak resident set during the exit above the resident set at "
        "its start; traced: tracemalloc's peak during the exit above the heap at its start "
        '(a run of its own); JSON: `save(formats=("json",))` and `Report.load`; rows: the '
        "functions table's (the sampled mode lists the functions its samples saw).",
        "",
        "| Python | functions | N | rows | build (s) | RSS peak (MiB) | traced peak (MiB) "
        "| JSON (MiB) | save (s) | load (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        rows_shown = "-" if r["functions"] is None else f"{int(r['functions']):,}"
        out.append(
            f"| {r['python']} | {r['mode']} | {r['n']:,} | {rows_shown} | {_s(r['build'])} "
            f"| {_mib(r['rss'])} | {_mib(r['traced'])} | {_mib(r['json'])} "
            f"| {_s(r['save'])} | {_s(r['load'])} |"
        )
    return "\n".join(out) + "\n"


def replace_section(document: str, section: str) -> str:
    """`document` with its scale section replaced by `section` (appended if absent)."""
    start = document.find(SECTION)
    if start < 0:
        return document.rstrip("\n") + "\n\n" + section
    end = document.find("\n## ", start + len(SECTION))
    rest = document[end + 1 :] if end >= 0 else ""
    return document[:start] + section + ("\n" + rest if rest else "")


def kept_section(path: Path) -> str:
    """The scale section of an existing RESULTS.md ("" if none): `make bench` keeps it."""
    text = path.read_text() if path.exists() else ""
    start = text.find(SECTION)
    if start < 0:
        return ""
    end = text.find("\n## ", start + len(SECTION))
    return text[start : end + 1 if end >= 0 else len(text)]


def smoke() -> str:
    """A tiny size in this process, both modes: the harness cannot rot (about 1 s)."""
    rows = [
        {"python": platform.python_version(), "mode": mode, "n": 400}
        | measure_one(400, mode, traced=False)
        | {"traced": None}
        for mode in MODES
    ]
    return render(rows, "this machine", date.today().isoformat(), 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--python", action="append", default=[], help="another interpreter")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "RESULTS.md")
    parser.add_argument("--smoke", action="store_true", help="tiny, in process, no file")
    parser.add_argument("--one", nargs=2, metavar=("N", "MODE"), help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * DEPTH))
    if args.one:
        sys.stdout.write(json.dumps(measure_one(int(args.one[0]), args.one[1], args.traced)))
        sys.stdout.write("\n")
        return 0
    if args.smoke:
        sys.stdout.write(smoke())
        return 0
    started = time.perf_counter()

    def log(message: str) -> None:
        sys.stderr.write(f"[{time.perf_counter() - started:6.1f} s] {message}\n")

    rows = measure([sys.executable, *args.python], args.sizes, args.reps, log)
    machine = f"{platform.machine()}, {_cpu()}"
    section = render(rows, machine, date.today().isoformat(), args.reps)
    sys.stdout.write(section)
    text = args.out.read_text() if args.out.exists() else "# Benchmark results\n"
    args.out.write_text(replace_section(text, section))
    log(f"wrote {args.out}")
    return 0


def _cpu() -> str:
    """The CPU model and core count (run.py's figures need its anchors installed)."""
    import os

    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    models = re.findall(r"^model name\s*:\s*(.+)$", text, re.M)
    model = models[0] if models else platform.processor() or "unknown CPU"
    return f"{model}, {os.cpu_count()} cores"


if __name__ == "__main__":
    raise SystemExit(main())
