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
    "ResultMismatchError",
    "ServerError",
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


class ServerError(WorkbenchError, RuntimeError):
    """A helper server (snakeviz) could not start or stopped answering; the message says why."""


class ResultMismatchError(WorkbenchError, AssertionError):
    """Compared versions returned different results; the message shows the first difference.

    Attributes:
        baseline: the name of the version everything is compared with.
        candidate: the name of the version that differs.
        difference: the first difference, in words.
    """

    def __init__(self, baseline: str, candidate: str, difference: str) -> None:
        super().__init__(
            f"{candidate} does not return what {baseline} returns, so no speedup is "
            f"claimed: {difference}"
        )
        self.baseline = baseline
        self.candidate = candidate
        self.difference = difference
