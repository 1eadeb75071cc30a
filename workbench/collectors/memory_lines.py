"""The memory-per-line lens: memory_profiler's line mode, made to work on notebook cells.

memory_profiler's `CodeMap.add` refuses code whose file is not on disk, which is every
function defined in a notebook cell. Our `CodeMap` takes the source from `linecache`
(where IPython keeps every cell) and writes no file. Two costs of the original are also
removed, keeping its bookkeeping: RSS is read straight from /proc/self/statm through one
open file (psutil where there is no /proc) instead of a new `psutil.Process` per traced
line, and frames of other functions get no line tracing at all.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from types import CodeType, FrameType
from typing import Any

import psutil

from workbench.collectors import python_function, refuse_a_taken_trace_hook
from workbench.errors import OptionError, quoted
from workbench.source import function_block

with warnings.catch_warnings():
    # memory_profiler (unmaintained since 2022) warns about distutils-era APIs on import.
    warnings.simplefilter("ignore", DeprecationWarning)
    import memory_profiler

__all__ = ["MemoryLineCollector", "MemoryLines"]

# (file, first line, name) -> {lineno: (increment bytes, max RSS bytes, occurrences)}
MemoryLines = dict[tuple[str, int, str], dict[int, tuple[float, float, int]]]

_TraceFunction = Callable[[FrameType, str, Any], Any]


class _RssReader:
    """Reads this process's RSS in bytes as cheaply as the platform allows (once per line):
    /proc/self/statm through one open descriptor, else psutil."""

    def __init__(self) -> None:
        self._page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        try:
            self._fd: int | None = os.open("/proc/self/statm", os.O_RDONLY)
        except OSError:
            self._fd = None
            self._process = psutil.Process()

    def __call__(self) -> int:
        if self._fd is None:
            return int(self._process.memory_info().rss)
        return int(os.pread(self._fd, 128, 0).split()[1]) * self._page

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            self._process = psutil.Process()  # still answers if read after closing


class _LinecacheCodeMap(memory_profiler.CodeMap):  # type: ignore[misc]
    """memory_profiler's CodeMap that reads source from linecache and measures in bytes."""

    def __init__(self) -> None:
        super().__init__(include_children=False, backend="psutil")
        self.rss = _RssReader()

    def add(self, code: CodeType, toplevel_code: CodeType | None = None) -> None:
        if code in self:
            return
        if toplevel_code is None:
            block = function_block(code.co_filename, code.co_firstlineno)
            if not block:
                raise OptionError(
                    f"no source for {code.co_name} ({code.co_filename}); memory per line "
                    "needs a function defined in a cell or a .py file"
                )
            linenos = range(code.co_firstlineno, code.co_firstlineno + len(block))
            self._toplevel.append((code.co_filename, code, linenos))
            self[code] = {}
            toplevel_code = code
        else:
            self[code] = self[toplevel_code]
        for const in code.co_consts:
            if isinstance(const, CodeType):
                self.add(const, toplevel_code=toplevel_code)

    def trace(self, code: CodeType, lineno: int, prev_lineno: int | None) -> None:
        # The same arithmetic as memory_profiler's CodeMap.trace, on one reused Process.
        memory = float(self.rss())
        measures = self[code]
        previous = measures.get(lineno)
        previous_line = measures.get(prev_lineno) if prev_lineno else None
        # Unlike memory_profiler, a line with no earlier reading (the `def` line) adds
        # nothing: charging it the whole process's RSS would make it look like a hotspot.
        step = memory - previous_line[1] if previous_line else 0.0
        measures[lineno] = (
            (previous[0] if previous else 0.0) + step,
            max(memory, previous[1] if previous else 0.0),
            (previous[2] + 1) if previous else 1,
        )


class _TargetedLineProfiler(memory_profiler.LineProfiler):  # type: ignore[misc]
    """memory_profiler's LineProfiler that line-traces only the functions it was given."""

    def __init__(self) -> None:
        super().__init__(backend="psutil")
        self.code_map = _LinecacheCodeMap()

    def trace_memory_usage(self, frame: FrameType, event: str, arg: Any) -> Any:
        traced: Any = super().trace_memory_usage(frame, event, arg)
        if event == "call" and frame.f_code not in self.code_map:
            # No local trace function: the other frames run without line events.
            return self._original_trace_function
        return traced


class MemoryLineCollector:
    """Measures RSS before and after each line of the named functions.

    Parameters:
        targets: Python functions (methods and decorated functions are unwrapped).

    Raises:
        OptionError: when a target has no Python code or no source.
    """

    lens = "memory lines (memory_profiler)"

    def __init__(self, targets: Sequence[Callable[..., Any]]) -> None:
        self._profiler = _TargetedLineProfiler()
        for target in targets:
            code = getattr(python_function(target), "__code__", None)
            if not isinstance(code, CodeType):
                raise OptionError(
                    f"cannot trace the memory of {quoted(target)} line by line: it has no Python "
                    "code (built-in, compiled or a class); name a Python function"
                )
            self._profiler.code_map.add(code)
        self.lines: MemoryLines = {}

    def start(self) -> None:
        """Install memory_profiler's trace function (it chains any previous one)."""
        refuse_a_taken_trace_hook("-m lines (memory_profiler)")
        self._profiler.enable_by_count()

    def stop(self) -> None:
        """Restore the previous trace function and keep the per-line measures."""
        self._profiler.disable_by_count()
        code_map = self._profiler.code_map
        code_map.rss.close()
        for filename, code, _ in code_map._toplevel:
            key = (filename, code.co_firstlineno, code.co_name)
            self.lines[key] = dict(code_map[code])
