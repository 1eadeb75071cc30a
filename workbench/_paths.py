"""The workbench's own locations, computed in one place.

The function table, the line sampler, the heap lens and the source classifier all tell
the workbench's own frames from the user's by file name. They ask here, so a module that
moves inside the package stays "ours" and never shows up as the user's code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

__all__ = ["PACKAGE_DIR", "RUNNER_FILES", "is_own_file"]

PACKAGE_DIR: Final = Path(__file__).resolve().parent
_PREFIX: Final = str(PACKAGE_DIR) + os.sep

# Our modules whose frames call the user's code: what they call is the user's work, what
# our other modules call while a profiler runs is ours. A test checks that each exists.
_RUNNERS: Final = (
    ("session", "session.py"),
    ("ipython", "cells.py"),
    ("collectors", "tasks.py"),
    ("cli", "run.py"),  # `python -m workbench run` execs the program's code
    ("cluster", "worker_side.py"),  # a Dask worker's task, run under our profiler
)
RUNNER_FILES: Final = frozenset(str(PACKAGE_DIR.joinpath(*parts)) for parts in _RUNNERS)


def is_own_file(filename: str) -> bool:
    """Whether `filename` (a code object's `co_filename`, or a resolved path) is a module of
    the workbench itself."""
    return filename.startswith(_PREFIX)
