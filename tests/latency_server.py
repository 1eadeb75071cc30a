"""A loopback HTTP server whose every response takes a fixed time, for the async tests.

Run as a child process (`python tests/latency_server.py SECONDS`): it binds 127.0.0.1 on a
free port, prints the port, serves until its standard input closes, then exits. Being a
separate process, its threads and CPU never show up in the profile under test.
"""

from __future__ import annotations

import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    """Serve GET /<n> with body "item <n>" after the given latency."""
    latency = float(sys.argv[1])

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real API client expects
        # Headers and body go out as separate writes; with Nagle's algorithm the body
        # would wait for the client's delayed ACK (40 ms) and blur the fixed latency.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            time.sleep(latency)
            body = f"item {self.path.lstrip('/')}".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # a quiet test log

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()  # until the test closes our stdin (or dies)
    server.shutdown()


if __name__ == "__main__":
    main()
