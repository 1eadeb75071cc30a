"""Every notebook in a real JupyterLab, in headless Chromium: Run All, nothing fails.

Debian's chromium is driven by playwright (no browser download). Screenshots go to
`.screenshots/` at the repository root (or $AWB_SCREENSHOTS); the path is printed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.lab import Lab

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
RUN_ALL_TIMEOUT = 150.0  # seconds per notebook
# (execution count, output types) of every code cell, from the notebook's model.
_CELL_STATE = """() => {
  const model = window.jupyterapp.shell.currentWidget.content.model;
  const state = [];
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    if (cell.type !== 'code') continue;
    const outputs = cell.outputs.toJSON().map(o => o.output_type);
    state.push([cell.executionCount, outputs]);
  }
  return state;
}"""


@pytest.fixture(scope="module")
def screenshots() -> Path:
    folder = Path(os.environ.get("AWB_SCREENSHOTS", REPO / ".screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with Lab(REPO / "notebooks") as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="awb-chromium-") as profile,
        sync_playwright() as driver,
    ):
        context = driver.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
        )
        yield context
        context.close()


def _kernel_idle(lab: Lab, notebook: str) -> bool:
    for session in lab.api("sessions"):
        if session["path"].endswith(notebook):
            return bool(session["kernel"]["execution_state"] == "idle")
    return False


def _wait(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_run_all_renders_every_report(
    notebook: str, lab: Lab, browser: Any, screenshots: Path
) -> None:
    page = browser.new_page()
    try:
        page.goto(lab.url(notebook))
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        # A kernel that is still starting would get "Run All" before it can take it.
        _wait(lambda: _kernel_idle(lab, notebook), 60, "the kernel to be idle")
        # Start from no outputs, so every output checked below is from this run.
        page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        _wait(
            lambda: all(count is None and not kinds for count, kinds in page.evaluate(_CELL_STATE)),
            10,
            "the outputs to be cleared",
        )
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")

        def all_ran() -> bool:
            state = page.evaluate(_CELL_STATE)
            return all(count is not None for count, _ in state) and _kernel_idle(lab, notebook)

        try:
            _wait(all_ran, RUN_ALL_TIMEOUT, f"every cell of {notebook} to run")
        finally:
            page.screenshot(path=str(screenshots / f"{Path(notebook).stem}.png"))
        errors = [kinds for _, kinds in page.evaluate(_CELL_STATE) if "error" in kinds]
        assert errors == []
        assert page.locator(".jp-OutputArea-output .awb-report").count() >= 1
        reports = page.locator(".jp-OutputArea-output .awb-report")
        assert page.locator(".jp-OutputArea-output .awb-report table").count() >= 1
        reports.first.scroll_into_view_if_needed()
        reports.first.screenshot(path=str(screenshots / f"{Path(notebook).stem}-report.png"))
    finally:
        page.close()
        lab.shutdown_kernels()
