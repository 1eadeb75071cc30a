"""A kernel's shutdown, graceful or a SIGKILL, leaves no snakeviz server behind."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import gone

pytestmark = pytest.mark.kernel

KERNEL_CODE = """
import os, workbench, workbench.snakeviz.server
def work():
    return sum(i * i for i in range(10000))
view = workbench.profile(work).snakeviz()
assert view.url is not None, view.error
print(workbench.snakeviz.server._server.folder)
print(os.getpid(), workbench.snakeviz.server._server.pid)
"""


@pytest.mark.parametrize("how", ["shutdown", "kill"])
def test_no_server_outlives_its_kernel(how: str) -> None:
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        lines: list[str] = []

        def output(message: dict[str, Any]) -> None:
            if message["msg_type"] == "stream":
                lines.append(message["content"]["text"])

        reply = client.execute_interactive(KERNEL_CODE, timeout=60, output_hook=output)
        assert reply["content"]["status"] == "ok", reply["content"]
        *_, folder, kernel_pid, pid = "".join(lines).split()
        assert not gone(int(pid), timeout=0.5)
        if how == "kill":
            os.kill(int(kernel_pid), signal.SIGKILL)  # no atexit: the server sees EOF
            assert gone(int(kernel_pid))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=how == "kill")  # graceful: atexit stops the server
    assert gone(int(pid))
    assert not Path(folder).exists()
