"""A JupyterLab server for browser tests: loopback only, a token, throwaway folders.

The notebooks are copied into a temporary folder first, so "Run All" (and JupyterLab's
autosave) never writes into the repository.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.error import URLError
from urllib.request import Request, urlopen

__all__ = ["Lab"]

# No news and no update checks: no network, and no toast over the notebook. Every cell
# rendered (no windowing), so the DOM holds every output the test looks for.
_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Lab:
    """JupyterLab serving a copy of `notebooks`; a context manager.

    Attributes:
        root: the folder it serves (the copies).
        base: http://127.0.0.1:PORT
        token: the access token.
    """

    def __init__(self, notebooks: Path) -> None:
        self._temp = tempfile.TemporaryDirectory(prefix="awb-lab-")
        home = Path(self._temp.name)
        self.root = home / "notebooks"
        shutil.copytree(notebooks, self.root)
        settings = home / "settings"
        settings.mkdir()
        self._app_settings = home / "app-settings"  # where JupyterLab reads overrides.json
        self._app_settings.mkdir()
        (self._app_settings / "overrides.json").write_text(json.dumps(_OVERRIDES))
        self.token = secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{_free_port()}"
        self._env = dict(
            os.environ,
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTER_RUNTIME_DIR=str(home / "runtime"),
            JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        )
        self._process: subprocess.Popen[bytes] | None = None
        self.pid = 0

    def __enter__(self) -> Lab:
        port = self.base.rsplit(":", 1)[1]
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--ip", "127.0.0.1",
            "--port", port, f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}", "--expose-app-in-browser",
            f"--LabApp.app_settings_dir={self._app_settings}",
        ]  # fmt: skip
        if os.getuid() == 0:
            command.append("--allow-root")
        self._log = open(Path(self._temp.name) / "lab.log", "wb")
        self._process = subprocess.Popen(
            command, env=self._env, stdout=self._log, stderr=subprocess.STDOUT
        )
        self.pid = self._process.pid
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited: {self.log()[-2000:]}")
            try:
                self.api("status")
                return self
            except (URLError, ConnectionError):
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError("JupyterLab did not answer within 60 s")

    def api(self, path: str) -> Any:
        """GET /api/<path> and decode the JSON."""
        with urlopen(f"{self.base}/api/{path}?token={self.token}", timeout=5) as response:
            return json.load(response)

    def url(self, notebook: str) -> str:
        """The URL that opens `notebook` alone (`reset`: no tabs restored from before)."""
        return f"{self.base}/lab/tree/{notebook}?reset&token={self.token}"

    def shutdown_kernels(self) -> None:
        """Shut every session's kernel down, as closing a notebook with "shut down" does."""
        for session in self.api("sessions"):
            self._delete(f"sessions/{session['id']}")

    def shutdown_kernel(self, notebook: str) -> None:
        """Shut down the kernel of `notebook`'s session (the others keep running)."""
        for session in self.api("sessions"):
            if session["path"].endswith(notebook):
                self._delete(f"sessions/{session['id']}")

    def _delete(self, path: str) -> None:
        request = Request(f"{self.base}/api/{path}?token={self.token}", method="DELETE")
        with urlopen(request, timeout=30):
            pass

    def log(self) -> str:
        """What the server printed so far."""
        return (Path(self._temp.name) / "lab.log").read_text(errors="replace")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()  # JupyterLab shuts its kernels down on SIGTERM
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            self._log.close()
        self._temp.cleanup()
