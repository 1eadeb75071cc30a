"""`compare`: did the refactor help, and does it still return the same result?

One compare runs, for every version: one call whose result is checked against the
baseline's (and which warms the code up), alternating timed rounds (see
`workbench.comparison.timing`), one call under tracemalloc for the exact peak, and one profiled
call, whose function table is diffed against the baseline's.

A version that returns an iterator or a generator has its items produced as part of
its run: collected into a list for the equality check, drained one by one (keeping
none) when timed, measured and profiled, so lazy code is neither flattered nor
penalised by a list it did not build.
"""

from __future__ import annotations

import inspect
import time
import tracemalloc
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any, Literal

from workbench.comparison.diff import profile_diff
from workbench.comparison.equality import Check, first_difference, materialize_async, run_check
from workbench.comparison.ranking import ranking_table
from workbench.comparison.result import Comparison, Ranking, Version
from workbench.comparison.timing import (
    Clock,
    plan_rounds,
    speedup_interval,
    time_async,
    time_sync,
    verdict,
)
from workbench.errors import OptionError, ResultMismatchError
from workbench.options import ProfileOptions
from workbench.report.report import Report
from workbench.session.session import ProfileSession
from workbench.session.unfinished import is_lazy

__all__ = ["compare", "compare_async"]

CheckOption = Literal["auto"] | Check | None
_PROFILE = ProfileOptions(memory="off")  # tracemalloc has its own run; RSS adds nothing here


def _name(fn: Callable[..., Any], attribute: str) -> str:
    return str(getattr(fn, attribute, None) or getattr(fn, "__name__", None) or fn)


def _versions(
    baseline: Callable[..., Any] | Mapping[str, Callable[..., Any]], args: tuple[Any, ...]
) -> tuple[list[str], list[Callable[..., Any]], tuple[Any, ...]]:
    """(names, functions, the arguments left for them) from compare's positionals."""
    if isinstance(baseline, Mapping):
        names, fns = [str(k) for k in baseline], list(baseline.values())
    else:
        if not args or not callable(args[0]):
            raise OptionError(
                "compare(baseline, candidate, *args): give two functions, e.g. "
                "compare(slow, fast, records), or a dict of named versions"
            )
        fns, args = [baseline, args[0]], args[1:]
        names = [_name(f, "__name__") for f in fns]
        if names[0] == names[1]:  # same short name: the qualified names may tell them apart
            names = [_name(f, "__qualname__") for f in fns]
        if names[0] == names[1]:
            names = [f"{names[0]} (baseline)", f"{names[1]} (candidate)"]
    if len(fns) < 2 or not all(callable(f) for f in fns):
        raise OptionError("compare needs at least two functions (a dict of name: function)")
    return names, fns, args


def _valid_options(
    check: CheckOption, repeat: int | None, min_effect: float, seconds: float
) -> None:
    """Refuse a bad option before any version runs."""
    if isinstance(check, str) and check != "auto":
        raise OptionError(f"check={check!r}: use 'auto', None, or a function check(a, b)")
    if check is not None and not isinstance(check, str) and not callable(check):
        raise OptionError(f"check={check!r}: use 'auto', None, or a function check(a, b)")
    if repeat is not None and (not isinstance(repeat, int) or repeat < 1):
        raise OptionError(f"repeat={repeat!r}: use a whole number of rounds, at least 1")
    if not isinstance(min_effect, int | float) or not 0 <= min_effect < 1:
        raise OptionError(f"min_effect={min_effect!r}: use a fraction in [0, 1), e.g. 0.03")
    if not isinstance(seconds, int | float) or not seconds > 0:
        raise OptionError(f"seconds={seconds!r}: use a time budget above 0, e.g. 3.0")


def _check(names: Sequence[str], values: Sequence[object], check: CheckOption) -> bool | None:
    """Compare every version's result with the baseline's; raise on the first mismatch."""
    if check is None:
        return None
    for name, value in zip(names[1:], values[1:], strict=True):
        found = (
            first_difference(values[0], value)
            if check == "auto"
            else run_check(check, values[0], value)
        )
        if found is not None:
            raise ResultMismatchError(names[0], name, found)
    return True


