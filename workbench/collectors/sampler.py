"""The "auto" lines lens: a CPU-time signal sampler that finds hot user lines in one run.

Every `interval` seconds of process CPU time the kernel sends SIGPROF; Python runs our
handler in the main thread with the interrupted frame. We walk up from that frame to the
first frame of user code and count its (code, line). Unlike tracing, this costs the same
whatever the code does, and it shares the run with cProfile and line_profiler because it
uses no interpreter hook. Time inside a library call is charged to the user line that made
it, which is the line a person can change.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

from workbench._paths import is_own_file
from workbench.collectors.arguments import ArgumentTally

__all__ = ["LineSampler"]

_ARGUMENT_FRAMES = 4


class LineSampler:
    """Counts SIGPROF samples per user line, and runs `on_tick` on every sample.

    Parameters:
        is_user_code: tells whether a file name is user code.
        interval: CPU seconds between samples.
        shows_lines: its line counts are a table of the report (else they are the
            hints' evidence only, and the lens is not named in the summary).
        count_lines: count samples per line (False: only run `on_tick`).
        on_tick: called in the main thread on every tick (the heap lens's snapshots).
        counts_now: whether a sample taken now belongs to the profiled code; an async
            run says no while its code is suspended (the loop, the kernel run then).
        arguments: where to tally the arguments of the sampled user calls (hints).

    Attributes:
        counts: samples per (code object, line number).
        total: every sample taken, in user code or not.
        unavailable: why sampling could not run here (not the main thread, no SIGPROF, or
            another tool owns SIGPROF), else None.
    """

    def __init__(
        self,
        is_user_code: Callable[[str], bool],
        interval: float,
        *,
        shows_lines: bool = True,
        count_lines: bool = True,
        on_tick: Callable[[], None] | None = None,
        counts_now: Callable[[], bool] | None = None,
        arguments: ArgumentTally | None = None,
    ) -> None:
        self._is_user_code = is_user_code
        self._interval = interval
        self.count_lines = count_lines
        self._on_tick = on_tick
        self._counts_now = counts_now
        self.arguments = arguments
        self._in_tick = False
        self.lens = "lines (sampled)" if shows_lines else ""
        self._user_files: dict[str, bool] = {}
        self._previous: Any = None
        self._running = False
        self.counts: dict[tuple[CodeType, int], int] = {}
        self.total = 0
        self.unavailable: str | None = None

    def start(self) -> None:
        """Install the SIGPROF handler and start the CPU-time timer, if the platform can."""
        sigprof = getattr(signal, "SIGPROF", None)
        if sigprof is None:
            self.unavailable = "this platform has no SIGPROF: no CPU-time sampling"
            return
        current = signal.getsignal(sigprof)
        if current not in (signal.SIG_DFL, None):
            self.unavailable = "another tool handles SIGPROF: no CPU-time sampling"
            return
        try:
            self._previous = signal.signal(sigprof, self._on_sample)
        except ValueError:
            self.unavailable = "not in the main thread: no CPU-time sampling"
            return
        self._running = True
        signal.setitimer(signal.ITIMER_PROF, self._interval, self._interval)

    def stop(self) -> None:
        """Stop the timer first (a SIGPROF with no handler would kill the process)."""
        if not self._running:
            return
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, self._previous)
        self._running = False

    def _on_sample(self, signum: int, frame: FrameType | None) -> None:
        # Runs while cProfile may be on: it calls only code of our package (and what that
        # calls), which the function table filters out, so the user's rows stay exact.
        if self._on_tick is not None and not self._in_tick:
            # A slow tick (a heap snapshot) outlasts the interval: the next SIGPROF
            # arrives inside it and must not start another.
            self._in_tick = True
            try:
                self._on_tick()
            finally:
                self._in_tick = False
        arguments = self.arguments
        if not self.count_lines and arguments is None:
            return
        self.total += 1
        if self._counts_now is not None and not self._counts_now():
            return
        user_files = self._user_files
        counts = self.counts
        user_frames = 0
        while frame is not None:
            filename = frame.f_code.co_filename
            if filename not in user_files:
                user_files[filename] = self._is_user_code(filename)
            if user_files[filename]:
                if user_frames == 0 and self.count_lines:
                    key = (_owner(frame), frame.f_lineno or frame.f_code.co_firstlineno)
                    counts[key] = counts[key] + 1 if key in counts else 1
                if arguments is None:
                    return
                # The innermost user calls, and a few of their callers (a function that
                # spends its time in user helpers is sampled in them).
                arguments.observe(frame, self.total)
                user_frames += 1
                if user_frames == _ARGUMENT_FRAMES:
                    return
            elif is_own_file(filename):
                return  # our own start/stop code: never walk up into the caller's cell
            frame = frame.f_back


def _is_nested(code: CodeType) -> bool:
    return code.co_name.startswith("<") and code.co_name != "<module>"


def _owner(frame: FrameType) -> CodeType:
    """The named function a line belongs to.

    On 3.11 comprehensions and generator expressions run in code objects of their own
    (`<listcomp>`, `<genexpr>`); their lines belong to the function that contains them,
    which is the nearest caller in the same file.
    """
    code = frame.f_code
    if not _is_nested(code):
        return code
    parent = frame.f_back
    while parent is not None and parent.f_code.co_filename == code.co_filename:
        if not _is_nested(parent.f_code):
            return parent.f_code
        parent = parent.f_back
    return code
