"""A small local JSON API for the async notebook: real HTTP, fixed latency, some 503s.

`DemoAPI` starts the server as a child process (`python -m workbench.demo.api`) bound to
127.0.0.1 on a free port, and stops it on `stop()` or when its `with` block ends. Being a
separate process, its threads and CPU never mix with the profile of the client.

The API:
    GET /records/<id>   {"id": id, "name": ..., "score": ...} after `latency` seconds;
                        every `fail_every`-th request answers 503 (Service
                        Unavailable) instead, so a client has to retry. Whatever the
                        order of the requests, n records then take exactly the n + k
                        requests with k = (n + k) // fail_every.
    GET /stats          {"requests": ..., "failures": ...} served so far.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from workbench._process import register, stop_child

__all__ = ["DemoAPI", "record"]


def record(i: int) -> dict[str, Any]:
    """The record the API serves for id `i` (clients can check what they got)."""
    return {"id": i, "name": f"item-{i:04d}", "score": (i * 37) % 101}


class DemoAPI:
    """The demo API in a child process; a context manager.

    Parameters:
        latency: seconds every answer takes.
        fail_every: every this-many-th request answers 503 (0: never).

    Attributes:
        url: the base URL, e.g. http://127.0.0.1:41234 (set by `start`).
    """

    def __init__(self, latency: float = 0.02, fail_every: int = 10) -> None:
        self.latency = latency
        self.fail_every = fail_every
        self.url = ""
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> DemoAPI:
        """Start the server and wait until it listens."""
        command = [sys.executable, "-m", __name__, str(self.latency)]
        command.append(str(self.fail_every))
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        register(self._process, machinery=False)  # the notebook's server, not ours
        assert self._process.stdout is not None
        self.url = f"http://127.0.0.1:{int(self._process.stdout.readline())}"
        return self

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """Stop the server: it exits when its stdin closes; killed after 10 s."""
        process, self._process = self._process, None
        if process is not None:
            stop_child(process, timeout=10)

    def __enter__(self) -> DemoAPI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _serve(latency: float, fail_every: int) -> None:
    """The child process: serve until stdin closes."""
    lock = threading.Lock()
    counts = {"requests": 0, "failures": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body as they are written

        def do_GET(self) -> None:
            parts = self.path.strip("/").split("/")
            if parts == ["stats"]:
                with lock:
                    self._send(200, dict(counts))
                return
            if len(parts) != 2 or parts[0] != "records" or not parts[1].isdigit():
                self._send(404, {"error": "no such resource"})
                return
            i = int(parts[1])
            time.sleep(latency)
            with lock:
                counts["requests"] += 1
                fail = bool(fail_every) and counts["requests"] % fail_every == 0
                counts["failures"] += fail
            self._send(503, {"error": "busy, retry"}) if fail else self._send(200, record(i))

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        # socketserver's default backlog of 5 makes concurrent clients' connects wait
        # for SYN retries (1 s and more): a real API accepts many more.
        request_queue_size = 256

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdout.write(f"{server.server_address[1]}\n")
    sys.stdout.flush()
    sys.stdin.read()  # until the parent closes our stdin or dies
    server.shutdown()


def main() -> None:
    """`python -m workbench.demo.api LATENCY FAIL_EVERY`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("latency", type=float)
    parser.add_argument("fail_every", type=int)
    options = parser.parse_args()
    _serve(options.latency, options.fail_every)


if __name__ == "__main__":
    main()
