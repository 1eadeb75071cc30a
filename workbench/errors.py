"""The workbench's exception hierarchy.

Every error the workbench raises on its own account derives from `WorkbenchError`, so a
caller can catch them all in one place. Exceptions raised by the profiled code are never
wrapped: they propagate unchanged.
"""

from __future__ import annotations

import reprlib

__all__ = [
    "OptionError",
    "ProfilerBusyError",
    "ReportExistsError",
    "ReportFormatError",
    "ResultMismatchError",
    "SaveError",
    "ServerError",
    "WorkbenchError",
    "quoted",
]

# Error messages quote what the caller gave, never all of it: a 50,000-item list given
# where a function belongs must not put megabytes of text into a traceback.
_SHORT = reprlib.Repr()
_SHORT.maxlevel = 2
_SHORT.maxstring = 60
_SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxset = _SHORT.maxfrozenset = 4
_SHORT.maxdict = 3


def quoted(value: object) -> str:
    """`repr(value)` cut down to a short prefix, for messages that quote a caller's value.

    Containers show their first few items then `...`; long strings and reprs keep their
    start and end around `...`. A value whose repr fails (a `__repr__` that raises, an
    int too long to print) is named by its type.
    """
    try:
        return _SHORT.repr(value)
    except Exception:  # reprlib guards instances' reprs, not those of built-in types
        return f"<{type(value).__name__} object>"


class WorkbenchError(Exception):
    """Base class of every error raised by the workbench itself."""


class OptionError(WorkbenchError, ValueError):
    """An option or a combination of options cannot be honoured.

    The message always says what to use instead; the IPython adapter turns it into a
    `UsageError`.
    """


class ProfilerBusyError(WorkbenchError, RuntimeError):
    """Another tool already holds a hook that a lens needs (for example, a running cProfile)."""


class SaveError(WorkbenchError, OSError):
    """A report's files cannot be written where asked (the folder is a file, say); the
    message says where to write instead."""


class ReportExistsError(SaveError, FileExistsError):
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
