"""The browser tests' Chromium: Debian's package driven by playwright (no download)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium context with a throwaway profile."""
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


@pytest.fixture(autouse=True)
def nothing_left_behind() -> Iterator[None]:
    """Hooks only: this folder's fixtures own a browser and a JupyterLab (with kernels,
    and what they start) for the whole module; the `lab` fixture checks at its end that
    none of its processes is left."""
    from workbench.session.hooks import HookState

    before = HookState.capture()
    yield
    assert before.differences(HookState.capture()) == []
