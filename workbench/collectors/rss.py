"""The default memory lens: the process's resident set size, sampled by a child process.

This is what memory_profiler's `memory_usage` measures, but the sampler is a small child
process of our own: no thread of ours runs Python code in the profiled process, which
matters on Python 3.12+, where cProfile's `sys.monitoring` hook sees every thread. Unlike
memory_profiler's child, ours ignores Ctrl-C (its parent decides when it stops) and exits
on its own when its standard input closes, so a dying kernel never leaves it behind.

Starting it costs ~20 ms, more than a short profile's run, so one child serves every
profile of a process, those running at once in several threads included: each run opens
a window ("open N": it samples every interval while any window is open) and closes it
("close N": it sends the window's samples). A process never has more than one: the
earlier design started a child of a window's own while the shared one was busy, and
interrupts that left it "busy" made every later profile start (and leak) one more. The
child is one of the workbench's helpers (`workbench._process`): a forked child of the
profiled code cannot talk to it. `stop_rss_child()` (called by `workbench.stop_servers()`
and at exit) ends it.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import select
import subprocess
import sys
import threading
import time

from workbench import _process
from workbench.errors import WorkbenchError

__all__ = ["RssSampler", "stop_rss_child"]

# The child: while any window is open it samples the parent's RSS every interval; "open
# N" starts window N with a sample, "close N" ends it with one and prints the window's
# "t rss" lines then "closed N"; it exits when stdin closes. On Linux it reads /proc and
# starts without site-packages (-S: ~20 ms instead of ~50 ms with psutil, measured);
# elsewhere it uses psutil.
_CHILD = """
import os, select, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
pid, interval = int(sys.argv[1]), float(sys.argv[2])
try:
    statm, page = open(f"/proc/{pid}/statm", "rb", buffering=0), os.sysconf("SC_PAGE_SIZE")
    def rss():
        statm.seek(0)
        return int(statm.read().split()[1]) * page
except OSError:
    import psutil
    process = psutil.Process(pid)
    def rss():
        return process.memory_info().rss
samples, windows = [], {}
def sample():
    try:
        samples.append((time.monotonic(), rss()))
    except Exception:
        pass  # the parent is gone or exiting: keep what was read
out = sys.stdout
out.write("alive\\n")
out.flush()
while True:
    if not select.select([sys.stdin], [], [], interval if windows else None)[0]:
        sample()
        continue
    command = sys.stdin.readline()
    if not command:
        break
    verb, _, name = command.strip().partition(" ")
    if verb == "open":
        if not windows:
            samples.clear()
        sample()
        windows[name] = max(len(samples) - 1, 0)
        out.write(f"opened {name}\\n")
    elif verb == "close":
        first = windows.pop(name, None)
        sample()
        if first is not None:
            out.write("".join(f"{t!r} {m}\\n" for t, m in samples[first:]))
        out.write(f"closed {name}\\n")
        lowest = min(windows.values(), default=len(samples))
        del samples[:lowest]
        windows = {k: v - lowest for k, v in windows.items()}
    out.flush()
"""

_lock = threading.Lock()
# One per (process, sampling interval): a forked process samples itself, not its parent.
_children: dict[tuple[int, float], subprocess.Popen[str]] = {}
_names = itertools.count(1)  # window names, unique in this process
# How long the child may take to answer: its lenses stop with Ctrl-C held back, so a
# child that hangs must not hang the kernel with it. It answers within milliseconds.
ANSWER_TIMEOUT = 10.0


def _answer(child: subprocess.Popen[str], last: str) -> str | None:
    """The child's output up to its line `last`, or None if that did not come within
    ANSWER_TIMEOUT seconds (or the child closed its output)."""
    assert child.stdout is not None
    if os.name == "nt":  # select() takes no pipes there: wait as long as it takes
        lines = []
        for line in child.stdout:
            lines.append(line)
            if line == last:
                return "".join(lines)
        return None
    fd = child.stdout.fileno()  # read below the text layer: it has no timeout
    deadline = time.monotonic() + ANSWER_TIMEOUT
    data = b""
    while not data.endswith(last.encode()):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return None
        data += chunk
    return data.decode()


def _spawn(interval: float) -> subprocess.Popen[str]:
    """A new child sampling this process every `interval` seconds, once it is up."""
    child = subprocess.Popen(
        [sys.executable, *_fast_start(), "-c", _CHILD, str(os.getpid()), repr(interval)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a terminal's Ctrl-C is for the user's code, not it
    )
    _process.register(child)
    if _answer(child, "alive\n") != "alive\n":
        _discard(child)
        raise WorkbenchError("the RSS sampler could not start (is psutil installed?)")
    return child


def _shared(interval: float) -> subprocess.Popen[str]:
    """This process's child for `interval`, started if there is none or it died."""
    key = (os.getpid(), interval)
    child = _children.get(key)
    if child is None or child.poll() is not None:
        child = _children[key] = _spawn(interval)
    return child


