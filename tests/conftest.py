"""Shared fixtures. Every test checks that no profiler hook is left behind."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from workbench.hooks import HookState


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under CI=true a skipped test is a failure: CI must have every tool the tests need."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get("CI") == "true" and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which must run every test: {report.longrepr}"


@pytest.fixture(autouse=True)
def hooks_restored() -> Iterator[None]:
    """Fail any test after which a profiling hook differs from before it."""
    before = HookState.capture()
    yield
    assert before.differences(HookState.capture()) == []


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


LATENCY = 0.05  # seconds the test HTTP server takes per response


def body(i: int) -> str:
    """The exact text the test server answers for /records/<i>."""
    import json

    from workbench.demo_api import record

    return json.dumps(record(i))


@pytest.fixture(scope="session")
def latency_server() -> Iterator[str]:
    """Base URL (…/records) of the demo API in a child process, answering after LATENCY s."""
    from workbench.demo_api import DemoAPI

    with DemoAPI(latency=LATENCY, fail_every=0) as api:
        yield f"{api.url}/records"
