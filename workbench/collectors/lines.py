"""The exact lines lens: line_profiler on the functions the user names."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from line_profiler import LineProfiler

from workbench.errors import OptionError

__all__ = ["LineCollector", "LineTimings"]

# line_profiler's layout: (file, first line, name) -> [(lineno, hits, time in `unit` s)]
LineTimings = dict[tuple[str, int, str], list[tuple[int, int, int]]]


def _describe(target: Callable[..., Any]) -> str:
    return str(getattr(target, "__qualname__", None) or target)


class LineCollector:
    """Traces every line of the named functions with line_profiler.

    Parameters:
        targets: functions, methods, classes or properties; line_profiler unwraps them.

    Raises:
        OptionError: when a target has no Python code to trace (a built-in or C function).
    """

    lens = "lines (line_profiler)"

    def __init__(self, targets: Sequence[Callable[..., Any]]) -> None:
        self._profiler = LineProfiler()
        for target in targets:
            if not self._profiler.add_callable(target):
                raise OptionError(
                    f"cannot trace the lines of {_describe(target)}: it has no Python "
                    "source (built-in or compiled); name the Python function that calls it"
                )
        self.timings: LineTimings = {}
        self.unit = 1e-9

    def start(self) -> None:
        """Turn line tracing on for the registered functions."""
        self._profiler.enable_by_count()

    def stop(self) -> None:
        """Turn line tracing off and keep the per-line hits and times."""
        self._profiler.disable_by_count()
        stats = self._profiler.get_stats()
        self.unit = float(stats.unit)
        self.timings = {key: list(rows) for key, rows in stats.timings.items()}
