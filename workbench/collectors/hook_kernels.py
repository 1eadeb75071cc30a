"""The small programs the calibration times, unprofiled and under cProfile.

Loops of several kinds (each kind of bytecode slows differently under 3.11's hook), one
kernel per kind of call event, and a spread of calls over many distinct functions:
cProfile finds a function's entry in a tree searched by code object on every event, so
an event costs more when many functions are called (1.7-2x for 100 of them, measured on
3.11 and 3.13), as in real code, than in a loop calling one.
"""

from __future__ import annotations

import types

__all__ = ["CALLEES", "CALLS", "KERNELS", "LOOPS", "PROBED", "SPREAD", "SPREAD_CALLEES", "probe"]

PROBE_CALLS = 20  # per sampler tick: ~2-4 us
SPREAD = 64  # distinct functions `_spread_calls` calls in turn


class _Point:
    __slots__ = ("x", "y")

    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y


_POINT = _Point(3, 4)


def _arith(n: int) -> int:
    total = 0
    for i in range(n):
        total += (i * i + 3) % 7
    return total


def _attrs(n: int) -> int:
    point, total = _POINT, 0
    for i in range(n):
        total += point.x * i - point.y
    return total


def _floats(n: int) -> float:
    total = 0.0
    for i in range(n):
        v = i * 0.001
        total += v * v * (3.0 - 2.0 * v) if v < 0.5 else v
    return total


def _conversions(n: int) -> int:
    # Calls of classes (int, bool): no profile event on 3.11, but on 3.12+ every call
    # is a monitoring event that cProfile's callback inspects, and counts none of.
    total = 0
    for i in range(n):
        total += int(i * 0.5) + bool(i & 1)
    return total


def _dicts(n: int) -> dict[int, int]:
    seen: dict[int, int] = {}
    for i in range(n):
        key = i & 15
        seen[key] = seen[key] + i if key in seen else i
    return seen


def _strings(n: int) -> list[str]:
    words = []
    for i in range(n):
        words += ["w" + ("x" if i & 1 else "y")]
    return words


def _comprehension(n: int) -> list[int]:
    return [i * 2 for i in range(n) if i % 3]


def _bare(n: int) -> None:
    for _ in range(n):
        pass


def _ident(value: int) -> int:
    return value


def _key(value: int) -> int:
    return value


def _py_calls(n: int) -> None:
    call = _ident
    for i in range(n):
        call(i)


# Copies of `_ident` under other names: distinct code objects, so distinct entries.
_SPREAD_CALLEES = tuple(
    types.FunctionType(_ident.__code__.replace(co_name=f"_ident{i}"), globals())
    for i in range(SPREAD)
)


# cProfile's names of those copies: their own times add up to the spread kernel's callee.
SPREAD_CALLEES = frozenset(f.__code__.co_name for f in _SPREAD_CALLEES)


def _spread_calls(n: int) -> None:
    callees = _SPREAD_CALLEES
    for i in range(n):
        callees[i % SPREAD](i)


def _c_calls(n: int) -> None:
    call = abs
    for i in range(n):
        call(i)


def _resumes(n: int) -> None:
    for _ in (i for i in range(n)):
        pass


def _from_c(n: int) -> list[int]:
    return sorted(range(n), key=_key)  # sorted input: n-1 comparisons, n key calls


def _probed(value: int) -> int:
    return value


def probe() -> None:
    """Call an empty function a few times, for cProfile to time: the sampler does it on
    its ticks inside a run (see `HookCost.in_run`)."""
    call = _probed
    for i in range(PROBE_CALLS):
        call(i)


# cProfile's name for the probed function, to find it among the run's raw statistics.
PROBED = (_probed.__code__.co_filename, _probed.__code__.co_firstlineno, _probed.__name__)

LOOPS = (_arith, _floats, _attrs, _dicts, _strings, _comprehension, _conversions)
CALLS = (_py_calls, _c_calls, _resumes, _from_c, _spread_calls)
KERNELS = (*LOOPS, _bare, *CALLS)
# The callee of each call kernel, as cProfile names it.
CALLEES = {
    "_py_calls": "_ident",
    "_c_calls": "<built-in method builtins.abs>",
    "_resumes": "<genexpr>",
    "_from_c": "_key",
    "_spread_calls": "_ident*",  # every copy's own time, summed
}
