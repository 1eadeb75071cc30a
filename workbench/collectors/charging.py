"""Which line a traced allocation is charged to, from the frames tracemalloc kept for it.

Memory a library allocates on the user's behalf belongs to the user's line that called
it: `recs = [json.loads(s) for s in lines]` holds the dicts that `json/decoder.py` built.
Memory the workbench allocates belongs to no one's code: its timer tick runs on top of
whatever was running, its session calls the standard library (`signal`, `pathlib`) around
the user's code. Walking an allocation's frames from the newest:

- the first frame of the user's code is where it is charged, unless the workbench called
  that code (a frame of ours other than a runner follows it: e.g. a `__repr__` the
  argument sampler called);
- a frame of the workbench or of another profiler before any user frame means the
  workbench's machinery made it: it is left out. The exception is the tasks lens's
  wrapper of asyncio's callbacks: the library code it runs is the event loop's work,
  done with or without us;
- a stack without either (all library frames, within the frames kept) is charged to the
  library line that made the allocation.
"""

from __future__ import annotations

import cProfile
import enum
import os
import tracemalloc
from collections.abc import Callable, Sequence

from workbench._paths import RUNNER_FILES, is_own_file
from workbench.collectors import tasks

__all__ = ["Charger", "is_profiler_code"]

# Other profilers' code: tracemalloc itself, and cProfile and line_profiler building their
# statistics as they stop.
_PROFILER_FILES = (tracemalloc.__file__, cProfile.__file__)
_PROFILER_FOLDERS = (f"{os.sep}psutil{os.sep}", f"{os.sep}line_profiler{os.sep}")
# The tasks lens's wrapper of `Handle._run` and of the loop's selector.
_CALLBACK_RUNNER = tasks.__file__


def is_profiler_code(filename: str) -> bool:
    """Whether `filename` is the workbench's or another profiler's code."""
    return (
        filename in _PROFILER_FILES
        or is_own_file(filename)
        or filename.endswith("memory_profiler.py")
        or any(folder in filename for folder in _PROFILER_FOLDERS)
    )


class _Kind(enum.Enum):
    USER = "user"
    LIBRARY = "library"
    RUNNER = "runner"  # ours, and calls the user's code
    CALLBACKS = "callbacks"  # ours, and runs asyncio's callbacks
    OURS = "ours"


class Charger:
    """Charges allocations, by their frames, to a line (see the module's docstring).

    Parameters:
        is_user_code: whether a file is the user's (`SourceIndex.is_user_code`).
    """

    def __init__(self, is_user_code: Callable[[str], bool]) -> None:
        self._is_user_code = is_user_code
        self._kinds: dict[str, _Kind] = {}

    def _kind(self, filename: str) -> _Kind:
        kind = self._kinds.get(filename)
        if kind is None:
            if filename == _CALLBACK_RUNNER:
                kind = _Kind.CALLBACKS
            elif filename in RUNNER_FILES:
                kind = _Kind.RUNNER
            elif is_profiler_code(filename):
                kind = _Kind.OURS
            elif self._is_user_code(filename):
                kind = _Kind.USER
            else:
                kind = _Kind.LIBRARY
            self._kinds[filename] = kind
        return kind

    def __call__(self, traceback: Sequence[tracemalloc.Frame]) -> tuple[str, int] | None:
        """(file, line) the allocation with this traceback is charged to; None when it is
        the workbench's own.

        Parameters:
            traceback: the allocation's frames, oldest first (as tracemalloc gives them).
        """
        charged: tuple[str, int] | None = None
        frames = list(reversed(traceback))
        for position, frame in enumerate(frames):
            kind = self._kind(frame.filename)
            if kind is _Kind.LIBRARY:
                continue
            if kind is _Kind.USER:
                charged = charged or (frame.filename, frame.lineno)
                continue
            if charged is not None and kind is not _Kind.OURS:
                return charged  # a runner called the user's code: the user's memory
            if charged is None and kind is _Kind.CALLBACKS and position > 0:
                continue  # library code of an event loop's callback, run by the tasks lens
            return None
        if charged is not None or not frames:
            return charged
        return frames[0].filename, frames[0].lineno
