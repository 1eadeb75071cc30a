"""Faults around the profiled code: other profilers, threads, processes, recursion, files.

Each test is a fault a live kernel meets; the autouse fixture (conftest) also checks that
no hook, thread or child process is left behind after each.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import workbench
from tests.workloads import parse, score

# Threads


def squares(n: int) -> int:
    return sum(i * i for i in range(n))


def pooled() -> list[int]:
    with ThreadPoolExecutor(2, thread_name_prefix="awb-pool") as pool:
        return list(pool.map(squares, [20_000] * 4))


def test_threads_the_code_starts_are_named_and_their_coverage_stated() -> None:
    report = workbench.profile(pooled)
    assert report.result == [squares(20_000)] * 4  # the pool works under the profiler
    notes = [n for n in report.summary.notes if "started during the run" in n]
    assert len(notes) == 1
    assert "by the profiled code (awb-pool" in notes[0]
    assert "not profiled" in notes[0]
    # Every version: cProfile keeps to the thread that ran the code (on 3.12+ it hears
    # every thread, and the function lens filters the others out once one starts).
    assert "squares" not in set(report.functions["function"])
    assert "awb-pool" in report.to_text()


def test_no_thread_note_when_the_code_starts_none() -> None:
    report = workbench.profile(parse, 100)
    assert not [n for n in report.summary.notes if "thread" in n]


def test_another_tools_thread_hook_is_left_in_place() -> None:
    def hook(frame: Any, event: str, arg: Any) -> None:
        return None

    threading.setprofile(hook)
    try:
        report = workbench.profile(pooled)
        assert threading.getprofile() is hook
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
    # Threads are noticed where they start, not with that hook: still named.
    assert any("(awb-pool" in n for n in report.summary.notes)


# Child processes


def cube(x: int) -> int:
    return x * x * x


def with_processes() -> list[int]:
    context = multiprocessing.get_context("spawn")  # fork in a threaded process is unsafe
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        return list(pool.map(cube, range(8)))


def test_process_pools_run_and_the_report_says_they_were_not_profiled() -> None:
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        report = workbench.profile(with_processes)
        assert report.result == [cube(x) for x in range(8)]
        notes = [n for n in report.summary.notes if "child processes" in n]
        assert len(notes) == 1
        assert "not profiled" in notes[0]
        assert bystander.poll() is None  # only processes we started are ever stopped
    finally:
        bystander.kill()
        bystander.wait()


# Recursion


def deep(n: int) -> int:
    return 0 if n == 0 else 1 + deep(n - 1)


def ping(n: int) -> int:
    return 0 if n == 0 else 1 + pong(n - 1)


def pong(n: int) -> int:
    return 0 if n == 0 else 1 + ping(n - 1)


def test_deep_recursion_near_the_limit_profiles_and_renders() -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(6_000)
    try:
        depth = 6_000 - len(__import__("inspect").stack()) - 100
        report = workbench.profile(deep, depth)
    finally:
        sys.setrecursionlimit(limit)
    assert report.result == depth
    row = report.functions.set_index("function").loc["deep"]
    assert row["ncalls"] == depth + 1
    assert row["primitive_calls"] == 1
    html, text = report.to_html(), report.to_text()
    assert 'class="awb-icicle"' in html
    assert "deep" in text


def test_mutual_recursion_profiles_and_renders() -> None:
    report = workbench.profile(ping, 501)
    rows = report.functions.set_index("function")
    assert rows.loc["ping", "ncalls"] == 251
    assert rows.loc["pong", "ncalls"] == 251
    html = report.to_html()
    assert 'class="awb-icicle"' in html
    assert "<title>ping" in html
    assert "<title>pong" in html


# Other profilers and tracers


def test_a_debugger_or_coverage_trace_is_never_replaced() -> None:
    events: list[str] = []

    def tracer(frame: Any, event: str, arg: Any) -> None:
        events.append(event)

    sys.settrace(tracer)
    try:
        busy = pytest.raises(workbench.ProfilerBusyError, match="trace hook")
        with busy, workbench.profiling(lines=[score], memory="off"):
            score([1, 2])
        assert sys.gettrace() is tracer
        busy = pytest.raises(workbench.ProfilerBusyError, match="trace hook")
        with busy, workbench.profiling(lines=[parse], memory="lines"):
            parse(3)
        assert sys.gettrace() is tracer
        # sampled lines and cProfile leave the trace hook alone
        with workbench.profiling() as run:
            score(parse(100))
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(None)
    assert run.report.summary.complete
    assert "call" in events


# Files


def test_a_failing_write_leaves_the_old_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workbench.profile(parse, 10).save(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        workbench.profile(parse, 20).save(tmp_path, overwrite=True)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no temp file


# Optional pieces missing


@pytest.mark.parametrize("missing", ["line_profiler", "memory_profiler"])
def test_without_an_optional_profiler_the_rest_still_works(missing: str) -> None:
    memory = "lines" if missing == "memory_profiler" else "rss"
    code = f"""
import sys
sys.modules[{missing!r}] = None  # as if not installed: importing it raises ImportError
import workbench
from tests.workloads import parse, score
report = workbench.profile(score, parse(2000))
assert report.functions_in_user_code().iloc[0]["function"] == "score"
try:
    with workbench.profiling(lines=[score], memory={memory!r}):
        score([1])
except workbench.OptionError as error:
    print("ERROR", error)
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "ERROR" in done.stdout
    assert f"pip install {missing.replace('_', '-')}" in done.stdout


# Bad input: a clear error naming the bad value, raised before anything runs


def _profile_async(fn: Any) -> Any:
    import asyncio

    return asyncio.run(workbench.profile_async(fn, 3))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: workbench.profile(5), "got int 5"),
        (lambda: _profile_async(parse), "returned list, not an awaitable"),
        (lambda: workbench.profiling(lines=5), "lines=5"),
        (lambda: workbench.profiling(memory="ram"), "memory='ram'"),
        (lambda: workbench.profiling(top=0), "top=0"),
        (lambda: workbench.compare(parse), "give two functions"),
        (lambda: workbench.compare(parse, parse, 3, seconds=-1), "seconds=-1"),
        (lambda: workbench.compare(parse, parse, 3, repeat=0), "repeat=0"),
        (lambda: workbench.compare(parse, parse, 3, min_effect=2), "min_effect=2"),
        (lambda: workbench.compare(parse, parse, 3, check="same"), "check='same'"),
        (lambda: workbench.compare(parse, parse, 3, check=7), "check=7"),
        (lambda: workbench.profile(parse, 3).save(5), r"save\(5\)"),
        (lambda: workbench.profile(parse, 3).snakeviz(height=-1), "height=-1"),
    ],
)
def test_bad_input_is_named_in_a_clear_error(call: Any, message: str) -> None:
    with pytest.raises(workbench.OptionError, match=message):
        call()


def test_loading_something_else_than_a_report_says_so(tmp_path: Path) -> None:
    with pytest.raises(workbench.ReportFormatError, match="cannot read a report"):
        workbench.Report.load(tmp_path / "missing.json")
    (tmp_path / "report.json").write_text('{"format": "other"}')
    with pytest.raises(workbench.ReportFormatError, match="not an Architect Workbench report"):
        workbench.Report.load(tmp_path)
