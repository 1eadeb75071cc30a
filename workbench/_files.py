"""Atomic file writes: readers see the old files or the new ones, never half of either,
and a folder's files written together are replaced together.

`write_files` writes every file to a fsynced temporary file beside it first, and only
when all are written moves them into place; a failure midway (a full disk, a rename that
fails) removes the temporary files and puts the old files back from hard links made
before anything was replaced, so the folder holds the old set or the new one. No write
ever follows a symlink planted at a destination: a rename replaces the link itself.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Collection, Mapping
from pathlib import Path

from workbench.errors import ReportExistsError, SaveError

__all__ = ["atomic_write", "describe", "write_files"]

# A new file is created with mode 0o666 and the kernel applies the umask (and a folder's
# default ACL), as `open()` does: mkstemp's 0o600 would leave files nobody else can read.
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC
_CHUNK = 1 << 24  # bytes per os.write: a partial write on a full disk is retried, then fails
_CAUSES = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission is denied",
    errno.EPERM: "the operation is not permitted",
    errno.EFBIG: "the file is too large for the file system",
    errno.EIO: "the disk reported an I/O error",
}


def describe(error: OSError) -> str:
    """What an OSError means, in words: "the disk is full (ENOSPC: No space left on device)"."""
    code = error.errno
    name = errno.errorcode.get(code, "") if code is not None else ""
    reason = error.strerror or (os.strerror(code) if code is not None else str(error))
    cause = _CAUSES.get(code) if code is not None else None
    inner = f"{name}: {reason}" if name else reason
    return f"{cause} ({inner})" if cause else inner


def atomic_write(path: Path, data: bytes, *, overwrite: bool = False) -> None:
    """Write `data` to `path` through a fsynced temporary file in the same folder.

    Parameters:
        path: the destination; its folder must exist.
        data: the bytes to write.
        overwrite: allow replacing an existing file.

    Raises:
        ReportExistsError: `path` exists (or appears meanwhile) and `overwrite` is False.
        SaveError: the file cannot be written (the message says why); `path` is unchanged.
    """
    write_files({path: data}, overwrite=overwrite)


def write_files(
    files: Mapping[Path, bytes], *, overwrite: bool, remove: Collection[Path] = ()
) -> None:
    """Write `files` into their folder as one unit: all of them, or none.

    Parameters:
        files: {destination: its bytes}, every destination in the same existing folder.
        overwrite: allow replacing existing files (a symlink counts as a file, dangling
            or not, and is replaced itself, never its target).
        remove: further files of the folder removed in the same unit (with `overwrite`
            only): files of an older set that this one does not replace.

    Raises:
        ReportExistsError: a destination exists (or appears meanwhile) and `overwrite`
            is False; nothing was written.
        SaveError: a file cannot be written or moved into place; the folder holds its
            old files again (the message says otherwise if even that failed).
    """
    folders = {path.parent for path in [*files, *remove]}
    if len(folders) != 1:
        raise ValueError(f"write_files writes into one folder, not {sorted(map(str, folders))}")
    folder = folders.pop()
    existing = [str(path) for path in files if os.path.lexists(path)]
    if existing and not overwrite:
        raise ReportExistsError(
            f"{', '.join(existing)} exist{'s' if len(existing) == 1 else ''}; pass "
            "overwrite=True (magic: --overwrite) to replace"
        )
    temps: dict[Path, Path] = {}
    try:
        for path, data in files.items():
            temps[path] = _temporary(path, data)
        _commit(temps, remove if overwrite else (), overwrite=overwrite)
    except OSError as error:
        if isinstance(error, SaveError):
            raise
        target = next((p for p in files if p not in temps), None) or next(iter(files))
        raise SaveError(
            f"cannot save: {describe(error)} while writing {target}; nothing in {folder} "
            "was changed"
        ) from error
    finally:
        for temporary in temps.values():
            with contextlib.suppress(OSError):  # moved into place: gone already
                os.unlink(temporary)
    with contextlib.suppress(OSError):  # not every file system syncs a folder (EINVAL)
        _sync(folder)


def _temporary(path: Path, data: bytes) -> Path:
    """A new fsynced file beside `path` holding `data` (removed again if writing fails)."""
    for _ in range(100):
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(temporary, _CREATE, 0o666)
        except FileExistsError:
            continue
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view[:_CHUNK]) :]
            os.fsync(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        finally:
            os.close(fd)
        return temporary
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(path))


def _commit(temps: Mapping[Path, Path], remove: Collection[Path], *, overwrite: bool) -> None:
    """Move the written temporary files into place and remove `remove`, as one unit.

    Raises:
        ReportExistsError: without `overwrite`, a destination appeared meanwhile.
        SaveError: a backup or a move failed; what was already moved is undone.
    """
    folder = next(iter(temps)).parent
    backups: dict[Path, Path] = {}
    placed: list[Path] = []
    step, current = "keeping a copy of", folder
    try:
        # Hard links keep the old files under hidden names: a reader still sees each old
        # file at its name until the new one replaces it in one rename.
        for path in [*temps, *remove] if overwrite else []:
            current = path
            if os.path.lexists(path):
                backups[path] = _backup(path)
        step = "moving a new file to"
        for path, temporary in temps.items():
            current = path
            if overwrite:
                os.replace(temporary, path)
            else:
                os.link(temporary, path, follow_symlinks=False)  # fails if the name exists
            placed.append(path)
        step = "removing the older"
        for path in remove:
            current = path
            if path in backups:
                os.unlink(path)
                placed.append(path)
    except BaseException as error:  # an interrupt between two renames is undone too
        kept = _roll_back(placed, backups)
        if not isinstance(error, OSError):
            raise
        if isinstance(error, FileExistsError) and not overwrite:
            raise ReportExistsError(
                f"{current} appeared while saving; pass overwrite=True "
                "(magic: --overwrite) to replace it"
            ) from None
        doing = f"{step} {current}"
        if kept:
            raise SaveError(
                f"cannot save: {describe(error)} while {doing}, and putting the old files "
                f"of {folder} back failed: they are at {', '.join(kept)}"
            ) from error
        raise SaveError(
            f"cannot save: {describe(error)} while {doing}; nothing in {folder} was changed"
        ) from error
    finally:
        for backup in backups.values():
            with contextlib.suppress(OSError):  # put back already by the roll-back
                os.unlink(backup)


def _backup(path: Path) -> Path:
    """A hard link to `path` (to the link itself if it is a symlink) under a hidden name."""
    for _ in range(100):
        backup = path.with_name(f".{path.name}.{secrets.token_hex(4)}.old")
        try:
            os.link(path, backup, follow_symlinks=False)
        except FileExistsError:
            continue
        return backup
    raise FileExistsError(errno.EEXIST, "no free backup file name", str(path))


def _roll_back(placed: list[Path], backups: dict[Path, Path]) -> list[str]:
    """Undo the moves of `placed` (newest first) from `backups`; returns the names of
    backups that could not be put back (taken out of `backups`, so they are kept)."""
    kept = []
    for path in reversed(placed):
        try:
            if path in backups:
                os.replace(backups[path], path)
                del backups[path]
            else:
                os.unlink(path)
        except OSError:
            if path in backups:
                kept.append(str(backups.pop(path)))
    return kept


def _sync(folder: Path) -> None:
    """Make the folder's new names durable (a rename is in the folder, not the file)."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
