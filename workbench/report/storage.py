"""Saving and loading Reports: a folder's files written as one unit, never replacing a
file unasked, and files read back without trusting them.

A save renders every file's bytes first, in memory, then writes them all together
(`workbench._files.write_files`): a failure (a full disk, a name that cannot be encoded)
leaves the folder as it was. Text files encode any string: lone surrogates (file names
that are not UTF-8, decoded with surrogateescape) keep their original bytes in the
collapsed stacks, and become backslash escapes in the HTML; the JSON files are ASCII.

`report.json` is versioned (`VERSION`; `workbench.report.loading` has the history and
reads every older version). Its layout: the members' JSON indented by one space, each row
of a table on a line of its own (a table's rows are lists of values in
`schema.COLUMNS`' order), `profile_data` cProfile's marshalled statistics in base64.
Loading reads the file without trusting it (`workbench.report.reading`) and checks every
value before building anything (`workbench.report.validation`).
"""

from __future__ import annotations

import base64
import json
import math
import os
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from workbench._files import write_files
from workbench.errors import ReportExistsError, SaveError
from workbench.report.loading import FORMAT, READS, VERSION, report_parts
from workbench.report.reading import read_json
from workbench.report.schema import COLUMNS, TABLES

if TYPE_CHECKING:  # Report.save and Report.load call in here; the class is passed in
    from workbench.report.report import Report

    R = TypeVar("R", bound=Report)

__all__ = [
    "DEFAULT_FORMATS",
    "FILES",
    "FORMAT",
    "READS",
    "VERSION",
    "check_destination",
    "load_report",
    "report_to_json",
    "save_report",
]

FILES = {
    "prof": "profile.prof",
    "json": "report.json",
    "html": "report.html",
    "speedscope": "profile.speedscope.json",
    "folded": "profile.folded",
}
DEFAULT_FORMATS = ("prof", "json", "html")


def _plain(value: Any) -> Any:
    """JSON has no NumPy scalars or pandas NA: make them Python values (the encoder asks
    for the cells of columns whose dtype is not the schema's)."""
    if value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
        return None if isinstance(value, float) and not math.isfinite(value) else value
    raise TypeError(f"a table cell of type {type(value).__name__} cannot be saved")


# One encoder for every row, in C: json.dumps with indent runs the pure-Python encoder, 1.8 s
# for the rows of 200,000 functions where this takes 1.05 s (most of it the floats' repr).
_ROW = json.JSONEncoder(allow_nan=False, default=_plain)


def _cells(column: pd.Series) -> list[Any]:
    """A column's values as JSON values: null for NaN and NA, and for infinity, which JSON
    cannot hold (it loads as NaN). Whole columns at once, not cell by cell: 0.2 s for
    200,000 rows of 12 columns, where the cells one by one took 1.0 s."""
    values = column.to_numpy(dtype=object, copy=True)
    missing = column.isna().to_numpy(copy=True)
    if column.dtype.kind == "f":
        missing |= np.isinf(column.to_numpy())
    values[missing] = None
    cells: list[Any] = values.tolist()
    return cells


def _table_json(table: pd.DataFrame, columns: dict[str, str]) -> str:
    """A table's rows as a JSON list, one row a line (indented as a member of `tables`)."""
    missing = [name for name in columns if name not in table.columns]
    if missing:
        raise ValueError(f"a table lacks its column {missing[0]!r}")
    if table.empty:
        return "[]"
    rows = zip(*(_cells(table[name]) for name in columns), strict=True)
    return "[\n   " + ",\n   ".join(map(_ROW.encode, rows)) + "\n  ]"


def _member(name: str, text: str) -> str:
    return f" {json.dumps(name)}: {text}"


def report_to_json(report: Report) -> str:
    """The JSON text of `report` (without `result`, which may not be serialisable).

    Raises:
        SaveError: a summary figure is not finite (JSON has no NaN or infinity), a table
            lacks a column of the schema or holds a value JSON has no type for.
    """
    try:
        # json.dumps never writes a newline inside a string (it writes \n): indenting
        # every line of its output one more space keeps each string as it is.
        summary = json.dumps(asdict(report.summary), indent=1, allow_nan=False)
        display = json.dumps(asdict(report.display), indent=1, allow_nan=False)
        tables = ",\n".join(
            f"  {json.dumps(name)}: {_table_json(getattr(report, name), COLUMNS[name])}"
            for name in TABLES
        )
    except (ValueError, TypeError) as error:  # NaN in the summary, a cell of no JSON type
        raise SaveError(f"cannot save the report as JSON: {error}") from error
    members = [
        _member("format", json.dumps(FORMAT)),
        _member("version", json.dumps(VERSION)),
        _member("summary", summary.replace("\n", "\n ")),
        _member("display", display.replace("\n", "\n ")),
        _member("tables", "{\n" + tables + "\n }"),
        _member("profile_data", json.dumps(base64.b64encode(report.profile_data).decode("ascii"))),
    ]
    return "{\n" + ",\n".join(members) + "\n}\n"


