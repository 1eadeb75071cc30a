"""Saving and loading Reports: atomic writes that never replace a file unasked.

`report.json` is versioned. Version 2 records the run's `Plan` in its summary and the
report's display options apart from its data; version 3 adds the function table's raw
times (`raw_tottime`, `raw_cumtime`) beside the corrected ones, and the summary's estimate
of what profiling cost; version 4 the sampled stacks (`stacks`) and the plan's function
mode (older files: "exact", no stacks); version 5 the process each row was measured in
(`where`: "client" or a Dask worker's address), the Dask tasks' columns of the tasks table
and the summary's `cluster` figures. Older files are still read: a version 1 plan is
recovered from the names of the lenses that ran, the times of versions 1 and 2, never
corrected, are their own raw times, and every row of a file before version 5 was measured
in the client (no cluster figures; its asyncio tasks stop `wall` after their start).
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from workbench._files import atomic_write
from workbench.errors import ReportExistsError, ReportFormatError, SaveError
from workbench.options import Display, LineMethod, MemoryMode, Plan
from workbench.report.schema import COLUMNS, TABLES, frame
from workbench.report.summary import ClusterFigures, Summary

if TYPE_CHECKING:  # Report.save and Report.load call in here; the class is passed in
    from workbench.report.report import Report

    R = TypeVar("R", bound=Report)

__all__ = [
    "DEFAULT_FORMATS",
    "FILES",
    "check_destination",
    "load_report",
    "report_to_json",
    "save_report",
]

FORMAT = "architect-workbench-report"
VERSION = 5
READS = (1, 2, 3, 4, 5)
# Columns a version added: absent from the rows of older files.
_ADDED: dict[int, dict[str, tuple[str, ...]]] = {
    3: {"functions": ("raw_tottime", "raw_cumtime")},
    5: {
        "functions": ("where",),
        "lines": ("where",),
        "timeline": ("where",),
        "tasks": ("where", "key", "group", "worker", "thread", "stop", "compute", "transfer"),
    },
}
# The values of version 5's columns in the rows of older files: all measured in the
# client, none a Dask task (a task's `stop` is derived from its start and wall).
_BEFORE_5: dict[str, Any] = {
    "where": "client",
    "key": "",
    "group": "",
    "worker": "",
    "thread": pd.NA,
    "compute": math.nan,
    "transfer": math.nan,
}
FILES = {
    "prof": "profile.prof",
    "json": "report.json",
    "html": "report.html",
    "speedscope": "profile.speedscope.json",
    "folded": "profile.folded",
}
DEFAULT_FORMATS = ("prof", "json", "html")


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
        "display": asdict(report.display),
        "tables": tables,
        "profile_data": base64.b64encode(report.profile_data).decode("ascii"),
    }
    return json.dumps(document, indent=1, allow_nan=False)


def _contents(report: Report, kind: str) -> bytes:
    """The bytes of one of the report's files."""
    from workbench.render.html import render_page
    from workbench.report import exports

    if kind == "prof":
        return exports.prof(report)
    if kind == "json":
        return report_to_json(report).encode()
    if kind == "html":
        return render_page(report, report.display).encode()
    if kind == "speedscope":
        return exports.speedscope(report.stacks, report.summary.label).encode()
    return exports.folded(report.stacks).encode()


