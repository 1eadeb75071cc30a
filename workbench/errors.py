"""The workbench's exception hierarchy.

Every error the workbench raises on its own account derives from `WorkbenchError`, so a
caller can catch them all in one place. Exceptions raised by the profiled code are never
wrapped: they propagate unchanged.
"""

from __future__ import annotations

__all__ = [
    "OptionError",
    "ProfilerBusyError",
    "ReportExistsError",
    "ReportFormatError",
    "WorkbenchError",
]


class WorkbenchError(Exception):
    """Base class of every error raised by the workbench itself."""


class OptionError(WorkbenchError, ValueError):
    """An option or a combination of options cannot be honoured.

    The message always says what to use instead; the IPython adapter turns it into a
    `UsageError`.
    """


class ProfilerBusyError(WorkbenchError, RuntimeError):
    """Another tool already holds a hook that a lens needs (for example, a running cProfile)."""


class ReportExistsError(WorkbenchError, FileExistsError):
    """Saving would replace an existing file and `overwrite=True` was not given."""


class ReportFormatError(WorkbenchError, ValueError):
    """A saved report could not be read back (wrong file, wrong version or damaged)."""
