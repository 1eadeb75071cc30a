"""Helpers shared by the tests of every layer (the workloads they profile are in
workloads.py, async_workloads.py and hint_workloads.py)."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import queue
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import psutil

LATENCY = 0.05  # seconds the test HTTP server takes per response


def hook_cost() -> Any:
    """A fixed `HookCost` for the correction's arithmetic: exact numbers in and out.

    Python code runs 2x slower; per event (caller's part, callee's part) in ns: a call
    from Python 100/50, from a builtin 70/50, a resumption 60/80, a builtin's 40/30.
    """
    from workbench.collectors.calibration import EventCost, HookCost

    ns = 1e-9
    return HookCost(
        bytecode=2.0,
        py=EventCost(100 * ns, 50 * ns),
        from_c=EventCost(70 * ns, 50 * ns),
        resume=EventCost(60 * ns, 80 * ns),
        c=EventCost(40 * ns, 30 * ns),
    )


def body(i: int) -> str:
    """The exact text the test server answers for /records/<i>."""
    from workbench.demo.api import record

    return json.dumps(record(i))


def return_free_memory() -> None:
    """Hand the C heap's free memory back to the system (glibc's `malloc_trim`).

    An RSS figure (memory per line) counts the pages a line makes resident. After a long
    test session the allocator holds much freed memory that is still resident, and a
    large allocation can reuse it without RSS moving: the measured increment then
    depends on which tests ran before. Trimming first makes it depend on the code alone.
    Elsewhere than glibc this does nothing.
    """
    name = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    if trim is not None:
        trim(0)


class FakeClock:
    """A clock that only moves when the code under test says it spent time (compare's
    `clock=`): timings with seeded noise, the same on every run."""

    def __init__(self, seed: int = 0) -> None:
        self.now = 0.0
        self.rng = np.random.default_rng(seed)

    def __call__(self) -> float:
        return self.now

    def spend(self, seconds: float, jitter: float = 0.0) -> None:
        self.now += seconds * (1 + jitter * float(self.rng.standard_normal()))


# In-process IPython shell (tests/ipython)


def run(ip: Any, code: str) -> tuple[Any, Any]:
    """Run a cell as a notebook would; return (ExecutionResult, captured outputs)."""
    from IPython.utils.capture import capture_output

    with capture_output() as captured:
        result = ip.run_cell(code, store_history=True)
    return result, captured


def html_outputs(captured: Any) -> list[str]:
    """The text/html of every output a `run` captured."""
    return [o.data["text/html"] for o in captured.outputs if "text/html" in o.data]


# A real kernel (tests/kernel)


def execute(cells: list[str], tmp_path: Path, *, allow_errors: bool = False) -> Any:
    """Run the cells as a notebook in a fresh python3 kernel; the executed notebook."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    client = NotebookClient(
        notebook,
        timeout=180,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": tmp_path}},
    )
    client.execute()
    return notebook


def iopub_outputs(
    client: Any, msg_id: str, timeout: float = 120, tick: Any = None, on_output: Any = None
) -> list[dict[str, Any]]:
    """The outputs of request `msg_id` until the kernel is idle again.

    `tick`, if given, is called every 0.2 s while waiting (to interrupt, say);
    `on_output`, if given, with each output as it arrives (to interrupt at a progress
    line, say).
    """
    outputs: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if tick is not None:
            tick()
        try:
            message = client.get_iopub_msg(timeout=0.2)
        except queue.Empty:
            continue
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if kind == "status" and content["execution_state"] == "idle":
            return outputs
        if kind in ("display_data", "execute_result", "error", "stream"):
            outputs.append({"kind": kind, **content})
            if on_output is not None:
                on_output(outputs[-1])
    raise AssertionError(f"no end to request {msg_id}")


# The snakeviz server, over HTTP

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url: str) -> tuple[int, str]:
    """(status, body) of a GET, errors included."""
    try:
        with OPENER.open(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def gone(pid: int, timeout: float = 10.0) -> bool:
    """Whether the process has exited (a zombie waiting for its parent has exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False