def check_destination(
    directory: Path, formats: tuple[str, ...], *, overwrite: bool
) -> dict[str, Path]:
    """Refuse a destination that cannot take the report's files, before anything is
    written (and, for the magic's -s, before anything runs).

    Returns:
        {format: the path its file goes to}.

    Raises:
        SaveError: `directory`, or the nearest of its parents that exists, is a file.
        ReportExistsError: a file exists and `overwrite` is False.
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
    paths = {kind: directory / FILES[kind] for kind in formats}
    existing = [str(p) for p in paths.values() if p.exists()]
    if existing and not overwrite:
        raise ReportExistsError(
            f"not saving: {', '.join(existing)} exist; pass overwrite=True "
            "(magic: --overwrite) or choose another folder"
        )
    return paths


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
    """Write the report's files of `formats` (keys of FILES; see `Report.save`).

    Raises:
        ReportExistsError: a file exists and `overwrite` is False.
        SaveError: the folder is a file, or cannot be created.
    """
    paths = check_destination(directory, formats, overwrite=overwrite)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SaveError(
            f"cannot create the folder {directory}: {error.strerror or error}; "
            "choose a folder elsewhere"
        ) from error
    for kind, path in paths.items():
        atomic_write(path, _contents(report, kind), overwrite=overwrite)
    return paths


def load_report(path: Path, report_type: type[R]) -> R:
    """Read a report.json (or a folder holding one) back into an equal Report.

    Parameters:
        path: the file, or the folder holding it.
        report_type: the class to build (`Report.load` passes its own).

    Raises:
        ReportFormatError: the file is not a saved report, or not one of a version this
            workbench reads.
    """
    if path.is_dir():
        path = path / FILES["json"]
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT:
            raise ReportFormatError(f"{path} is not an Architect Workbench report")
        version = document.get("version")
        if version not in READS:
            raise ReportFormatError(
                f"{path} has report format version {version}; "
                f"this workbench reads versions {', '.join(map(str, READS))}"
            )
        summary = dict(document["summary"])
        for key in ("lenses", "notes", "warnings"):
            if key in summary:
                summary[key] = tuple(summary[key])
        summary["cluster"] = _cluster(summary.get("cluster"))
        if version == 1:
            summary["plan"] = _plan_of_version_1(summary)
            display = Display(top=int(document["top"]))
        else:
            summary["plan"] = Plan(**summary["plan"] | {"traced": tuple(summary["plan"]["traced"])})
            display = Display(**document["display"])
        tables = {
            # Reports saved before the tasks table existed have no "tasks".
            name: _table(name, document["tables"].get(name, []), version)
            for name in TABLES
        }
        if version < 3:  # times measured before any correction: raw is what they are
            functions = tables["functions"]
            functions["raw_tottime"] = functions["tottime"]
            functions["raw_cumtime"] = functions["cumtime"]
        return report_type(
            summary=Summary(**summary),
            profile_data=base64.b64decode(document["profile_data"]),
            display=display,
            **tables,
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        if isinstance(error, ReportFormatError):
            raise
        raise ReportFormatError(f"cannot read a report from {path}: {error}") from error


def _table(name: str, saved: list[list[Any]], version: int) -> pd.DataFrame:
    """The table `name` from its saved rows (lists of values in the columns of `version`);
    columns added since hold their values before they existed (`_BEFORE_5`)."""
    added = {
        c for v, tables_added in _ADDED.items() if v > version for c in tables_added.get(name, ())
    }
    dtypes = COLUMNS[name]
    columns = [c for c in dtypes if c not in added]
    # JSON's null was NaN in a float column (a task's compute, an asyncio task's CPU),
    # NA in the others.
    nulls = {c: math.nan if dtypes[c] == "float64" else pd.NA for c in columns}
    rows: list[dict[str, Any]] = [
        {k: (nulls[k] if v is None else v) for k, v in zip(columns, row, strict=True)}
        for row in saved
    ]
    if version < 5:
        for row in rows:
            row.update({c: _BEFORE_5[c] for c in added if c in _BEFORE_5})
            if "stop" in added:
                row["stop"] = float(row["start"]) + float(row["wall"])
    return frame(name, rows)


def _cluster(saved: dict[str, Any] | None) -> ClusterFigures | None:
    """The summary's cluster figures from their JSON object (None: no tasks followed)."""
    if saved is None:
        return None
    return ClusterFigures(**saved | {"workers": tuple(saved["workers"])})


def _plan_of_version_1(summary: dict[str, Any]) -> Plan:
    """The plan of a version 1 report, from the names of its lenses (its only record of
    how it measured); the source of its peak memory is derived from the plan since."""
    lenses = summary["lenses"]
    source = summary.pop("memory_source")
    lines: LineMethod = "off"
    if "lines (sampled)" in lenses:
        lines = "sampled"
    elif "lines (line_profiler)" in lenses:
        lines = "traced"
    memory: MemoryMode = "off"
    if "memory lines (memory_profiler)" in lenses:
        memory = "lines"
    elif source == "tracemalloc" or "memory (tracemalloc)" in lenses:
        memory = "tracemalloc"
    elif source == "rss" or "memory (RSS)" in lenses:
        memory = "rss"
    return Plan(lines=lines, memory=memory)
