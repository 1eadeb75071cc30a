"""Shared fixtures. Every test checks that no profiler hook, thread or process is left behind."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import psutil
import pytest

import workbench
from tests.helpers import LATENCY
from workbench import _process
from workbench.collectors import rss
from workbench.collectors.spawned import KERNEL_THREAD_MODULES
from workbench.session.hooks import HookState


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under CI=true a skipped test is a failure: CI must have every tool the tests need."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get("CI") == "true" and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which must run every test: {report.longrepr}"


# multiprocessing starts these once per interpreter, by design, and keeps them.
_PROCESS_MACHINERY = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")
# distributed's offload pool (serialisation off the event loop) lives as long as the
# process, by design, once a client has used it.
_PROCESS_THREADS = ("Dask-Offload",)


def _children() -> dict[int, str]:
    me = psutil.Process()
    found = {}
    for child in me.children(recursive=True):
        try:
            found[child.pid] = " ".join(child.cmdline())[:120]
        except psutil.Error:
            continue  # it ended meanwhile
    return found


def _left(threads: set[threading.Thread], children: dict[int, str]) -> list[str]:
    new_threads = [
        f"thread {t.name} ({type(t).__module__})"
        for t in threading.enumerate()
        if t not in threads
        and not type(t).__module__.startswith(KERNEL_THREAD_MODULES)
        and not t.name.startswith(_PROCESS_THREADS)
    ]
    now = _children()
    # The RSS sampler's child serves every profile of the process, by design.
    kept = _process.helper_pids() & {child.pid for child in rss._children.values()}
    new_children = [
        f"process {pid}: {now[pid]}"
        for pid in now.keys() - children.keys() - kept
        if not any(helper in now[pid] for helper in _PROCESS_MACHINERY)
    ]
    return new_threads + new_children


@pytest.fixture(autouse=True)
def nothing_left_behind() -> Iterator[None]:
    """Fail any test after which a profiling hook differs from before it, or a thread or
    child process started during it is still there (after 5 s of grace to finish)."""
    before = HookState.capture()
    threads, children = set(threading.enumerate()), _children()
    yield
    assert before.differences(HookState.capture()) == []
    deadline = time.monotonic() + 5
    while (left := _left(threads, children)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left == []


@pytest.fixture(scope="session")
def ip() -> Any:
    """The in-process IPython shell with the workbench extension loaded."""
    from IPython.testing.globalipapp import start_ipython

    shell = start_ipython()
    assert shell is not None
    # A terminal shell formats text/plain only; a kernel also formats text/html.
    shell.display_formatter.active_types = list(shell.display_formatter.format_types)
    shell.run_cell("%load_ext workbench", store_history=True)
    return shell


@pytest.fixture(scope="session")
def latency_server() -> Iterator[str]:
    """Base URL (…/records) of the demo API in a child process, answering after LATENCY s."""
    from workbench.demo.api import DemoAPI

    with DemoAPI(latency=LATENCY, fail_every=0) as api:
        yield f"{api.url}/records"


@pytest.fixture
def stopped() -> Iterator[None]:
    """Each test starts and ends with no snakeviz server."""
    workbench.stop_servers()
    yield
    workbench.stop_servers()
