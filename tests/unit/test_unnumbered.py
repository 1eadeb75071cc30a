"""Sampled lines land on the loop's line, never the `def`, where 3.11 numbers no line.

Python 3.11 leaves a loop's closing jump without a line when several paths of the body
reach it, and signals are handled there: the sampler charged those samples to the `def`.
"""

from __future__ import annotations

import dis
import sys
from typing import Any

import workbench
from tests.workloads import line_of
from workbench.collectors.unnumbered import line_at


def keep_known(items: list[str], allow: list[str]) -> list[str]:
    kept = []
    for item in items:
        if item in allow:  # a list: a linear scan per item, the hot line
            kept.append(item)
    return kept


def test_every_instruction_has_a_line_of_the_body() -> None:
    code = keep_known.__code__
    hot = line_of(keep_known, "the hot line")
    body = range(code.co_firstlineno + 1, code.co_firstlineno + 6)
    for ins in dis.get_instructions(code):
        line = line_at(code, ins.offset)
        if ins.positions is not None and ins.positions.lineno is not None:
            assert line == ins.positions.lineno
        else:
            # The closing jump reached from the skip path (no call since the loop's
            # check) and from after `append` (checked at the call): the skip path's line.
            assert ins.opname.startswith("JUMP_BACKWARD"), ins
            assert line == hot
        if ins.opname.startswith("JUMP_BACKWARD"):
            assert line in body


def test_sampled_lines_of_a_membership_scan_name_the_scan() -> None:
    allow = [f"a{i}" for i in range(400)]
    # 1 item in 50 is kept: the scan, not the append, is where the time goes (3.12+ can
    # charge a scan that found its item to the append's line, the next signal check).
    items = [f"a{i % 400}" if i % 50 == 0 else "zz" for i in range(60_000)]
    report = workbench.profiling(lines="auto").run(keep_known, items, allow)
    lines = report.lines[report.lines["function"] == "keep_known"]
    assert set(lines["method"]) == {"sampled"}
    counted = lines[lines["samples"].fillna(0) > 0]
    assert int(counted.iloc[0]["lineno"]) == line_of(keep_known, "the hot line")
    assert keep_known.__code__.co_firstlineno not in set(counted["lineno"])


def test_a_dask_workers_stack_sample_numbers_the_jump_too() -> None:
    """A worker's sampler reads stacks from another thread at any instruction: a frame
    at 3.11's unnumbered jump (f_lineno None) gets the body's line, not None (None broke
    the report's line table)."""
    from types import SimpleNamespace

    from workbench.cluster.worker_side import _stack

    code = keep_known.__code__
    jump = next(i for i in dis.get_instructions(code) if i.opname.startswith("JUMP_BACKWARD"))
    base = SimpleNamespace()
    frame = SimpleNamespace(f_code=code, f_lineno=None, f_lasti=jump.offset, f_back=base)
    ((_, line, first, name),) = _stack(frame, base)  # type: ignore[arg-type]
    assert (line, first, name) == (line_at(code, jump.offset), code.co_firstlineno, "keep_known")
    assert code.co_firstlineno < line <= code.co_firstlineno + 5


def _widen(i: int) -> int:
    return i + 1


def _calls_widen() -> int:
    return _widen(1) * 2  # the caller's line


def test_a_worker_sample_at_a_function_s_start_is_its_caller_s_line() -> None:
    """A Dask worker's wall-clock sampler finds a called function at its RESUME often
    (a thread hands the GIL on there): that frame has no line, so the sample goes to
    the caller's line, as the client's sampler charges it, not to `def _widen`."""

    from workbench.cluster.worker_side import _stack
    from workbench.report.cluster import _innermost_frame

    here = sys._getframe()
    stacks = []

    def at_call(frame: Any, event: str, arg: object) -> None:
        if event == "call" and frame.f_code is _widen.__code__:
            stacks.append(_stack(frame, here))

    sys.settrace(at_call)
    try:
        _calls_widen()
    finally:
        sys.settrace(None)
    (stack,) = stacks
    assert [(name, line) for _, line, _, name in stack[:2]] == [
        ("_widen", 0),
        ("_calls_widen", line_of(_calls_widen, "the caller's line")),
    ]
    picked = _innermost_frame(stack, _AllUserCode(), lambda name: name, set())
    assert picked is not None
    assert (picked[3], picked[1]) == ("_calls_widen", line_of(_calls_widen, "the caller's line"))


class _AllUserCode:
    def is_user_code(self, filename: str) -> bool:
        return True
