"""A Report's parts from a report.json document, of any version this workbench reads.

Version 2 records the run's `Plan` in its summary and the report's display options apart
from its data; version 3 adds the function table's raw times (`raw_tottime`,
`raw_cumtime`) beside the corrected ones, and the summary's estimate of what profiling
cost; version 4 the sampled stacks (`stacks`) and the plan's function mode (older files:
"exact", no stacks); version 5 the process each row was measured in (`where`: "client" or
a Dask worker's address), the Dask tasks' columns of the tasks table and the summary's
`cluster` figures. Older files are still read: a version 1 plan is recovered from the
names of the lenses that ran, the times of versions 1 and 2, never corrected, are their
own raw times, and every row of a file before version 5 was measured in the client (no
cluster figures; its asyncio tasks stop `wall` after their start).

Every value is checked before anything is built from it (`workbench.report.validation`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.errors import ReportFormatError, quoted
from workbench.options import Display, LineMethod, MemoryMode, Plan
from workbench.report.schema import COLUMNS, TABLES
from workbench.report.summary import Summary
from workbench.report.validation import Invalid, build, convert, fields_of, profile_stats, table

__all__ = ["FORMAT", "READS", "VERSION", "report_parts"]

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
# The members of a document: version 1 kept the rows shown (`top`) beside the summary.
_MEMBERS = ("format", "version", "summary", "display", "tables", "profile_data")
_MEMBERS_1 = ("format", "version", "summary", "top", "tables", "profile_data")


def report_parts(document: Any, path: Path) -> dict[str, Any]:
    """The keyword arguments of a Report (summary, display, profile_data and every
    table) from a parsed report.json.

    Parameters:
        document: the JSON value of the file.
        path: the file, for messages.

    Raises:
        ReportFormatError: not a report, a version this workbench does not read, or a
            value that is missing or of the wrong type (the message names its field).
    """
    if type(document) is not dict:
        raise ReportFormatError(
            f"{path} is not an Architect Workbench report: its JSON is {_kind(document)}, "
            "not an object"
        )
    if document.get("format") != FORMAT:
        raise ReportFormatError(f"{path} is not an Architect Workbench report")
    version = document.get("version")
    if type(version) is not int or version not in READS:
        raise ReportFormatError(
            f"{path} has report format version {quoted(version)}; "
            f"this workbench reads versions {', '.join(map(str, READS))}"
        )
    try:
        return _parts(document, version)
    except Invalid as error:
        raise ReportFormatError(f"cannot read a report from {path}: {error}") from None


def _kind(value: Any) -> str:
    """What a JSON value is, in words."""
    if value is None or type(value) is bool:
        return json.dumps(value)
    return {str: "a string", list: "a list", int: "a number"}.get(type(value), "a number")


def _parts(document: dict[str, Any], version: int) -> dict[str, Any]:
    """`report_parts` of a document of a known format and version.

    Raises:
        Invalid: a member or value is missing or of the wrong type.
    """
    members = _MEMBERS_1 if version == 1 else _MEMBERS
    unknown = [key for key in document if key not in members]
    if unknown:
        raise Invalid(f"{quoted(unknown[0])}: no such member (of {', '.join(members)})")
    missing = [key for key in members if key not in document]
    if missing:
        raise Invalid(f"{missing[0]}: missing")
    if version == 1:
        kwargs = fields_of(
            "summary", document["summary"], Summary, omit=("plan",), extra={"memory_source": str}
        )
        kwargs["plan"] = _plan_of_version_1(kwargs["lenses"], kwargs.pop("memory_source", None))
        display = build("top", Display, {"top": convert("top", document["top"], int)})
    else:
        kwargs = fields_of("summary", document["summary"], Summary)
        display = build("display", Display, fields_of("display", document["display"], Display))
    return {
        "summary": build("summary", Summary, kwargs),
        "display": display,
        "profile_data": profile_stats("profile_data", document["profile_data"]),
        **_tables(document["tables"], version),
    }


def _tables(saved: Any, version: int) -> dict[str, pd.DataFrame]:
    """Every table from the document's `tables` (a table missing: no rows; reports saved
    before the tasks or the stacks table existed have none).

    Raises:
        Invalid: not an object of tables, an unknown table, or a table's wrong value.
    """
    if type(saved) is not dict:
        raise Invalid(f"tables: expected an object of tables, got {quoted(saved)}")
    unknown = [name for name in saved if name not in TABLES]
    if unknown:
        raise Invalid(f"tables.{unknown[0]}: no such table (of {', '.join(TABLES)})")
    tables = {}
    for name in TABLES:
        added = [c for v, new in _ADDED.items() if v > version for c in new.get(name, ())]
        columns = {c: d for c, d in COLUMNS[name].items() if c not in added}
        loaded = table(f"tables.{name}", saved.get(name, []), columns, name)
        tables[name] = _upgraded(name, loaded, added)
    return tables


def _upgraded(kind: str, loaded: pd.DataFrame, added: list[str]) -> pd.DataFrame:
    """The table `kind` of an older version with the columns added since: their values
    before they existed (`_BEFORE_5`; the times of versions 1 and 2, measured before any
    correction, are their own raw times), in the columns' order."""
    if not added:
        return loaded
    dtypes = COLUMNS[kind]
    for name in added:
        if name in ("raw_tottime", "raw_cumtime"):
            values: Any = loaded[name.removeprefix("raw_")].to_numpy(copy=True)
        elif name == "stop":
            values = (loaded["start"] + loaded["wall"]).to_numpy()
        else:
            values = [_BEFORE_5[name]] * len(loaded)
        loaded[name] = pd.Series(values, dtype=dtypes[name], index=loaded.index)
    return loaded[list(dtypes)]


def _plan_of_version_1(lenses: tuple[str, ...], source: str | None) -> Plan:
    """The plan of a version 1 report, from the names of its lenses (its only record of
    how it measured) and its `memory_source`; the source of its peak memory is derived
    from the plan since."""
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
