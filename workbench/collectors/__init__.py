"""One collector per lens. Each starts and stops a single hook and holds what it saw.

Collectors never render and never build DataFrames: `workbench.tables` turns what they
hold into the Report's tables.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Collector"]


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
