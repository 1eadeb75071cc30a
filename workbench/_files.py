"""Atomic file writes: readers see the old file or the new one, never half of either."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from workbench.errors import ReportExistsError

__all__ = ["atomic_write"]


def atomic_write(path: Path, data: bytes, *, overwrite: bool = False) -> None:
    """Write `data` to `path` through a fsynced temporary file in the same folder.

    Parameters:
        path: the destination; its folder must exist.
        data: the bytes to write.
        overwrite: allow replacing an existing file.

    Raises:
        ReportExistsError: `path` exists (or appears meanwhile) and `overwrite` is False.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if the name exists: no window for a race
            except FileExistsError:
                raise ReportExistsError(
                    f"{path} exists; pass overwrite=True (magic: --overwrite) to replace it"
                ) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
