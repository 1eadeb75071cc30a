"""Reading a report.json's text without trusting the file: whatever sits at the path
(a FIFO, a device, a folder, a file of gigabytes, bytes that are not UTF-8, JSON nested
a million deep) fails as a ReportFormatError saying what it is; nothing hangs or fills
the memory.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from workbench._files import describe
from workbench.errors import ReportFormatError

__all__ = ["MAX_BYTES", "read_bytes", "read_json"]

# The largest report.json read: 1 GiB. A report of 200,000 distinct functions (far more
# than any profile seen here) saves about 45 MB; parsing 1 GiB of JSON takes several GiB
# of memory, which is where a file stops being a report and becomes a hazard.
MAX_BYTES = 1 << 30
# O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one
# (and the fstat below then refuses it); reading a regular file ignores the flag.
_OPEN = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_CHUNK = 1 << 24
_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def read_bytes(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the regular file at `path` (a symlink to one is followed).

    The file is opened without blocking and checked as opened (fstat), so what is read is
    what was checked; at most `limit` + 1 bytes are read, so a file that grows meanwhile
    (or says it is empty, as /proc's files do) cannot make it read more.

    Raises:
        ReportFormatError: the path cannot be opened, is not a regular file, or holds
            more than `limit` bytes.
    """
    try:
        fd = os.open(path, _OPEN)
    except OSError as error:
        raise ReportFormatError(f"cannot read a report from {path}: {describe(error)}") from None
    except ValueError as error:  # a NUL byte in the path
        raise ReportFormatError(f"cannot read a report from {path}: {error}") from None
    try:
        status = os.fstat(fd)
        mode = status.st_mode
        if not stat.S_ISREG(mode):
            kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
            raise ReportFormatError(f"cannot read a report from {path}: it is {kind}, not a file")
        if status.st_size > limit:
            raise ReportFormatError(_too_big(path, limit, status.st_size))
        chunks: list[bytes] = []
        got = 0
        while got <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > limit:
            raise ReportFormatError(_too_big(path, limit, None))
        return b"".join(chunks)
    except OSError as error:
        raise ReportFormatError(f"cannot read a report from {path}: {describe(error)}") from None
    finally:
        os.close(fd)


def _too_big(path: Path, limit: int, size: int | None) -> str:
    holds = f"{size:,} bytes" if size is not None else "more bytes"
    return (
        f"cannot read a report from {path}: it holds {holds}, more than the {limit:,} a "
        "report is read up to; it is not a saved report"
    )


def read_json(path: Path, limit: int = MAX_BYTES) -> Any:
    """The JSON value of the file at `path` (see `read_bytes`).

    Raises:
        ReportFormatError: unreadable (see `read_bytes`), not UTF-8, not JSON, nested
            too deeply for the parser, a number with more digits than Python converts
            (4,300), or the non-standard NaN and Infinity (a report never holds them).
    """
    data = read_bytes(path, limit)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ReportFormatError(
            f"cannot read a report from {path}: it is not UTF-8 text (byte {error.start:,} "
            f"is {data[error.start : error.start + 1]!r})"
        ) from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ReportFormatError(
            f"cannot read a report from {path}: its JSON nests too deeply to be a report"
        ) from None
    except ReportFormatError as error:
        raise ReportFormatError(f"cannot read a report from {path}: {error}") from None
    except ValueError as error:  # JSONDecodeError, or an integer of over 4,300 digits
        raise ReportFormatError(f"cannot read a report from {path}: {error}") from None


def _refuse_constant(name: str) -> Any:
    """json's hook for NaN, Infinity and -Infinity, which JSON itself does not have."""
    raise ReportFormatError(f"{name} is not a JSON number (a report saves none)")
