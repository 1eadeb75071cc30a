"""Every notebook in a real JupyterLab, in headless Chromium: Run All, nothing fails.

Debian's chromium is driven by playwright (no browser download). Screenshots go to
`.screenshots/` at the repository root (or $AWB_SCREENSHOTS); the path is printed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.browser.lab import Lab

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
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
        started = psutil.Process(server.pid).children(recursive=True)
    # JupyterLab stopped: none of its processes (kernels, what they started) is left
    _, alive = psutil.wait_procs(started, timeout=10)
    assert alive == []


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


def _start(lab: Lab, browser: Any, notebook: str) -> Any:
    """Open `notebook` in a tab of its own, clear its outputs and Run All; the page."""
    page = browser.new_page()
    page.goto(lab.url(notebook))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    # A kernel that is still starting would get "Run All" before it can take it.
    _wait(lambda: _kernel_idle(lab, notebook), 60, f"the kernel of {notebook} to be idle")
    # Start from no outputs, so every output checked below is from this run.
    page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    _wait(
        lambda: all(count is None and not kinds for count, kinds in page.evaluate(_CELL_STATE)),
        10,
        "the outputs to be cleared",
    )
    # Not awaited: the command's promise settles only when the last cell has run.
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    return page


@pytest.fixture(scope="module")
def running(lab: Lab, browser: Any) -> Iterator[dict[str, Any]]:
    """Every notebook running at once, each in its own tab and kernel.

    Most of their time is spent waiting (HTTP latency, kernel start, rendering), so
    running them side by side keeps the whole test well under 3 minutes.
    """
    pages: dict[str, Any] = {}
    try:
        for notebook in NOTEBOOKS:
            pages[notebook] = _start(lab, browser, notebook)
        yield pages
    finally:
        for page in pages.values():
            if not page.is_closed():
                page.close()
        lab.shutdown_kernels()


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_run_all_renders_every_report(
    notebook: str, lab: Lab, running: dict[str, Any], screenshots: Path
) -> None:
    page = running[notebook]
    stem = Path(notebook).stem
    try:
        page.bring_to_front()

        def all_ran() -> bool:
            state = page.evaluate(_CELL_STATE)
            return all(count is not None for count, _ in state) and _kernel_idle(lab, notebook)

        try:
            _wait(all_ran, RUN_ALL_TIMEOUT, f"every cell of {notebook} to run")
        finally:
            page.screenshot(path=str(screenshots / f"{stem}.png"))
        errors = [kinds for _, kinds in page.evaluate(_CELL_STATE) if "error" in kinds]
        assert errors == []
        reports = page.locator(".jp-OutputArea-output .awb-report")
        assert reports.count() >= 1
        assert page.locator(".jp-OutputArea-output .awb-report table").count() >= 1
        reports.first.scroll_into_view_if_needed()
        reports.first.screenshot(path=str(screenshots / f"{stem}-report.png"))
        servers = []
        if notebook == "00_quickstart.ipynb":
            _check_quickstart(page, screenshots)
            servers = _snakeviz_servers(lab, notebook)
            assert len(servers) == 1
    finally:
        page.close()
        lab.shutdown_kernel(notebook)
    # closing the notebook with "shut down kernel" leaves no snakeviz server behind
    _, alive = psutil.wait_procs(servers, timeout=10)
    assert alive == []


def _snakeviz_servers(lab: Lab, notebook: str) -> list[psutil.Process]:
    """The snakeviz servers the kernel of `notebook` started."""
    session = next(s for s in lab.api("sessions") if s["path"].endswith(notebook))
    kernels = [
        p
        for p in psutil.process_iter(["cmdline"])
        if any(f"kernel-{session['kernel']['id']}.json" in arg for arg in p.info["cmdline"] or [])
    ]
    assert len(kernels) == 1
    return [
        child
        for child in kernels[0].children()
        if "workbench.snakeviz.child" in " ".join(child.cmdline())
    ]


def _check_quickstart(page: Any, screenshots: Path) -> None:
    """The first report draws its icicle and memory chart; snakeviz shows the profile."""
    first = page.locator(".jp-OutputArea-output .awb-report").first
    # The user's call tree is drawn (a box per function; with the widths corrected for
    # cProfile's cost, the library's tiny calls under parse may fall below a box's width).
    boxes = first.locator("svg.awb-icicle g.awb-box")
    for function in ("run_pipeline", "parse", "enrich", "tax_rate"):
        assert boxes.filter(has_text=function).count() >= 1, function
    assert first.locator("svg.awb-icicle").bounding_box()["width"] > 100
    assert first.locator("svg.awb-timeline polyline").count() == 1
    assert first.locator("svg.awb-timeline .awb-peak circle").count() == 1
    assert first.locator("td.awb-bar .awb-fill").count() >= 1
    # names stay left-aligned under JupyterLab's own table style
    name = first.locator("td.awb-l").first
    assert name.evaluate("cell => getComputedStyle(cell).textAlign") == "left"
    frame = page.frame_locator("iframe[title=snakeviz]")
    # snakeviz's page built its stats table and drew its chart from our profile
    frame.locator("#pstats-table tbody tr").first.wait_for(timeout=30_000)
    frame.locator("#chart svg #path-0").wait_for(timeout=30_000)
    assert "tax_rate" in frame.locator("#pstats-table").inner_text()
    iframe = page.locator("iframe[title=snakeviz]")
    iframe.scroll_into_view_if_needed()
    iframe.screenshot(path=str(screenshots / "00_quickstart-snakeviz.png"))
