"""The functions lens: cProfile, as `%prun` uses it, kept to the user's code alone."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from workbench.collectors import hook_watch
from workbench.collectors.calibration import PROBED, HookCost, hook_cost
from workbench.collectors.cleaning import cleaned
from workbench.collectors.snapshot import Profile, resumable
from workbench.collectors.thread_filter import OneThread, callback_names
from workbench.errors import ProfilerBusyError

__all__ = ["FunctionCollector", "StatsDict"]

# pstats' own layout: (file, line, name) -> (primitive calls, calls, tottime, cumtime, callers)
StatsKey = tuple[str, int, str]
StatsDict = dict[StatsKey, tuple[int, int, float, float, dict[StatsKey, Any]]]


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
        self._events = 0  # the profiler slot's events as enabled (3.12+)
        self.tampered: str | None = None  # what the profiled code did to the hook
        # cProfile failed to record a call ("memory was exhausted while profiling").
        self.dropped_calls = False

    def start(self) -> None:
        """Measure what cProfile's hook costs here (`cost`), then enable cProfile,
        refusing to displace another profiler."""
        taken_by = hook_watch.holder()
        if taken_by is not None:
            raise ProfilerBusyError(hook_watch.busy_message(taken_by))
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
        hook_watch.mark(self._profile, True)
        if self._one_thread and self._checks is not None:
            self._checks.apply()
        self._events = hook_watch.events_now()  # what the stop checks the slot against

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
            self._enabled = False
            if not hook_watch.release(self._profile):
                self.dropped_calls = True

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
        if self._enabled:
            taken = hook_watch.still_ours(self._profile, self._events)
            if taken is not None:
                self.tampered = (
                    f"the profiled code interfered with the function lens: {taken} during "
                    "the run, so calls after that may be missing from the function table"
                )
        self.pause()
        # snapshot_stats() fills .stats in pstats' layout (create_stats would disable
        # again); pstats.Stats() would refuse an empty profile (code that raised before
        # its first call).
        self._profile.snapshot_stats()
        raw: StatsDict = self._profile.stats  # type: ignore[assignment]
        if PROBED in raw:  # the sampler's probe: what a call cost inside this run
            self.probed = (int(raw[PROBED][1]), float(raw[PROBED][2]))
        self.stats, self.hidden = cleaned(raw, self.transparent, self._is_user_code, self._is_cell)
        # create_stats read the entries through `getstats` (kept); an empty list is an
        # empty profile, or a cProfile that read them otherwise: ask again then.
        self.resumable = resumable(self._profile.entries or self._profile.getstats())
        self._profile = self._checks = None
