"""The anchors that profile a whole program: Scalene, py-spy and /usr/bin/time.

Each runs the workload in a fresh Python process (`entry.py`, or a `-c` program for
py-spy and the fresh-process truth) and reads what the tool wrote; a failure raises with
the end of the tool's error output, which the harness records instead of stopping.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

from benchmarks.stage_times import StageFinder, StageTimes, Target

ROOT = str(Path(__file__).resolve().parent.parent)
ENTRY = str(Path(__file__).resolve().parent / "entry.py")
PY_SPY_RATE = 1000  # samples per second
# Calls sampled per py-spy run: one call at scale 0.7 gives ~400 samples, and a stage's
# share from 400 samples varies by +-2 points (binomial) from run to run.
PY_SPY_CALLS = 3
# py-spy's default (blocking) sampling: --nonblocking took half the samples and was no
# closer to the fresh-process truth (median worst error 1.7-5.0 points vs 2.2-3.7 over
# 4-5 runs per workload, measured). --function: a frame's line is its `def`'s.
PY_SPY_OPTIONS = ("--function", "--full-filenames")

# The start of the -c programs: the workload prepared and called once (imports, caches,
# first-touch page faults, as the in-process tools' warm-up call).
_WARM = """\
import sys
sys.path.insert(0, {root!r})
from benchmarks.workloads import ACCURACY
workload = ACCURACY[{name!r}]
fn = workload.prepare({scale!r})
fn()
"""
# py-spy's program: only the calls under `measured` count.
_PY_SPY_PROGRAM = _WARM + "def measured():\n    fn()\nfor _ in range({calls}):\n    measured()\n"
_TRUTH_PROGRAM = _WARM + "import json\nprint(json.dumps(workload.stage_seconds({scale!r})))\n"
# A frame of py-spy's raw (collapsed stacks) output: `function (file:first line)` with
# --function; the function's name has no " (", the file may have anything.
_FRAME = re.compile(r"^(?P<function>.+?) \((?P<file>.*):(?P<line>\d+)\)$")


def describe(error: BaseException) -> str:
    """One line about a tool's failure, with the end of a subprocess's error output.

    Parameters:
        error: what the tool raised.

    Returns:
        The exception's type and message, and the last two lines of its stderr if any.
    """
    stderr = getattr(error, "stderr", None)
    if isinstance(stderr, bytes):
        stderr = stderr.decode(errors="replace")
    tail = " | ".join(str(stderr or "").strip().splitlines()[-2:])
    text = f"{type(error).__name__}: {error}" + (f" ({tail})" if tail else "")
    return " ".join(text.split())  # one line: it goes into a Markdown table's cell


def scalene(name: str, scale: float, folder: Path, cpu_only: bool) -> tuple[float, Path]:
    """Run workload `name` once under Scalene, its JSON profile written into `folder`.

    Returns:
        (wall seconds of the whole program, the profile's path).

    Raises:
        subprocess.CalledProcessError: Scalene failed (stderr attached).
    """
    out = folder / "profile.json"
    command = [sys.executable, "-m", "scalene", "run", "-o", str(out)]
    command += ["--cpu-only"] if cpu_only else []
    command += [ENTRY, "---", name, str(scale)]
    t0 = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=folder)
    return time.perf_counter() - t0, out


def scalene_stage_times(path: Path, workload: ModuleType) -> StageTimes:
    """Each stage's CPU percent in a Scalene profile: its parts' own times, summed.

    Scalene reports each function's own time only, so a stage is the sum of the
    functions `workload.STAGE_PARTS` names for it (a library's time is charged to the
    workload's line that called it).

    Returns:
        Percent per stage Scalene saw; empty without STAGE_PARTS or a profile.
    """
    if not getattr(workload, "STAGE_PARTS", None) or not path.exists():
        return {}
    data = json.loads(path.read_text())
    own: dict[str, float] = {}
    source = str(Path(workload.__file__).resolve())  # type: ignore[arg-type]
    for filename, info in data.get("files", {}).items():
        if str(Path(filename).resolve()) != source:
            continue  # a function of the same name elsewhere is not a stage
        for function in info.get("functions", []):
            name = str(function.get("line", "")).split(".")[-1]
            percent = float(function.get("n_cpu_percent_python", 0)) + float(
                function.get("n_cpu_percent_c", 0)
            )
            own[name] = own.get(name, 0.0) + percent
    stages = {
        stage: sum(own.get(part, 0.0) for part in parts)
        for stage, parts in workload.STAGE_PARTS.items()
    }
    return {stage: value for stage, value in stages.items() if value > 0}


def scalene_cpu(target: Target) -> tuple[StageTimes]:
    """The accuracy probe: Scalene --cpu-only on the workload, CPU percent per stage."""
    with tempfile.TemporaryDirectory() as folder:
        _, out = scalene(target.name, target.scale, Path(folder), cpu_only=True)
        return (scalene_stage_times(out, target.workload),)


def fresh_truth(target: Target) -> tuple[StageTimes]:
    """The truth in a fresh process, as the whole-program anchors run: each stage timed
    with perf_counter, unprofiled, after one warm-up call.

    A process that has run other workloads allocates differently (W4's `parse` takes
    2-3 points less of the time in the harness's process, measured), so this row tells
    an anchor's error from the difference between processes.
    """
    program = _TRUTH_PROGRAM.format(root=ROOT, name=target.name, scale=target.scale)
    done = subprocess.run(
        [sys.executable, "-c", program], check=True, capture_output=True, text=True
    )
    return (json.loads(done.stdout.splitlines()[-1]),)


def py_spy_path() -> str | None:
    """py-spy's executable: on PATH, or next to this Python (a venv not activated)."""
    beside = Path(sys.executable).parent / "py-spy"
    return shutil.which("py-spy") or (str(beside) if beside.exists() else None)


def py_spy(target: Target) -> tuple[StageTimes]:
    """The accuracy probe: py-spy record (PY_SPY_RATE Hz, PY_SPY_CALLS calls after a
    warm-up), samples per stage (inclusive).

    Raises:
        FileNotFoundError: py-spy is not installed.
        RuntimeError: py-spy failed, e.g. ptrace refused ("Permission denied",
            "Operation not permitted"), or wrote no sample of the measured call; the
            message ends with its error output.
    """
    executable = py_spy_path()
    if executable is None:
        raise FileNotFoundError("py-spy not found on PATH nor next to " + sys.executable)
    program = _PY_SPY_PROGRAM.format(
        root=ROOT, name=target.name, scale=target.scale, calls=PY_SPY_CALLS
    )
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "stacks.txt"
        command = [executable, "record", "-r", str(PY_SPY_RATE), "-f", "raw", *PY_SPY_OPTIONS]
        command += ["-o", str(out), "--", sys.executable, "-c", program]
        done = subprocess.run(command, capture_output=True, text=True, cwd=folder)
        text = out.read_text() if out.exists() else ""
    # py-spy's own errors (ptrace refused: "Permission denied", "Operation not
    # permitted") follow its progress lines ("py-spy> ...") on stderr.
    errors = [line for line in done.stderr.splitlines() if not line.startswith("py-spy>")]
    tail = " | ".join(errors[-2:]) or "no error output"
    if done.returncode != 0:
        raise RuntimeError(f"py-spy exited with status {done.returncode}: {tail}")
    times = collapsed_stage_samples(text, StageFinder(target.workload))
    if not times:
        raise RuntimeError(f"py-spy recorded no sample of the stages ({tail})")
    return (times,)


def collapsed_stage_samples(text: str, finder: StageFinder) -> StageTimes:
    """Per stage, the samples of the measured call whose stack contains the stage.

    Parameters:
        text: py-spy's raw output, one `frame;frame;... count` line per distinct stack.
        finder: the workload's stages.

    Returns:
        Samples per stage seen (a stack is counted once per stage, however deep).
    """
    samples: StageTimes = {}
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [m for m in map(_FRAME.match, stack.split(";")) if m is not None]
        if not any(m["function"] == "measured" and m["file"] == "<string>" for m in frames):
            continue  # start-up, imports or the warm-up call
        found = (finder.stage(m["function"], int(m["line"]), m["file"]) for m in frames)
        for stage in {stage for stage in found if stage is not None}:
            samples[stage] = samples.get(stage, 0.0) + int(count)
    return samples


def max_rss(name: str, scale: float) -> int | None:
    """/usr/bin/time -v's maximum resident set size of the workload run alone, in bytes."""
    if not os.path.exists("/usr/bin/time"):
        return None
    done = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, ENTRY, name, str(scale)],
        check=True,
        capture_output=True,
        text=True,
    )
    for line in done.stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.split(":")[1]) * 1024
    return None
