"""The snakeviz server of this process: started on demand, stopped on request or exit.

One server per process (per kernel) serves every report's profile from a private folder
(mode 0700, removed on stop). It listens on 127.0.0.1 only, on a free port the child picks
itself (no race for the port), behind a random token in every URL, and serves nothing but
the `.prof` files written here (`workbench.snakeviz.child`). It stops on
`workbench.stop_servers()`, at interpreter exit (atexit, so a kernel shutdown stops it),
and on its own when this process dies (it exits when its stdin pipe closes). A server
that stopped answering is replaced by a new one on the next `report.snakeviz()`.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from workbench._files import atomic_write
from workbench._process import on_fork_in_child, register, stop_child
from workbench.errors import ServerError

__all__ = ["SnakevizServer", "snakeviz_server", "stop_servers"]

log = logging.getLogger(__name__)

# The child process's module, beside this one (not imported here: `python -m` runs it).
SERVER_MODULE = f"{__package__}.child"
START_TIMEOUT = 20.0  # seconds; importing tornado and snakeviz on a cold disk is slow
# Proxies from the environment must not see loopback requests.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class SnakevizServer:
    """A running snakeviz child process; use `snakeviz_server()` to get this process's one.

    Attributes:
        folder: the private folder it serves `.prof` files from.
        port: the loopback port it listens on.
        pid: the child's process id.
    """

    def __init__(self, timeout: float = START_TIMEOUT) -> None:
        """Start the server and wait until it answers.

        Raises:
            ServerError: it could not start (the message says why).
        """
        self.folder = Path(tempfile.mkdtemp(prefix="awb-snakeviz-"))
        self._token = secrets.token_urlsafe(16)
        self._errors = self.folder / ".server.log"
        with self._errors.open("wb") as errors:
            self._process = subprocess.Popen(
                [sys.executable, "-m", SERVER_MODULE, str(self.folder)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                # Out of the kernel's process group: an interrupt (SIGINT to the group)
                # must not stop it.
                start_new_session=True,
            )
        self.pid = self._process.pid
        register(self._process)
        try:
            self.port = self._read_port(timeout)
            self._wait_until_answering(timeout)
        except BaseException:
            self.stop()
            raise
        log.info("snakeviz server %d listens on 127.0.0.1:%d", self.pid, self.port)

    def _read_port(self, timeout: float) -> int:
        """The port the child prints once it listens."""
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None
        assert stdout is not None
        stdin.write(self._token + "\n")
        stdin.flush()
        lines: list[str] = []
        # readline has no timeout of its own: read in a thread and give up on it.
        reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not lines:
            raise ServerError(f"snakeviz did not listen within {timeout:.0f} s: {self._why()}")
        if not lines[0].strip().isdigit():
            self._process.wait(timeout=timeout)  # it closed its stdout: it is exiting
            raise ServerError(self._why())
        return int(lines[0])

    def _wait_until_answering(self, timeout: float) -> None:
        """Poll the server until it answers HTTP (a 404 is an answer)."""
        deadline = time.monotonic() + timeout
        probe = f"http://127.0.0.1:{self.port}/snakeviz/{self._token}/-"
        while True:
            try:
                _OPENER.open(probe, timeout=2).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError as error:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise ServerError(
                        f"snakeviz on port {self.port} did not answer: {error}; {self._why()}"
                    ) from None
                time.sleep(0.05)

    def _why(self) -> str:
        code = self._process.poll()
        state = "still running" if code is None else f"exited with code {code}"
        try:
            tail = self._errors.read_text(errors="replace").strip().splitlines()[-3:]
        except OSError:
            tail = []
        return f"the server {state}" + (f": {' | '.join(tail)}" if tail else "")

    @property
    def running(self) -> bool:
        """Whether the child process is alive."""
        return self._process.poll() is None

    def answers(self) -> bool:
        """Whether the server is alive and answers HTTP now."""
        if not self.running:
            return False
        try:
            self._wait_until_answering(timeout=0)
        except ServerError:
            return False
        return True

    def publish(self, profile_data: bytes) -> str:
        """Write a profile into the served folder (once per content); return its URL."""
        name = hashlib.sha256(profile_data).hexdigest()[:16] + ".prof"
        path = self.folder / name
        if not path.exists():
            atomic_write(path, profile_data)
        return f"http://127.0.0.1:{self.port}/snakeviz/{self._token}/{name}"

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the child (close its stdin; kill it after `timeout`) and remove the folder."""
        stop_child(self._process, timeout)
        shutil.rmtree(self.folder, ignore_errors=True)


_lock = threading.Lock()
_server: SnakevizServer | None = None


def snakeviz_server() -> SnakevizServer:
    """This process's snakeviz server: the running one, or a new one replacing a dead one.

    Raises:
        ServerError: a new server could not start.
    """
    global _server
    with _lock:
        if _server is not None and not _server.answers():
            log.warning("snakeviz server %d stopped answering: starting a new one", _server.pid)
            _server.stop(timeout=1.0)
            _server = None
        if _server is None:
            _server = SnakevizServer()
        return _server


def stop_servers() -> int:
    """Stop the servers the workbench started in this process; return how many ran."""
    global _server
    with _lock:
        server, _server = _server, None
    if server is None:
        return 0
    server.stop()
    return 1


def _forget_in_child() -> None:
    """A forked child has no server: its parent's is not its to stop (or to empty the
    folder of) at the child's exit."""
    global _lock, _server
    _lock, _server = threading.Lock(), None


atexit.register(stop_servers)
on_fork_in_child(_forget_in_child)
