"""The exact lines lens: line_profiler on the functions the user names."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from workbench.collectors import python_function, refuse_a_taken_trace_hook
from workbench.errors import OptionError, quoted


@contextmanager
def _legacy_trace_core() -> Iterator[None]:
    """Make line_profiler, if imported now, use the legacy trace hook on 3.12+.

    In its sys.monitoring mode (the 3.12+ default), line_profiler takes over the return
    events of the functions it traces in the profiler slot it shares with cProfile, so
    cProfile never sees them return and charges every later call to them. The legacy
    hook leaves cProfile's events alone (and ran 1.8x faster here). line_profiler reads
    the choice once, at import; the variable is restored right after.
    """
    previous = os.environ.get("LINE_PROFILER_CORE")
    if sys.version_info >= (3, 12) and "line_profiler" not in sys.modules:
        os.environ["LINE_PROFILER_CORE"] = "ctrace"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("LINE_PROFILER_CORE", None)
        else:
            os.environ["LINE_PROFILER_CORE"] = previous


# An optional piece: without it only this lens is unavailable (the constructor says how
# to install it); the workbench still imports and profiles.
_UNAVAILABLE: str | None = None
try:
    with _legacy_trace_core():
        from line_profiler import LineProfiler
        from line_profiler._diagnostics import USE_LEGACY_TRACE
except ImportError as error:
    _UNAVAILABLE = f"line_profiler cannot be imported ({error})"

__all__ = ["LineCollector", "LineTimings"]

# line_profiler's layout: (file, first line, name) -> [(lineno, hits, time in `unit` s)]
LineTimings = dict[tuple[str, int, str], list[tuple[int, int, int]]]


def _describe(target: Callable[..., Any]) -> str:
    qualname = getattr(target, "__qualname__", None)
    return str(qualname) if qualname else quoted(target)


class LineCollector:
    """Traces every line of the named functions with line_profiler.

    Parameters:
        targets: functions, methods, classes or properties; a decorated function's
            innermost Python function is traced (see `python_function`).

    Raises:
        OptionError: when a target has no Python code to trace (a built-in or C function),
            or line_profiler cannot be imported.
    """

    lens = "lines (line_profiler)"

    def __init__(self, targets: Sequence[Callable[..., Any]]) -> None:
        if _UNAVAILABLE is not None:
            raise OptionError(
                f"exact line times (-l FUNC) need line_profiler: {_UNAVAILABLE}; "
                "pip install line-profiler, or use -l auto (sampled line times)"
            )
        if sys.version_info >= (3, 12) and not USE_LEGACY_TRACE:
            raise OptionError(
                "line_profiler was imported before the workbench in its sys.monitoring "
                "mode, which hides returns from cProfile: restart the kernel and load the "
                "workbench first, or set LINE_PROFILER_CORE=ctrace (or use -l auto)"
            )
        self._profiler = LineProfiler()
        for target in targets:
            if not self._profiler.add_callable(python_function(target)):
                raise OptionError(
                    f"cannot trace the lines of {_describe(target)}: it has no Python "
                    "source (built-in or compiled); name the Python function that calls it"
                )
        self.timings: LineTimings = {}
        self.unit = 1e-9

    def start(self) -> None:
        """Turn line tracing on for the registered functions."""
        refuse_a_taken_trace_hook("-l FUNC (line_profiler)")
        self._profiler.enable_by_count()

    def stop(self) -> None:
        """Turn line tracing off and keep the per-line hits and times."""
        self._profiler.disable_by_count()
        stats = self._profiler.get_stats()
        self.unit = float(stats.unit)
        self.timings = {key: list(rows) for key, rows in stats.timings.items()}
