"""One collector per lens. Each starts and stops a single hook and holds what it saw.

Collectors never render and never build DataFrames: `workbench.report.tables` turns what
they hold into the Report's tables. `lenses` holds the collectors of one run together.
"""

from __future__ import annotations

import sys
from typing import Any, Protocol

from workbench.errors import ProfilerBusyError, quoted

__all__ = ["Collector", "python_function", "refuse_a_taken_trace_hook"]


def python_function(target: Any) -> Any:
    """The function whose lines a user means by `target`.

    A bound method gives its function; a decorated function (`functools.wraps`,
    `lru_cache`, ...) the innermost function in its `__wrapped__` chain that has Python
    code, so `-l slow_sum` traces slow_sum's body, not the decorator's wrapper. Anything
    else (a class, a property, a built-in) is returned as it is.
    """
    target = getattr(target, "__func__", target)
    found, seen = target, set()
    while hasattr(target, "__wrapped__") and id(target) not in seen:
        seen.add(id(target))
        target = getattr(target.__wrapped__, "__func__", target.__wrapped__)
        if hasattr(target, "__code__"):
            found = target
    return found


def refuse_a_taken_trace_hook(lens: str) -> None:
    """Raise if this thread already has a trace function (a debugger, coverage.py).

    The exact-lines and memory-per-line lenses install a trace function of their own and
    would replace, or run inside, someone else's.

    Parameters:
        lens: the lens that needs the hook, for the message.

    Raises:
        ProfilerBusyError: naming the holder and what to do.
    """
    holder = sys.gettrace()
    if holder is not None:
        raise ProfilerBusyError(
            f"{lens} needs the trace hook, which {quoted(holder)} holds (a debugger or coverage "
            "tool); stop it first, or use -l auto / lines='auto' (sampled), which leaves it "
            "alone"
        )


class Collector(Protocol):
    """The seam between the session and one lens.

    `start` installs the lens's hook; `stop` removes it and must leave the hook exactly as
    `start` found it, even when the profiled code raised. `lens` names the lens in the
    report's summary.
    """

    @property
    def lens(self) -> str:
        """The lens's name in the summary ("" to leave it out)."""

    def start(self) -> None:
        """Install the hook. Raises a `WorkbenchError` if the hook is taken."""

    def stop(self) -> None:
        """Remove the hook and keep the measurements."""
