"""The default memory lens: the process's resident set size, sampled by a thread.

This is what memory_profiler's `memory_usage` measures, read with psutil from a thread of
our own instead of memory_profiler's child process: a child process must be killed on
faults (memory_profiler kills children it did not start) and can hang the kernel after a
KeyboardInterrupt. Reading /proc costs microseconds and releases the GIL.
"""

from __future__ import annotations

import threading
import time

import psutil

__all__ = ["RssSampler"]


class RssSampler:
    """Samples RSS every `interval` seconds from a daemon thread.

    Attributes:
        samples: (seconds since start, RSS bytes), first and last taken at start and stop.
    """

    lens = "memory (RSS)"

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._process = psutil.Process()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = 0.0
        self.samples: list[tuple[float, int]] = []

    def _sample(self) -> None:
        self.samples.append((time.perf_counter() - self._t0, self._process.memory_info().rss))

    def _run(self) -> None:
        while not self._done.wait(self._interval):
            self._sample()

    def start(self) -> None:
        """Take the first sample and start the sampling thread."""
        self._t0 = time.perf_counter()
        self._sample()
        self._thread = threading.Thread(target=self._run, name="workbench-rss", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and take the last sample."""
        self._done.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._sample()

    @property
    def peak(self) -> int:
        """The largest RSS seen, in bytes."""
        return max(rss for _, rss in self.samples)

    @property
    def baseline(self) -> int:
        """RSS when the run started, in bytes."""
        return self.samples[0][1]
