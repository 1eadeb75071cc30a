"""Ctrl-C in a `%%architect_profile` cell, wherever it lands: a report when the cell's
code started, the interrupt as the cell's error, no hook or helper of ours left.

`_thread.interrupt_main()` is what a kernel's interrupt does to the main thread. The
in-process shell runs a cell as a kernel does (the KeyboardInterrupt becomes the cell's
error); tests/unit/test_interrupt_stress.py covers every lens boundary of the API.
"""

from __future__ import annotations

import _thread
import contextlib
import threading
import time
from typing import Any

import pytest

from tests.helpers import html_outputs, run
from workbench.session import finishing
from workbench.session.hooks import HookState

CELL = "%%architect_profile -o rep\nstarted = True\ntotal = sum(i % 7 for i in range(40_000))"


def _fresh(ip: Any) -> None:
    for name in ("rep", "started", "total"):
        ip.user_ns.pop(name, None)


def _interrupt_after(go: threading.Event, delay: float) -> None:
    go.wait()
    time.sleep(delay)
    _thread.interrupt_main()


def test_an_interrupt_while_the_report_is_built_still_shows_it(
    ip: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = finishing.build_report

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        _thread.interrupt_main()  # Ctrl-C just after the code ended
        return real(*args, **kwargs)

    monkeypatch.setattr(finishing, "build_report", interrupted)
    _fresh(ip)
    before = HookState.capture()
    result, captured = run(ip, CELL)
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    assert before.differences(HookState.capture()) == []
    assert ip.user_ns["total"] == sum(i % 7 for i in range(40_000))
    assert ip.user_ns["rep"].summary.complete  # the code itself had finished
    (html,) = html_outputs(captured)
    assert "Architect Workbench" in html


def test_interrupts_timed_across_a_cell(ip: Any) -> None:
    _fresh(ip)
    run(ip, CELL)  # the shared sampler and the calibration exist
    t0 = time.perf_counter()
    run(ip, CELL)
    length = time.perf_counter() - t0
    for i in range(12):
        _fresh(ip)
        before = HookState.capture()
        go = threading.Event()
        timer = threading.Thread(target=_interrupt_after, args=(go, 1.5 * length * i / 12))
        timer.start()
        go.set()
        result, _ = run(ip, CELL)
        with contextlib.suppress(KeyboardInterrupt):  # it came after the cell
            timer.join()
            time.sleep(0.01)
        assert before.differences(HookState.capture()) == []
        if "started" in ip.user_ns:
            assert "rep" in ip.user_ns, f"run {i}: the code started but no report was kept"
        if result.error_in_exec is not None:
            assert isinstance(result.error_in_exec, KeyboardInterrupt)
