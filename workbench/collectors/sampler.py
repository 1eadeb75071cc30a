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
import threading
import time
from collections import Counter
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

from workbench._paths import is_own_file
from workbench.collectors.arguments import ArgumentTally
from workbench.collectors.comprehensions import INLINED
from workbench.collectors.functions import StatsKey
from workbench.collectors.unnumbered import line_at, resume_offsets
from workbench.errors import quoted

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
        probe: called on every tick that counts, under the run's own profiler (the
            calibration's `probe`, which cProfile times).

    Attributes:
        counts: samples per (code object, line number).
        line_seconds: CPU seconds per (code object, line number), as `stack_seconds`.
        stacks: samples per stack of the profiled code (outermost first, cProfile's names),
            every frame up to the workbench's own; the correction of cumulative times
            reads which functions ran under which from them.
        stack_seconds: CPU seconds per stack: each sample weighs the process CPU time
            since the previous one. Python runs the handler only between bytecodes, so
            the timer's signals during one long C call (a sort, zlib) arrive as one
            sample; its weight still holds all their time (counting samples gave a
            zlib stage 2% of the run instead of 25%, measured).
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
        probe: Callable[[], None] | None = None,
    ) -> None:
        self._is_user_code = is_user_code
        self._interval = interval
        self.count_lines = count_lines
        self._on_tick = on_tick
        self._counts_now = counts_now
        self.arguments = arguments
        self._probe = probe
        self._in_handler = False
        self.lens = "lines (sampled)" if shows_lines else ""
        self._user_files: dict[str, bool] = {}
        self._previous: Any = None
        self._running = False
        self.counts: dict[tuple[CodeType, int], int] = {}
        self.line_seconds: dict[tuple[CodeType, int], float] = {}
        self.stacks: Counter[tuple[StatsKey, ...]] = Counter()
        self.stack_seconds: dict[tuple[StatsKey, ...], float] = {}
        self._cpu_mark = 0.0  # process CPU time at the end of the previous sample
        self._keys: dict[CodeType, tuple[StatsKey, frozenset[int]]] = {}
        self.total = 0
        self.unavailable: str | None = None
        # The frame of a profiled `with` block: the stacks stop there, as what called
        # it is not the profiled code (None: they stop at the workbench's own frames).
        self.base: FrameType | None = None
        self._run_over = False
        self._timer = 0.0  # the timer's interval as armed
        self.tampered: str | None = None  # what the profiled code did to SIGPROF

    def start(self) -> None:
        """Install the SIGPROF handler and start the CPU-time timer, if the platform can."""
        sigprof = getattr(signal, "SIGPROF", None)
        if sigprof is None:
            self.unavailable = "this platform has no SIGPROF: no CPU-time sampling"
            return
        if threading.current_thread() is not threading.main_thread():
            self.unavailable = "not in the main thread: no CPU-time sampling"
            return
        current = signal.getsignal(sigprof)
        if current not in (signal.SIG_DFL, None):
            whose = (
                "another workbench profile (in another thread) samples this process"
                if isinstance(getattr(current, "__self__", None), LineSampler)
                else "another tool handles SIGPROF"
            )
            self.unavailable = f"{whose}: no CPU-time sampling"
            return
        try:
            self._previous = signal.signal(sigprof, self._on_sample)
        except ValueError:
            self.unavailable = "not in the main thread: no CPU-time sampling"
            return
        self._running = True
        self._cpu_mark = time.process_time()
        signal.setitimer(signal.ITIMER_PROF, self._interval, self._interval)
        self._timer = signal.getitimer(signal.ITIMER_PROF)[1]  # as the kernel rounded it

    def stop(self) -> None:
        """Stop the timer first (a SIGPROF with no handler would kill the process).

        If the profiled code installed a SIGPROF handler of its own, it and its timer
        are the code's and stay as they are; if it stopped or reset the timer, sampling
        stopped with it: either way `tampered` says so (the samples cover part of the run).
        """
        if not self._running:
            return
        self._running = False
        self.base = None  # no frame kept alive past the run
        handler = signal.getsignal(signal.SIGPROF)
        if handler != self._on_sample:
            self.tampered = (
                f"the profiled code installed its own SIGPROF handler ({quoted(handler)}) "
                "during the run: CPU-time sampling stopped there, so the sampled times "
                "and lines cover only the run before it; that handler and its timer "
                "are left as the code set them"
            )
            return
        interval = signal.getitimer(signal.ITIMER_PROF)[1]
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, self._previous)
        if interval != self._timer:
            done = "stopped" if interval == 0 else f"re-armed every {interval:g} s"
            self.tampered = (
                f"the profiled code {done} the CPU-time timer (signal.setitimer, "
                "ITIMER_PROF) during the run: the sampled times and lines cover only "
                "the run before it"
                + ("" if interval == 0 else "; the workbench stopped that timer with its own")
            )

    def _on_sample(self, signum: int, frame: FrameType | None) -> None:
        # Runs while cProfile may be on: it calls only code of our package (and what that
        # calls), which the function table filters out, so the user's rows stay exact.
        if self._in_handler:
            # A slow sample (a heap snapshot; a new file's classification under
            # tracemalloc) outlasts the interval: a SIGPROF arriving inside it samples our
            # own work, and must not start another sample (nested, they recursed until
            # RecursionError on a file never classified).
            return
        weight = time.process_time() - self._cpu_mark
        self._in_handler = True
        try:
            self._sample(frame, weight)
        finally:
            self._in_handler = False
            # The handler's own time (a heap snapshot, say) is nobody's stack's.
            self._cpu_mark = time.process_time()

    def run_over(self) -> None:
        """The profiled code has returned (its clocks stopped): ignore later ticks. The
        timer runs on until the lenses stop, and a tick there sampled our own stop code
        (a `posixpath.join` under the session's exit, weighing all the CPU since the
        previous tick) as if it were a stack of the run's."""
        self._run_over = True

    def _sample(self, frame: FrameType | None, weight: float) -> None:
        if self._on_tick is not None:
            self._on_tick()
        if self._run_over:
            return  # the profiled code has returned: what runs now is the workbench's
        self.total += 1
        if self._counts_now is not None and not self._counts_now():
            return
        if self._probe is not None:
            self._probe()
        if frame is None:
            return
        resuming = self._record_stack(frame, weight)
        # A signal is handled where the interpreter checks for one: at a function's (or
        # a generator's) first instruction, RESUME, among others. What ran before it
        # is the caller's line, and cProfile's call hook, which runs just before: never
        # the `def` line the frame stands on.
        if self.count_lines:
            self._count_line(frame.f_back if resuming else frame, weight)
        if self.arguments is not None:
            self._observe_arguments(frame, self.arguments)

    def _record_stack(self, frame: FrameType, weight: float) -> bool:
        """Count the sample's stack; returns whether the innermost frame is at a RESUME."""
        stack: list[StatsKey] = []
        current: FrameType | None = frame
        while current is not None:
            key = self._describe(current.f_code)[0]
            if is_own_file(key[0]):
                break  # our own start/stop code and what called it: not the profiled code
            if key[2] not in INLINED:  # 3.11's comprehension frames: lines of their caller
                stack.append(key)
            if current is self.base:
                break
            current = current.f_back
        if stack:
            path = tuple(reversed(stack))
            self.stacks[path] += 1
            self.stack_seconds[path] = self.stack_seconds.get(path, 0.0) + weight
        return frame.f_lasti in self._describe(frame.f_code)[1]

    def _describe(self, code: CodeType) -> tuple[StatsKey, frozenset[int]]:
        """cProfile's name for `code` and the offsets of its RESUME instructions, once."""
        if code not in self._keys:
            key = (code.co_filename, code.co_firstlineno, code.co_name)
            self._keys[code] = (key, resume_offsets(code))
        return self._keys[code]

    def _is_user(self, filename: str) -> bool:
        """Whether `filename` is user code (asked once per file)."""
        if filename not in self._user_files:
            self._user_files[filename] = self._is_user_code(filename)
        return self._user_files[filename]

    def _count_line(self, frame: FrameType | None, weight: float) -> None:
        """Count the line of the innermost user frame at or above `frame`."""
        while frame is not None:
            filename = frame.f_code.co_filename
            if self._is_user(filename):
                # 3.11's loop-closing jumps have no line: `line_at` finds the body's.
                line = frame.f_lineno or line_at(frame.f_code, frame.f_lasti)
                key = (_owner(frame), line)
                self.counts[key] = self.counts.get(key, 0) + 1
                self.line_seconds[key] = self.line_seconds.get(key, 0.0) + weight
                return
            if is_own_file(filename):
                return  # our own start/stop code: never walk up into the caller's cell
            frame = frame.f_back

    def _observe_arguments(self, frame: FrameType | None, arguments: ArgumentTally) -> None:
        """Tally the innermost user calls' arguments, and a few of their callers' (a
        function that spends its time in user helpers is sampled in them)."""
        user_frames = 0
        while frame is not None and user_frames < _ARGUMENT_FRAMES:
            filename = frame.f_code.co_filename
            if self._is_user(filename):
                arguments.observe(frame, self.total)
                user_frames += 1
            elif is_own_file(filename):
                return
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