def _exchange(child: subprocess.Popen[str], command: str, last: str) -> str | None:
    """Send `command` and return the child's answer up to its line `last` (None: no
    answer in time, or the pipe is broken)."""
    assert child.stdin is not None
    try:
        child.stdin.write(command)
        child.stdin.flush()
    except (OSError, ValueError):
        return None
    return _answer(child, last)


def _discard(child: subprocess.Popen[str]) -> None:
    """End a child that failed, and forget it (the next window starts a new one)."""
    for key in [key for key, known in _children.items() if known is child]:
        del _children[key]
    _process.unregister(child)
    child.kill()
    child.wait()
    for pipe in (child.stdin, child.stdout):
        if pipe is not None:
            # A broken pipe's unflushed command raises here: nobody is there to read it.
            with contextlib.suppress(OSError):
                pipe.close()


def stop_rss_child() -> int:
    """End the RSS sampler children of this process; return how many ran."""
    with _lock:
        mine = [key for key in _children if key[0] == os.getpid()]
        children = [_children.pop(key) for key in mine]
    for child in children:
        _process.stop_child(child, timeout=10)  # stdin closes: it exits
    return len(children)


def _forget_in_child() -> None:
    """A forked child has none of its parent's samplers (their pipes point nowhere)."""
    global _lock
    _lock = threading.Lock()
    _children.clear()


atexit.register(stop_rss_child)
_process.on_fork_in_child(_forget_in_child)


class RssSampler:
    """Samples this process's RSS every `interval` seconds from a child process.

    Attributes:
        samples: (seconds since the first sample, RSS bytes); the first is taken before
            the profiled code starts, the last just after it ends.
    """

    lens = "memory (RSS)"

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._child: subprocess.Popen[str] | None = None
        self._name = ""
        self._pid = 0
        self._end: float | None = None
        self.samples: list[tuple[float, int]] = []

    def start(self) -> None:
        """Open a sampling window in the child (started on first use) once it has
        taken the window's first sample.

        Raises:
            WorkbenchError: the child could not start or did not answer.
        """
        with _lock:
            child = _shared(self._interval)
            name = str(next(_names))
            if _exchange(child, f"open {name}\n", f"opened {name}\n") is None:
                _discard(child)
                raise WorkbenchError("the RSS sampler stopped answering; run again")
            self._child, self._name, self._pid = child, name, os.getpid()

    def run_over(self) -> None:
        """The profiled code has returned: samples after the next one are the
        workbench's own work (stopping the other lenses, building the report)."""
        self._end = time.monotonic()

    def stop(self) -> None:
        """Close the window: the child sends its samples and samples on for other windows.

        Raises:
            WorkbenchError: the child ended or did not answer: the samples are lost.
        """
        child, self._child = self._child, None
        if child is None or os.getpid() != self._pid:
            return  # never opened, or a forked child: its parent's sampler is not ours
        with _lock:
            if _children.get((self._pid, self._interval)) is not child:
                raise WorkbenchError("the RSS sampler ended during the run; its samples are lost")
            answer = _exchange(child, f"close {self._name}\n", f"closed {self._name}\n")
            if answer is None:
                _discard(child)
                raise WorkbenchError("the RSS sampler did not answer; its samples are lost")
        lines = answer.splitlines()[:-1]  # the last is "closed N"
        readings = [(float(t), int(rss)) for t, rss in (line.split() for line in lines)]
        self.samples = _window(readings, self._end)

    @property
    def peak(self) -> int:
        """The largest RSS seen, in bytes."""
        return max(rss for _, rss in self.samples)

    @property
    def baseline(self) -> int:
        """RSS when the run started, in bytes."""
        return self.samples[0][1]


def _window(readings: list[tuple[float, int]], end: float | None) -> list[tuple[float, int]]:
    """The readings up to the first one after `end` (the profiled code's return), their
    times counted from the first: after that the RSS is the workbench's own (a report of
    200,000 functions being built peaked there, over a 2.2 s "run" of 0.055 s)."""
    if end is not None:
        after = next((i for i, (t, _) in enumerate(readings) if t > end), len(readings))
        readings = readings[: after + 1]
    t0 = readings[0][0] if readings else 0.0
    return [(t - t0, rss) for t, rss in readings]


def _fast_start() -> list[str]:
    """Interpreter flags for the child: skip site-packages where /proc makes psutil moot."""
    return ["-S"] if os.path.exists(f"/proc/{os.getpid()}/statm") else []
