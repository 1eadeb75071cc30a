"""`compare`: did the refactor help, and does it still return the same result?

One compare runs, for every version: one call whose result is checked against the
baseline's (and which warms the code up), a few more when calls are quick (to measure a
warm call, see `calibration`), alternating timed rounds (see
`workbench.comparison.timing`), one call under tracemalloc for the exact peak, and one profiled
call, whose function table is diffed against the baseline's (see `measure`).

A long compare shows its progress (`progress`), and Ctrl-C stops it with what it has:
the complete rounds are kept and the result says it was interrupted (the memory and
profiled runs are skipped once the rounds were cut short).
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import Any, Literal

from workbench.comparison.assemble import Measured, assemble
from workbench.comparison.calibration import warm_seconds, warm_seconds_async
from workbench.comparison.equality import Check, first_difference, run_check
from workbench.comparison.measure import awaited, drained, peak, peak_async
from workbench.comparison.progress import Progress
from workbench.comparison.quote import quote, shorten
from workbench.comparison.timing import MIN_ROUNDS, Clock, Plan, plan_rounds, time_async, time_sync
from workbench.errors import OptionError, ResultMismatchError
from workbench.options import ProfileOptions
from workbench.session.session import ProfileSession
from workbench.session.unfinished import is_lazy

__all__ = ["compare", "compare_async"]

log = logging.getLogger(__name__)

CheckOption = Literal["auto"] | Check | None
_PROFILE = ProfileOptions(memory="off")  # tracemalloc has its own run; RSS adds nothing here
_MAX_NAME = 80  # characters of a version's name (a partial's repr holds its arguments)
_MAX_DIFFERENCE = 600  # characters of a result mismatch's description


def _name(fn: Callable[..., Any], attribute: str) -> str:
    """A version's name: its function's, a partial's function's, or a short repr."""
    if isinstance(fn, partial):  # its repr holds every argument bound to it
        return shorten(f"{_name(fn.func, attribute)}(…)", _MAX_NAME)
    name = getattr(fn, attribute, None) or getattr(fn, "__name__", None)
    return shorten(str(name) if name else quote(fn), _MAX_NAME)


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
    check: CheckOption, repeat: int | None, min_effect: float, seconds: float, progress: object
) -> None:
    """Refuse a bad option before any version runs (values quoted short)."""
    if isinstance(check, str) and check != "auto":
        raise OptionError(f"check={quote(check)}: use 'auto', None, or a function check(a, b)")
    if check is not None and not isinstance(check, str) and not callable(check):
        raise OptionError(f"check={quote(check)}: use 'auto', None, or a function check(a, b)")
    if repeat is not None and (
        not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < MIN_ROUNDS
    ):
        raise OptionError(
            f"repeat={quote(repeat)}: a verdict needs at least {MIN_ROUNDS} timed rounds (with "
            "fewer, no 95% interval can rule out 'no change'); use repeat="
            f"{MIN_ROUNDS} or more, or leave repeat out to fit the rounds in `seconds`"
        )
    if not isinstance(min_effect, int | float) or not 0 <= min_effect < 1:
        raise OptionError(f"min_effect={quote(min_effect)}: use a fraction in [0, 1), e.g. 0.03")
    if not isinstance(seconds, int | float) or not seconds > 0:
        raise OptionError(f"seconds={quote(seconds)}: use a time budget above 0, e.g. 3.0")
    if progress not in (None, True, False):
        raise OptionError(f"progress={quote(progress)}: use None (when long), True or False")


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
            raise ResultMismatchError(names[0], name, shorten(found, _MAX_DIFFERENCE))
    return True


def _planned(bar: Progress, per_call: Sequence[float], seconds: float, repeat: int | None) -> Plan:
    """Plan the rounds from each version's warm call and tell the progress what to expect."""
    plan = plan_rounds(per_call, seconds, repeat)
    per_round = sum(n * t for n, t in zip(plan.numbers, per_call, strict=True))
    bar.plan(plan.rounds, per_round, sum(per_call))
    return plan


def _interrupted(measured: Measured) -> None:
    """Log what an interrupted compare kept."""
    if measured.interrupted:
        log.warning(
            "compare interrupted: the result holds %d of %d timed rounds%s",
            measured.timed.rounds,
            measured.planned,
            "" if measured.timed.rounds >= MIN_ROUNDS else ", too few for a verdict",
        )


