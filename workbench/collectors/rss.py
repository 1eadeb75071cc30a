"""The default memory lens: the process's resident set size, sampled by a child process.

This is what memory_profiler's `memory_usage` measures, but the sampler is a small child
process of our own: no thread of ours runs Python code in the profiled process, which
matters on Python 3.12+, where cProfile's `sys.monitoring` hook sees every thread. Unlike
memory_profiler's child, ours ignores Ctrl-C (its parent decides when it stops) and exits
on its own when its standard input closes, so a dying kernel never leaves it behind.
"""

from __future__ import annotations

import os
import subprocess
import sys

from workbench.errors import WorkbenchError

__all__ = ["RssSampler"]

# The child: samples the parent's RSS until stdin closes, then prints "t rss" lines. On
# Linux it reads /proc and starts without site-packages (-S: ~20 ms instead of ~50 ms
# with psutil, measured); elsewhere it uses psutil.
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
samples = []
def sample():
    try:
        samples.append((time.monotonic(), rss()))
    except Exception:
        pass  # the parent is gone or exiting: keep what was read
sample()
sys.stdout.write("ready\\n")
sys.stdout.flush()
while not select.select([sys.stdin], [], [], interval)[0]:
    sample()
sample()
sys.stdout.write("".join(f"{t!r} {m}\\n" for t, m in samples))
"""


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
        self.samples: list[tuple[float, int]] = []

    def start(self) -> None:
        """Start the child and wait for its first sample."""
        self._child = subprocess.Popen(
            [sys.executable, *_fast_start(), "-c", _CHILD, str(os.getpid()), repr(self._interval)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,  # a terminal's Ctrl-C is for the user's code, not it
        )
        assert self._child.stdout is not None
        if self._child.stdout.readline() != "ready\n":
            self._child.wait()
            raise WorkbenchError("the RSS sampler could not start (is psutil installed?)")

    def stop(self) -> None:
        """Close the child's input, which makes it print its samples and exit."""
        if self._child is None:
            return
        child, self._child = self._child, None
        try:
            output, _ = child.communicate(input="", timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            raise WorkbenchError("the RSS sampler did not answer; its samples are lost") from None
        readings = [
            (float(t), int(rss)) for t, rss in (line.split() for line in output.splitlines())
        ]
        t0 = readings[0][0] if readings else 0.0
        self.samples = [(t - t0, rss) for t, rss in readings]

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
