"""Saving and loading Reports: atomic writes that never replace a file unasked."""

from __future__ import annotations

import base64
import json
import math
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import ReportExistsError, ReportFormatError
from workbench.report import TABLES, Report, Summary
from workbench.tables import frame

__all__ = ["atomic_write", "load_report", "report_to_json", "save_report"]

FORMAT = "architect-workbench-report"
VERSION = 1
FILES = {"prof": "profile.prof", "json": "report.json", "html": "report.html"}


def atomic_write(path: Path, data: bytes, *, overwrite: bool = False) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never half.

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


def _plain(value: Any) -> Any:
    """JSON has no NumPy scalars or pandas NA: make them Python values."""
    if value is pd.NA or value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def report_to_json(report: Report) -> str:
    """The JSON text of `report` (without `result`, which may not be serialisable)."""
    tables = {
        name: [[_plain(v) for v in row] for row in getattr(report, name).itertuples(index=False)]
        for name in TABLES
    }
    document = {
        "format": FORMAT,
        "version": VERSION,
        "summary": asdict(report.summary),
        "top": report.top,
        "tables": tables,
        "profile_data": base64.b64encode(report.profile_data).decode("ascii"),
    }
    return json.dumps(document, indent=1, allow_nan=False)


def save_report(report: Report, directory: Path, *, overwrite: bool) -> dict[str, Path]:
    """Write the report's three files (see `Report.save`)."""
    from workbench.render.html import render_page

    directory.mkdir(parents=True, exist_ok=True)
    paths = {kind: directory / name for kind, name in FILES.items()}
    existing = [str(p) for p in paths.values() if p.exists()]
    if existing and not overwrite:
        raise ReportExistsError(
            f"not saving: {', '.join(existing)} exist; pass overwrite=True "
            "(magic: --overwrite) or choose another folder"
        )
    contents = {
        "prof": report.profile_data,
        "json": report_to_json(report).encode(),
        "html": render_page(report).encode(),
    }
    for kind, path in paths.items():
        atomic_write(path, contents[kind], overwrite=overwrite)
    return paths


def load_report(path: Path) -> Report:
    """Read a report.json (or a folder holding one) back into an equal Report."""
    if path.is_dir():
        path = path / FILES["json"]
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT:
            raise ReportFormatError(f"{path} is not an Architect Workbench report")
        if document.get("version") != VERSION:
            raise ReportFormatError(
                f"{path} has report format version {document.get('version')}; "
                f"this workbench reads version {VERSION}"
            )
        summary = dict(document["summary"])
        for key in ("lenses", "notes", "warnings"):
            if key in summary:
                summary[key] = tuple(summary[key])
        tables = {}
        for name in TABLES:
            columns = list(frame(name, []).columns)
            rows: list[dict[str, object]] = [
                {k: (pd.NA if v is None else v) for k, v in zip(columns, row, strict=True)}
                # Reports saved before the tasks table existed have no "tasks".
                for row in document["tables"].get(name, [])
            ]
            tables[name] = frame(name, rows)
        return Report(
            summary=Summary(**summary),
            profile_data=base64.b64decode(document["profile_data"]),
            top=int(document["top"]),
            **tables,
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        if isinstance(error, ReportFormatError):
            raise
        raise ReportFormatError(f"cannot read a report from {path}: {error}") from error