def _contents(report: Report, kind: str) -> bytes:
    """The bytes of one of the report's files; any string encodes (see the module's notes).

    Raises:
        SaveError: the report holds a figure JSON cannot (see `report_to_json`).
    """
    from workbench.render.html import render_page
    from workbench.report import exports

    if kind == "prof":
        return exports.prof(report)
    if kind == "json":
        return report_to_json(report).encode("ascii")  # json.dumps escapes every non-ASCII
    if kind == "html":
        return render_page(report, report.display).encode("utf-8", "backslashreplace")
    if kind == "speedscope":
        text = exports.speedscope(report.stacks, report.summary.label)
        return text.encode("utf-8", "backslashreplace")  # ASCII already: escapes only
    return _original_bytes(exports.folded(report.stacks))


def _original_bytes(text: str) -> bytes:
    """UTF-8 of `text`, where a file name that was not UTF-8 (decoded by Python with
    surrogateescape) gets its original bytes back, as the file system names it; a line
    holding a surrogate that no byte gave gets a backslash escape for it instead."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return b"".join(_line_bytes(line) for line in text.splitlines(keepends=True))


def _line_bytes(line: str) -> bytes:
    try:
        return line.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return line.encode("utf-8", "backslashreplace")


def check_destination(
    directory: Path, formats: tuple[str, ...], *, overwrite: bool
) -> dict[str, Path]:
    """Refuse a destination that cannot take the report's files, before anything is
    written (and, for the magic's -s, before anything runs).

    A folder holds the files of one run: without `overwrite`, any report file of ours
    there (a name of FILES, of any format: a symlink counts, dangling or not) refuses
    the save; with it, `save_report` replaces them all.

    Returns:
        {format: the path its file goes to}.

    Raises:
        SaveError: `directory`, or the nearest of its parents that exists, is a file; or
            a folder sits at the name of one of the report's files.
        ReportExistsError: a report file exists and `overwrite` is False.
    """
    if directory.exists() and not directory.is_dir():
        raise SaveError(
            f"{directory} is a file, not a folder: give the folder to write the report's "
            f"files into (created if missing), e.g. {_sibling(directory)}"
        )
    parent = next((p for p in directory.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise SaveError(
            f"cannot create the folder {directory}: {parent} is a file; choose a folder elsewhere"
        )
    ours = [directory / name for name in FILES.values()]
    folders = [str(p) for p in ours if p.is_dir() and not p.is_symlink()]
    if folders:
        raise SaveError(
            f"not saving: {', '.join(folders)} is a folder, where a report file goes; "
            "choose another folder"
        )
    existing = [str(p) for p in ours if os.path.lexists(p)]
    if existing and not overwrite:
        raise ReportExistsError(
            f"not saving: {', '.join(existing)} exist; pass overwrite=True "
            "(magic: --overwrite), which replaces the folder's report files, or choose "
            "another folder"
        )
    return {kind: directory / FILES[kind] for kind in formats}


def _sibling(path: Path) -> Path:
    """A folder name beside the file `path`, for messages."""
    return path.with_name(f"{path.stem or path.name}_report")


def save_report(
    report: Report,
    directory: Path,
    *,
    overwrite: bool,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
) -> dict[str, Path]:
    """Write the report's files of `formats` (keys of FILES; see `Report.save`) as one
    unit: every file is rendered first, then all are written, or none.

    With `overwrite`, the folder's report files of the formats not written (stale: they
    describe another run) are removed in the same unit, so the folder never mixes two
    runs' files. A symlink at a file's name is replaced, never written through.

    Raises:
        ReportExistsError: a report file exists and `overwrite` is False.
        SaveError: the folder is a file, or cannot be created; or a file cannot be
            written (the disk is full, say), and the folder holds its old files.
    """
    paths = check_destination(directory, formats, overwrite=overwrite)
    files = {path: _contents(report, kind) for kind, path in paths.items()}
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SaveError(
            f"cannot create the folder {directory}: {error.strerror or error}; "
            "choose a folder elsewhere"
        ) from error
    stale = [directory / name for kind, name in FILES.items() if kind not in paths]
    write_files(files, overwrite=overwrite, remove=stale if overwrite else ())
    return paths


def load_report(path: Path, report_type: type[R]) -> R:
    """Read a report.json (or a folder holding one) back into an equal Report.

    Parameters:
        path: the file, or the folder holding it.
        report_type: the class to build (`Report.load` passes its own).

    Raises:
        ReportFormatError: the file is not a saved report, not one of a version this
            workbench reads, or damaged (the message names the value that is wrong);
            or it is no regular file, or larger than `reading.MAX_BYTES`.
    """
    if path.is_dir():
        path = path / FILES["json"]
    return report_type(**report_parts(read_json(path), path))
