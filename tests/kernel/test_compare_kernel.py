"""%architect_compare in a real Jupyter kernel: progress, and Ctrl-C (issue 16, finding 7)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import iopub_outputs

pytestmark = pytest.mark.kernel

SETUP = """%load_ext workbench
import time
def slow(n):
    time.sleep(0.2)
    return n
def fast(n):
    time.sleep(0.1)
    return n
"""
CHECK = """import sys, tracemalloc
print(cmp.interrupted, cmp.rounds_planned, cmp.verdict)
print(sys.getprofile(), tracemalloc.is_tracing())
"""


def test_an_interrupted_compare_shows_its_complete_rounds(tmp_path: Path) -> None:
    """The kernel's progress line counts the rounds; Ctrl-C (the kernel's interrupt, a
    real SIGINT) once three rounds are done ends the compare, which shows them."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))

    def run(code: str, interrupt_at_step: int = 0) -> list[dict[str, Any]]:
        sent = False

        def interrupt_at(output: dict[str, Any]) -> None:
            nonlocal sent
            steps = re.findall(r"\| (\d+)/\d+ ", output.get("text", ""))
            if interrupt_at_step and not sent and steps and int(steps[-1]) >= interrupt_at_step:
                manager.interrupt_kernel()
                sent = True

        return iopub_outputs(client, client.execute(code), timeout=180, on_output=interrupt_at)

    try:
        run(SETUP)
        # 2 result checks, then rounds: step 5 is the third round done.
        outputs = run("%architect_compare -o cmp -n 200 slow fast -a 1", interrupt_at_step=5)
        progress = "".join(o["text"] for o in outputs if o["kind"] == "stream")
        assert "compare: timing rounds" in progress  # shown: 200 rounds take a minute
        assert [o["kind"] for o in outputs if o["kind"] != "stream"] == ["display_data"]
        (shown,) = [o for o in outputs if o["kind"] == "display_data"]
        text = shown["data"]["text/plain"]
        kept = re.search(r"interrupted after (\d+) of 200 rounds", text)
        assert kept is not None, text
        assert 3 <= int(kept.group(1)) < 200
        printed = "".join(o["text"] for o in run(CHECK) if o["kind"] == "stream")
        interrupted, hooks = printed.splitlines()
        assert interrupted.startswith("True 200 ")
        if int(kept.group(1)) < 8:  # the usual case: the interrupt came at round 3 or 4
            assert interrupted == "True 200 no significant difference"
        assert hooks == "None False"  # no profile hook, no tracemalloc left
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
