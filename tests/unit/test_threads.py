"""Threads beside the profiled code: only those it starts are its own.

A server thread of the same process, a kernel's own threads: they run Python while the
profiled code waits for them. They are not the code's, so they must not be named as
threads it started, nor stop the concurrency hint; and on 3.12+, where cProfile hears
every thread, their calls must not land in the profiled thread's function table (they
used to be pushed onto its stack: a function called once counted twice, a `recv` that
waited timed as if it had not).
"""

from __future__ import annotations

import socketserver
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

import workbench
from tests.helpers import LATENCY

REQUESTS = 8
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class _Slow(BaseHTTPRequestHandler):
    """Answers every GET with its path, after LATENCY seconds."""

    def do_GET(self) -> None:
        time.sleep(LATENCY)
        body = self.path.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no request log on stderr


@contextmanager
def serving(server_class: type[socketserver.TCPServer]) -> Iterator[str]:
    """A server on 127.0.0.1 (a free port), run by a thread of this process that starts
    before the profile; yields its base URL. It polls every 10 ms, so it runs Python
    all along, as a kernel's own threads do."""
    server = server_class(("127.0.0.1", 0), _Slow)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="awb-server"
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()  # a threading server also joins its handler threads here
        thread.join()


def get(url: str) -> bytes:
    with _OPENER.open(url, timeout=30) as response:
        body: bytes = response.read()
        return body


def fetch_all(base: str, n: int) -> list[bytes]:
    return [get(f"{base}/{i}") for i in range(n)]


def user_calls(report: workbench.Report) -> dict[str, int]:
    functions = report.functions[report.functions["user_code"]]
    return dict(zip(functions["function"], functions["ncalls"], strict=True))


def test_a_server_thread_of_this_process_is_not_the_profiled_code() -> None:
    # It starts a handler thread per request, during the run: not the code's threads.
    with serving(socketserver.ThreadingTCPServer) as base:
        report = workbench.profile(fetch_all, base, REQUESTS)
    assert report.result == [f"/{i}".encode() for i in range(REQUESTS)]
    assert not [n for n in report.summary.notes if "thread" in n]
    hints = report.hints[report.hints["kind"] == "concurrency"]
    assert list(hints["function"]) == ["fetch_all"]
    assert f"under {REQUESTS} calls of get" in hints.iloc[0]["evidence"]
    assert user_calls(report)["fetch_all"] == 1
    assert user_calls(report)["get"] == REQUESTS
    assert "do_GET" not in user_calls(report)  # the handler threads' calls


def test_other_threads_calls_stay_out_of_the_function_table() -> None:
    # No thread starts during the run; the server's own thread answers each request,
    # running Python while the profiled code waits in `recv` (3.12+ heard it).
    with serving(socketserver.TCPServer) as base:
        report = workbench.profile(fetch_all, base, REQUESTS)
    calls = user_calls(report)
    assert calls["fetch_all"] == 1
    assert calls["get"] == REQUESTS
    assert "do_GET" not in calls
    names = set(report.functions["function"])
    assert not [name for name in names if "serve_forever" in name or "sleep" in name]
    hints = report.hints[report.hints["kind"] == "concurrency"]
    assert list(hints["function"]) == ["fetch_all"]
    monitoring: Any = getattr(sys, "monitoring", None)
    if monitoring is not None:  # cProfile's disable took the thread checks away too
        tool, call = monitoring.PROFILER_ID, monitoring.events.CALL
        assert monitoring.register_callback(tool, call, None) is None


def nested() -> list[str]:
    """Start a thread that starts another; both are the code's."""
    names: list[str] = []

    def inner() -> None:
        names.append(threading.current_thread().name)

    def outer() -> None:
        child = threading.Thread(target=inner, name="awb-grandchild")
        child.start()
        child.join()

    thread = threading.Thread(target=outer, name="awb-child")
    thread.start()
    thread.join()
    return names


def test_threads_started_by_the_codes_threads_are_its_own() -> None:
    report = workbench.profile(nested)
    assert report.result == ["awb-grandchild"]
    notes = [n for n in report.summary.notes if "started during the run" in n]
    assert len(notes) == 1
    expected = "2 threads started during the run by the profiled code (awb-child, awb-grandchild)"
    assert expected in notes[0]


def test_threads_started_by_a_thread_running_before_the_run_are_not() -> None:
    go, done = threading.Event(), threading.Event()
    started: list[threading.Thread] = []

    def service() -> None:
        go.wait()
        worker = threading.Thread(target=done.set, name="awb-not-yours")
        started.append(worker)
        worker.start()
        worker.join()

    def ask() -> None:
        go.set()
        done.wait(timeout=30)

    before = threading.Thread(target=service, name="awb-service")
    before.start()
    try:
        report = workbench.profile(ask)
    finally:
        go.set()
        before.join()
    assert [t.name for t in started] == ["awb-not-yours"]  # it did start during the run
    assert not [n for n in report.summary.notes if "thread" in n]
