"""The default memory lens: the process's resident set size, sampled by a child process.

This is what memory_profiler's `memory_usage` measures, but the sampler is a small child
process of our own: no thread of ours runs Python code in the profiled process, which
matters on Python 3.12+, where cProfile's `sys.monitoring` hook sees every thread. Unlike
memory_profiler's child, ours ignores Ctrl-C (its parent decides when it stops) and exits
on its own when its standard input closes, so a dying kernel never leaves it behind.

Starting it costs ~20 ms, more than a short profile's run, so one child serves every
profile of a process: each run opens a window ("start": it samples every interval) and
closes it ("stop": it sends the window's samples). `stop_rss_child()` (called by
`workbench.stop_servers()` and at exit) ends it.
"""

from __future__ import annotations

import atexit
import os
import select
import subprocess
import sys
import threading
import time

from workbench.errors import WorkbenchError

__all__ = ["RssSampler", "stop_rss_child"]

# The child: between a "start" and a "stop" line on stdin it samples the parent's RSS
# every interval, then prints the window's "t rss" lines and "end"; it exits when stdin
# closes. On Linux it reads /proc and starts without site-packages (-S: ~20 ms instead of
# ~50 ms with psutil, measured); elsewhere it uses psutil.
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
def sample(samples):
    try:
        samples.append((time.monotonic(), rss()))
    except Exception:
        pass  # the parent is gone or exiting: keep what was read
sys.stdout.write("alive\\n")
sys.stdout.flush()
for command in sys.stdin:
    if command != "start\\n":
        continue
    samples = []
    sample(samples)
    sys.stdout.write("ready\\n")
    sys.stdout.flush()
    while not select.select([sys.stdin], [], [], interval)[0]:
        sample(samples)
    sample(samples)
    stop = sys.stdin.readline()
    sys.stdout.write("".join(f"{t!r} {m}\\n" for t, m in samples) + "end\\n")
    sys.stdout.flush()
    if not stop:
        break
"""

_lock = threading.Lock()
# One per (process, sampling interval): a forked process samples itself, not its parent.
_children: dict[tuple[int, float], subprocess.Popen[str]] = {}
_busy: set[tuple[int, float]] = set()  # shared children with a window open
# How long the child may take to answer: its lenses stop with Ctrl-C held back, so a
# child that hangs must not hang the kernel with it.
ANSWER_TIMEOUT = 30.0


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
    if _answer(child, "alive\n") != "alive\n":
        child.kill()
        child.wait()
        raise WorkbenchError("the RSS sampler could not start (is psutil installed?)")
    return child


def _child(interval: float) -> tuple[subprocess.Popen[str], bool]:
    """A child for one window, and whether it is the shared one: the shared child for
    `interval` (started if there is none or it died), or, while its window is open (a
    profile inside a profile), one of the window's own."""
    key = (os.getpid(), interval)
    if key in _busy:
        return _spawn(interval), False
    child = _children.get(key)
    if child is None or child.poll() is not None:
        child = _children[key] = _spawn(interval)
    _busy.add(key)
    return child, True


def stop_rss_child() -> int:
    """End the RSS sampler children of this process; return how many ran."""
    with _lock:
        mine = [key for key in _children if key[0] == os.getpid()]
        children = [_children.pop(key) for key in mine]
    for child in children:
        try:
            child.communicate(input="", timeout=10)  # stdin closes: it exits
        except (subprocess.TimeoutExpired, ValueError, OSError):
            child.kill()
            child.wait()
    return len(children)


atexit.register(stop_rss_child)


class RssSampler:
    """Samples this process's RSS every `interval` seconds from a child process.

    Attributes:
        samples: (seconds since the first sample, RSS bytes); the first is taken before
            the profiled code starts, the last after it ends.
    """

    lens = "memory (RSS)"

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._child: subprocess.Popen[str] | None = None
        self._shared = False
        self.samples: list[tuple[float, int]] = []

    def start(self) -> None:
        """Open a sampling window in the child (started on first use) once it has
        taken its first sample."""
        with _lock:
            child, self._shared = _child(self._interval)
            assert child.stdin is not None
            assert child.stdout is not None
            try:
                child.stdin.write("start\n")
                child.stdin.flush()
                ready = _answer(child, "ready\n")
            except OSError:
                ready = ""
            if ready != "ready\n":
                self._end(child, failed=True)
                raise WorkbenchError("the RSS sampler stopped answering; run again")
            self._child = child

    def stop(self) -> None:
        """Close the window: the child sends its samples and waits for the next."""
        if self._child is None:
            return
        child, self._child = self._child, None
        assert child.stdin is not None
        with _lock:
            try:
                child.stdin.write("stop\n")
                child.stdin.flush()
                answer = _answer(child, "end\n")
                if answer is None:
                    raise OSError("the child did not answer")
            except OSError:
                self._end(child, failed=True)
                raise WorkbenchError(
                    "the RSS sampler did not answer; its samples are lost"
                ) from None
            self._end(child, failed=False)
        lines = answer.splitlines()[:-1]  # the last is "end"
        readings = [(float(t), int(rss)) for t, rss in (line.split() for line in lines)]
        t0 = readings[0][0] if readings else 0.0
        self.samples = [(t - t0, rss) for t, rss in readings]

    def _end(self, child: subprocess.Popen[str], *, failed: bool) -> None:
        """After a window: the shared child waits for the next (or, failed, is ended and
        forgotten); a window's own child ends."""
        key = (os.getpid(), self._interval)
        if self._shared:
            _busy.discard(key)
            if not failed:
                return
            _children.pop(key, None)
        if failed:
            child.kill()
            child.wait()
        else:
            child.communicate(input="", timeout=10)

    @property
    def peak(self) -> int:
        """The largest RSS seen, in bytes."""
        return max(rss for _, rss in self.samples)

    @property
    def baseline(self) -> int:
        """RSS when the run started, in bytes."""
        return self.samples[0][1]


def _fast_start() -> list[str]:
    """Interpreter flags for the child: skip site-packages where /proc makes psutil moot."""
    return ["-S"] if os.path.exists(f"/proc/{os.getpid()}/statm") else []