def compare(
    baseline: Callable[..., Any] | Mapping[str, Callable[..., Any]],
    /,
    *args: Any,
    repeat: int | None = None,
    check: CheckOption = "auto",
    min_effect: float = 0.03,
    seconds: float = 3.0,
    clock: Clock = time.perf_counter,
    progress: bool | None = None,
    **kwargs: Any,
) -> Any:
    """Compare versions of the same work: equal results, speed, peak memory, profiles.

    Call as `compare(baseline, candidate, *args, **kwargs)`, or with a dict of named
    versions, `compare({"v1": f1, "v2": f2, "v3": f3}, *args)`, to rank several against
    the first. Each version gets the same arguments.

    Parameters:
        repeat: timed rounds, at least `MIN_ROUNDS` (6: fewer cannot give a 95%
            interval); by default as many as fit in `seconds` (8 to 1000).
        check: "auto" (knows lists, dicts, DataFrames, arrays...), a function
            `check(baseline_result, candidate_result)` returning True or raising
            AssertionError, or None to skip the check.
        min_effect: the smallest relative change reported as a difference (0.03 = 3%).
        seconds: the time budget for the timed rounds.
        clock: the timer (tests inject a fake one).
        progress: show a progress bar (tqdm): None shows it when the compare is
            expected to take, or has taken, 5 s or more; True always; False never.

    Returns:
        A `Comparison` for two versions; a `Ranking` for a dict. A compare stopped by
        Ctrl-C (KeyboardInterrupt) during its timed rounds or later returns what the
        complete rounds show, with `interrupted` set (and no verdict from fewer than 6
        rounds).

    Raises:
        ResultMismatchError: a version returned something else than the baseline; the
            message shows the first difference. Nothing is timed then.
        OptionError: fewer than two versions, or a bad option (nothing runs then).
        KeyboardInterrupt: an interrupt before the first timed round was complete.
        Whatever a version raises, unchanged.
    """
    __tracebackhide__ = True  # tracebacks show the user's frames, not ours
    names, fns, args = _versions(baseline, args)
    _valid_options(check, repeat, min_effect, seconds, progress)
    calls = [partial(fn, *args, **kwargs) for fn in fns]
    with Progress(clock, progress, len(calls)) as bar:
        values, firsts = [], []
        for call in calls:
            start = clock()
            value = call()
            values.append(list(value) if is_lazy(value) else value)
            firsts.append(clock() - start)
            bar.step()
        equal = _check(names, values, check)
        timed_calls = [drained(c) for c in calls]
        warm = [warm_seconds(c, f, clock) for c, f in zip(timed_calls, firsts, strict=True)]
        plan = _planned(bar, warm, seconds, repeat)
        timed = time_sync(timed_calls, plan, clock, bar.step)
        measured = Measured(timed, plan.rounds)
        if not measured.interrupted:
            try:
                bar.phase("peak memory")
                for i, call in enumerate(calls):
                    measured.peaks[i] = peak(call)
                bar.step()
                bar.phase("profiling")
                for i, (call, name) in enumerate(zip(calls, names, strict=True)):
                    measured.reports[i] = ProfileSession(_PROFILE, label=name, drain=True).run(call)
                bar.step()
            except KeyboardInterrupt:
                measured.interrupted = True
    _interrupted(measured)
    return assemble(names, measured, equal, min_effect, isinstance(baseline, Mapping))


async def compare_async(
    baseline: Callable[..., Any] | Mapping[str, Callable[..., Any]],
    /,
    *args: Any,
    repeat: int | None = None,
    check: CheckOption = "auto",
    min_effect: float = 0.03,
    seconds: float = 3.0,
    clock: Clock = time.perf_counter,
    progress: bool | None = None,
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
    _valid_options(check, repeat, min_effect, seconds, progress)
    if any(inspect.isasyncgenfunction(fn) for fn in fns):
        raise OptionError(
            "compare_async compares coroutine functions; wrap an async generator in one "
            "that collects it, e.g. async def run(): return [x async for x in gen()]"
        )
    calls = [partial(fn, *args, **kwargs) for fn in fns]
    with Progress(clock, progress, len(calls)) as bar:
        values, firsts = [], []
        for call in calls:
            start = clock()
            values.append(await awaited(call))
            firsts.append(clock() - start)
            bar.step()
        equal = _check(names, values, check)
        awaits: list[Callable[[], Awaitable[object]]] = [partial(awaited, c) for c in calls]
        warm = [await warm_seconds_async(c, f, clock) for c, f in zip(awaits, firsts, strict=True)]
        plan = _planned(bar, warm, seconds, repeat)
        measured = Measured(await time_async(awaits, plan, clock, bar.step), plan.rounds)
        if not measured.interrupted:
            try:
                bar.phase("peak memory")
                for i, call in enumerate(calls):
                    measured.peaks[i] = await peak_async(call)
                bar.step()
                bar.phase("profiling")
                for i, (call, name) in enumerate(zip(calls, names, strict=True)):
                    session = ProfileSession(_PROFILE, label=name, drain=True)
                    if inspect.iscoroutinefunction(call):
                        measured.reports[i] = await session.run_async(call)
                    else:  # a synchronous version (the baseline of an async refactor, say)
                        measured.reports[i] = session.run(call)
                bar.step()
            except KeyboardInterrupt:
                measured.interrupted = True
    _interrupted(measured)
    return assemble(names, measured, equal, min_effect, isinstance(baseline, Mapping))
