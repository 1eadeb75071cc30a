"""The functions lens: cProfile, as `%prun` uses it, kept to the user's code alone."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from workbench._paths import RUNNER_FILES, is_own_file
from workbench.collectors.calibration import PROBED, HookCost, hook_cost
from workbench.collectors.comprehensions import fold_comprehensions
from workbench.collectors.snapshot import Profile, resumable
from workbench.collectors.thread_filter import OneThread, callback_names
from workbench.errors import ProfilerBusyError, quoted

__all__ = ["FunctionCollector", "StatsDict"]

# pstats' own layout: (file, line, name) -> (primitive calls, calls, tottime, cumtime, callers)
StatsKey = tuple[str, int, str]
StatsDict = dict[StatsKey, tuple[int, int, float, float, dict[StatsKey, Any]]]

_PROFILER_METHODS = ("<method 'enable' of ", "<method 'disable' of ")


def _without_transparent(stats: StatsDict, transparent: set[StatsKey]) -> StatsDict:
    """Drop the frames that only carry the profiled code (an async run's callers).

    Unlike our own entries, their callees keep every call: the edge to the dropped
    frame goes, the counts stay.
    """
    if not transparent:
        return stats
    return {
        key: (cc, nc, tt, ct, {c: v for c, v in callers.items() if c not in transparent})
        for key, (cc, nc, tt, ct, callers) in stats.items()
        if key not in transparent
    }


def _cells_started_from_outside(
    raw: StatsDict, clean: StatsDict, is_cell: Callable[[str], bool]
) -> StatsDict:
    """Cut the edge from the builtin a runner started a cell's code with (exec, eval).

    The runner's call to `exec` is gone with the runner, but when the profiled code also
    calls `exec` (an import, a dataclass), `exec` stays, and the cell's `<module>` would
    look called from inside the profile: the call tree then has no root at all. A cell's
    module code is only ever started by a runner, so its calls from such a builtin are
    calls from outside.
    """
    carriers = {
        key
        for key, entry in raw.items()
        if key[0] == "~" and any(caller[0] in RUNNER_FILES for caller in entry[4])
    }
    if not carriers:
        return clean
    return {
        key: (
            (cc, nc, tt, ct, {c: v for c, v in callers.items() if c not in carriers})
            if key[2] == "<module>" and is_cell(key[0])
            else (cc, nc, tt, ct, callers)
        )
        for key, (cc, nc, tt, ct, callers) in clean.items()
    }


def _own_time_under(stats: StatsDict, clean: StatsDict) -> dict[StatsKey, float]:
    """Per kept function, the seconds its calls into the workbench took (the sampler's
    signal handler, run inside whatever it interrupted): gone from the table, but still
    inside the cumulative times of the function and its callers."""
    hidden: dict[StatsKey, float] = {}
    for key, entry in stats.items():
        if key in clean:
            continue
        for caller, edge in entry[4].items():
            if caller in clean:
                hidden[caller] = hidden.get(caller, 0.0) + edge[3]
    return hidden


def _is_own(key: StatsKey) -> bool:
    """Entries the workbench itself adds: its modules and cProfile's enable/disable."""
    filename, _, name = key
    return is_own_file(filename) or (filename == "~" and name.startswith(_PROFILER_METHODS))


def _without_own_entries(stats: StatsDict, is_user_code: Callable[[str], bool]) -> StatsDict:
    """Remove what the workbench itself did while cProfile ran.

    An entry is ours if it is in our package, or if every call to it came from an entry
    of ours other than the runners (the sampler's signal handler calling into pathlib,
    say). Calls that our entries made to a function the user also called are subtracted
    from its counts, except a runner's calls into the user's own code (an async run's
    runner awaits the user's coroutine inside the run): that is the user's work.
    """
    own = {key for key in stats if _is_own(key)}
    seeds = {key for key in own if key[0] not in RUNNER_FILES}
    grew = True
    while grew:
        grew = False
        for key, entry in stats.items():
            callers = entry[4]
            if key not in own and callers and all(caller in seeds for caller in callers):
                own.add(key)
                seeds.add(key)
                grew = True
    clean: StatsDict = {}
    for key, (cc, nc, tt, ct, callers) in stats.items():
        if key in own:
            continue
        for caller in own.intersection(callers):
            if caller[0] in RUNNER_FILES and is_user_code(key[0]):
                continue
            edge = callers[caller]  # cProfile's edges: (calls, primitive calls, tt, ct)
            cc, nc, tt, ct = cc - edge[1], nc - edge[0], tt - edge[2], ct - edge[3]
        if nc <= 0:
            continue  # every call to it was ours
        kept = {caller: value for caller, value in callers.items() if caller not in own}
        clean[key] = (cc, nc, max(tt, 0.0), max(ct, 0.0), kept)
    # A caller can also vanish when every call to it was a runner's (a library function
    # that our session called): its callees then start from outside. pstats' readers
    # (snakeviz) expect every caller to be an entry.
    return {
        key: (cc, nc, tt, ct, {c: v for c, v in callers.items() if c in clean})
        for key, (cc, nc, tt, ct, callers) in clean.items()
    }


class FunctionCollector:
    """Runs cProfile around the profiled code.

    Parameters:
        is_user_code: tells whether a file name is the user's code (see SourceIndex).
        is_cell: tells whether a file name is a notebook cell's (see SourceIndex).

    Raises:
        ProfilerBusyError: from `start` when another profiler already holds the profile
            hook (cProfile would silently replace it on 3.11 and refuse on 3.12+).

    On 3.12+ cProfile hears every thread and mixes their calls into one stack: once
    another thread exists (at the start, or when the profiled code starts one, see
    `one_thread`) only the thread that started the profile is recorded, as on 3.11.
    """

    lens = "functions"

    def __init__(self, is_user_code: Callable[[str], bool], is_cell: Callable[[str], bool]) -> None:
        self._is_user_code = is_user_code
        self._is_cell = is_cell
        self._profile: Profile | None = None
        self._enabled = False
        self.stats: StatsDict = {}
        self.transparent: set[StatsKey] = set()
        self.resume_failed: str | None = None
        self.cost: HookCost | None = None  # calibrated; see `probed` for the run's own
        self.hidden: dict[StatsKey, float] = {}
        self.probed = (0, 0.0)
        self.resumable: set[StatsKey] = set()
        self._thread = 0  # threading.get_ident() of the profiled thread
        self._one_thread = False  # other threads' events are filtered out (3.12+)
        self._checks: OneThread | None = None

    def start(self) -> None:
        """Measure what cProfile's hook costs here (`cost`), then enable cProfile,
        refusing to displace another profiler."""
        monitoring: Any = getattr(sys, "monitoring", None)
        holder = (
            monitoring.get_tool(monitoring.PROFILER_ID)
            if monitoring is not None
            else sys.getprofile()
        )
        if holder is not None:
            raise ProfilerBusyError(
                f"another profiler ({quoted(holder)}) is running in this thread; finish it "
                "(e.g. the enclosing %prun or profiling block) before profiling again"
            )
        self._thread = threading.get_ident()
        # Threads without a `threading.Thread` (started from C) are in _current_frames.
        self._one_thread = self._one_thread or len(sys._current_frames()) > 1
        callback_names()  # read before ours is enabled: it needs a profiler of its own
        # Measured before the run, outside it (once per process): the calibration runs a
        # cProfile of its own, and 3.12+ allows one at a time. The thread check costs
        # about as much again per event: measured with it when the run starts with it.
        self.cost = hook_cost(one_thread=self._one_thread)
        self._profile = Profile()
        self._checks = OneThread(self._profile, self._thread)
        self._enable()

    def _enable(self) -> None:
        assert self._profile is not None
        self._profile.enable()
        self._enabled = True
        if self._one_thread and self._checks is not None:
            self._checks.apply()

    def one_thread(self) -> None:
        """From now on record only the profiled thread (called before a thread starts).

        Another thread's calls would be mixed into the profiled thread's stack (3.12+;
        on 3.11 cProfile only ever hears the thread that enabled it). Any thread may call
        it; it takes effect once.
        """
        if self._one_thread:
            return
        self._one_thread = True
        if self._enabled and self._checks is not None:
            self._checks.apply()

    def pause(self) -> None:
        """Stop recording until `resume` (an async run while its code is suspended)."""
        if self._profile is not None and self._enabled:
            self._profile.disable()
            self._enabled = False

    def resume(self) -> None:
        """Record again after `pause`; if another profiler took the hook, stay paused."""
        if self._profile is None or self._enabled:
            return
        try:
            self._enable()
        except ValueError as error:  # 3.12+: "Another profiling tool is already active"
            self.resume_failed = f"the function table stops early: {error}"

    def stop(self) -> None:
        """Disable cProfile and keep its statistics without the workbench's own frames."""
        if self._profile is None:
            return
        self.pause()
        # create_stats() fills .stats in pstats' layout; pstats.Stats() would refuse an
        # empty profile (code that raised before its first call).
        self._profile.create_stats()
        raw: StatsDict = self._profile.stats  # type: ignore[assignment]
        if PROBED in raw:  # the sampler's probe: what a call cost inside this run
            self.probed = (int(raw[PROBED][1]), float(raw[PROBED][2]))
        visible = _without_transparent(raw, self.transparent)
        clean = _without_own_entries(visible, self._is_user_code)
        kept = _cells_started_from_outside(visible, clean, self._is_cell)
        hidden = _own_time_under(visible, kept)
        self.stats = fold_comprehensions(kept)
        # The workbench's time under a folded comprehension stays in its caller's own time
        # (a signal handler that interrupted one: rare, and microseconds).
        self.hidden = {key: seconds for key, seconds in hidden.items() if key in self.stats}
        # create_stats read the entries through `getstats` (kept); an empty list is an
        # empty profile, or a cProfile that read them otherwise: ask again then.
        self.resumable = resumable(self._profile.entries or self._profile.getstats())
        self._profile = self._checks = None