def _drained(call: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        __tracebackhide__ = True  # tracebacks show the user's frames, not ours
        value = call()
        if is_lazy(value):
            deque(value, maxlen=0)  # type: ignore[call-overload]

    return run


@contextmanager
def _traced_peak() -> Iterator[list[int]]:
    """Yields a one-item list that holds, after the block, tracemalloc's peak during it.

    The peak counts bytes above what was traced when the block began. tracemalloc is
    stopped again afterwards unless it was already running.
    """
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    peak = [0]
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        yield peak
        peak[0] = max(tracemalloc.get_traced_memory()[1] - before, 0)
    finally:
        if started:
            tracemalloc.stop()


def _peak(call: Callable[[], object]) -> int:
    """tracemalloc's peak during one call (a returned iterator drained, keeping nothing)."""
    with _traced_peak() as peak:
        value = call()
        if is_lazy(value):
            deque(value, maxlen=0)  # type: ignore[call-overload]
    return peak[0]


def _assemble(
    names: list[str],
    results: tuple[list[Any], list[Any], list[int], list[Report]],
    equal: bool | None,
    min_effect: float,
    many: bool,
) -> Comparison | Ranking:
    timings, _, peaks, reports = results
    versions = [Version(*v) for v in zip(names, timings, peaks, reports, strict=True)]
    comparisons = {}
    for candidate in versions[1:]:
        speedup, low, high = speedup_interval(versions[0].timing, candidate.timing)
        comparisons[candidate.name] = Comparison(
            baseline=versions[0],
            candidate=candidate,
            equal=equal,
            speedup=speedup,
            speedup_ci=(low, high),
            memory_ratio=versions[0].peak_memory / candidate.peak_memory
            if candidate.peak_memory
            else None,
            verdict=verdict(speedup, low, high, min_effect),
            min_effect=min_effect,
            diff=profile_diff(versions[0].report.functions, candidate.report.functions),
        )
    if not many:
        return comparisons[versions[1].name]
    return Ranking(comparisons, ranking_table(versions[0], comparisons))


def compare(
    baseline: Callable[..., Any] | Mapping[str, Callable[..., Any]],
    /,
    *args: Any,
    repeat: int | None = None,
    check: CheckOption = "auto",
    min_effect: float = 0.03,
    seconds: float = 3.0,
    clock: Clock = time.perf_counter,
    **kwargs: Any,
) -> Any:
    """Compare versions of the same work: equal results, speed, peak memory, profiles.

    Call as `compare(baseline, candidate, *args, **kwargs)`, or with a dict of named
    versions, `compare({"v1": f1, "v2": f2, "v3": f3}, *args)`, to rank several against
    the first. Each version gets the same arguments.

    Parameters:
        repeat: timed rounds; by default as many as fit in `seconds` (5 to 1000).
        check: "auto" (knows lists, dicts, DataFrames, arrays...), a function
            `check(baseline_result, candidate_result)` returning True or raising
            AssertionError, or None to skip the check.
        min_effect: the smallest relative change reported as a difference (0.03 = 3%).
        seconds: the time budget for the timed rounds.
        clock: the timer (tests inject a fake one).

    Returns:
        A `Comparison` for two versions; a `Ranking` for a dict.

    Raises:
        ResultMismatchError: a version returned something else than the baseline; the
            message shows the first difference. Nothing is timed then.
        OptionError: fewer than two versions, or a bad option (nothing runs then).
        Whatever a version raises, unchanged.
    """
    __tracebackhide__ = True  # tracebacks show the user's frames, not ours
    names, fns, args = _versions(baseline, args)
    _valid_options(check, repeat, min_effect, seconds)
    calls = [partial(fn, *args, **kwargs) for fn in fns]
    values, firsts = [], []
    for call in calls:
        start = clock()
        value = call()
        values.append(list(value) if is_lazy(value) else value)
        firsts.append(clock() - start)
    equal = _check(names, values, check)
    timings = time_sync([_drained(c) for c in calls], plan_rounds(firsts, seconds, repeat), clock)
    peaks = [_peak(call) for call in calls]
    reports = [
        ProfileSession(_PROFILE, label=name, drain=True).run(call)
        for call, name in zip(calls, names, strict=True)
    ]
    results = (timings, values, peaks, reports)
    return _assemble(names, results, equal, min_effect, isinstance(baseline, Mapping))


async def _awaited(call: Callable[[], Any]) -> Any:
    """Call; await the result if it is awaitable; collect an (async) iterator's items."""
    __tracebackhide__ = True  # tracebacks show the user's frames, not ours
    value = call()
    if inspect.isawaitable(value):
        value = await value
    return await materialize_async(value)


async def compare_async(
    baseline: Callable[..., Any] | Mapping[str, Callable[..., Any]],
    /,
    *args: Any,
    repeat: int | None = None,
    check: CheckOption = "auto",
    min_effect: float = 0.03,
    seconds: float = 3.0,
    clock: Clock = time.perf_counter,
    **kwargs: Any,
) -> Any:
    """`compare` for coroutine functions, on the running event loop (same parameters).

    Plain functions may take part too (a synchronous baseline of an async refactor):
    they are called, not awaited.

    Example::

        comparison = await workbench.compare_async(fetch_sequential, fetch_concurrent,
                                                   client, urls)
    """
    __tracebackhide__ = True  # tracebacks show the user's frames, not ours
    names, fns, args = _versions(baseline, args)
    _valid_options(check, repeat, min_effect, seconds)
    if any(inspect.isasyncgenfunction(fn) for fn in fns):
        raise OptionError(
            "compare_async compares coroutine functions; wrap an async generator in one "
            "that collects it, e.g. async def run(): return [x async for x in gen()]"
        )
    calls = [partial(fn, *args, **kwargs) for fn in fns]
    values, firsts = [], []
    for call in calls:
        start = clock()
        values.append(await _awaited(call))
        firsts.append(clock() - start)
    equal = _check(names, values, check)
    timed: list[Callable[[], Awaitable[object]]] = [partial(_awaited, c) for c in calls]
    timings = await time_async(timed, plan_rounds(firsts, seconds, repeat), clock)
    peaks, reports = [], []
    for call, name in zip(calls, names, strict=True):
        peaks.append(await _peak_async(call))
        session = ProfileSession(_PROFILE, label=name, drain=True)
        if inspect.iscoroutinefunction(call):
            reports.append(await session.run_async(call))
        else:  # a synchronous version (the baseline of an async refactor, say)
            reports.append(session.run(call))
    results = (timings, values, peaks, reports)
    return _assemble(names, results, equal, min_effect, isinstance(baseline, Mapping))


async def _peak_async(call: Callable[[], Any]) -> int:
    """`_peak` for a coroutine function (its result's items are collected)."""
    with _traced_peak() as peak:
        await _awaited(call)
    return peak[0]
