"""The columns and dtypes of every table of a Report, in one place.

Collectors' data, saved reports and hints all become DataFrames through `frame`, so a
table always has the same columns and dtypes, empty or not, fresh or loaded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["COLUMNS", "TABLES", "columns_frame", "frame"]

# `where` says in which process a row was measured: "client" (the profiled process) or a
# Dask worker's address (see workbench.cluster).

# The Report's tables, in the order they are saved.
TABLES = ("functions", "lines", "memory", "timeline", "tasks", "hints", "stacks")

COLUMNS: dict[str, dict[str, str]] = {
    "functions": {
        "function": "str",
        "file": "str",
        "line": "int64",
        "ncalls": "int64",
        "primitive_calls": "int64",
        "tottime": "float64",
        "cumtime": "float64",
        "raw_tottime": "float64",
        "raw_cumtime": "float64",
        "share": "float64",
        "user_code": "bool",
        "where": "str",
    },
    "lines": {
        "function": "str",
        "file": "str",
        "lineno": "int64",
        "hits": "Int64",
        "samples": "Int64",
        "time": "float64",
        "share": "float64",
        "source": "str",
        "method": "str",
        "where": "str",
    },
    "memory": {
        "function": "str",
        "file": "str",
        "lineno": "int64",
        "size": "int64",
        "count": "int64",
        "rss": "Int64",
        "source": "str",
        "user_code": "bool",
        "method": "str",
    },
    "timeline": {"t": "float64", "rss": "int64", "where": "str"},
    "tasks": {
        "task": "str",
        "coroutine": "str",
        "file": "str",
        "line": "int64",
        "resumptions": "int64",
        "cpu": "float64",
        "running": "float64",
        "waiting": "float64",
        "wall": "float64",
        "start": "float64",
        "state": "str",
        "user_code": "bool",
        "where": "str",
        "key": "str",
        "group": "str",
        "worker": "str",
        "thread": "Int64",
        "stop": "float64",
        "compute": "float64",
        "transfer": "float64",
    },
    "stacks": {
        "stack": "int64",
        "depth": "int64",
        "function": "str",
        "file": "str",
        "line": "int64",
        "samples": "int64",
        "seconds": "float64",
    },
    "hints": {
        "kind": "str",
        "where": "str",
        "evidence": "str",
        "max_gain": "float64",
        "unit": "str",
        "suggestion": "str",
        "function": "str",
        "file": "str",
        "line": "int64",
    },
}


_EMPTY: dict[str, pd.DataFrame] = {}
# Dtypes that numpy has no array for: pandas builds their columns.
_EXTENSION = frozenset({"str", "Int64"})


def frame(kind: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A DataFrame of `kind` (a key of COLUMNS) with its columns and dtypes."""
    columns = COLUMNS[kind]
    if not rows:
        # Building a frame costs ~2 ms of pandas, and most runs leave several tables
        # empty: each empty one is built once and copied.
        if kind not in _EMPTY:
            _EMPTY[kind] = pd.DataFrame([], columns=list(columns)).astype(columns)
        return _EMPTY[kind].copy()
    try:
        # Column by column: a third of the time of building from dicts and casting, which
        # was most of a short profile's fixed cost.
        data = {
            name: _column([row.get(name) for row in rows], dtype) for name, dtype in columns.items()
        }
        return pd.DataFrame(data, copy=False)
    except (TypeError, ValueError):  # a missing or mistyped value: pandas' cast decides
        table = pd.DataFrame(rows, columns=list(columns))
        return table.astype(columns).reset_index(drop=True)


def columns_frame(
    kind: str, data: Mapping[str, Any], rows: int, order: Sequence[int] | None = None
) -> pd.DataFrame:
    """What `frame` makes of `rows` rows given column by column (`data`: `rows` values
    per column, a list or an array; a missing column is None throughout), taken in
    `order` (positions) if given: a table of 200,000 functions through row dicts took
    1.5 s, most of it making and reading the dicts; reordering 12 lists took 0.5 s."""
    columns = COLUMNS[kind]
    if not rows:
        return frame(kind, [])
    try:
        arrays = {
            name: _column(data[name] if name in data else [None] * rows, dtype)
            for name, dtype in columns.items()
        }
    except (TypeError, ValueError):  # as `frame` does: pandas' cast decides
        names = list(data)
        table = [dict(zip(names, row, strict=True)) for row in zip(*data.values(), strict=True)]
        return frame(kind, table if order is None else [table[i] for i in order])
    if order is not None:
        at = np.asarray(order, dtype=np.int64)
        arrays = {name: array.take(at) for name, array in arrays.items()}
    return pd.DataFrame(arrays, copy=False)


def _column(values: Sequence[Any], dtype: str) -> Any:
    """One column's array: numpy's for its own dtypes, pandas' for str and Int64.

    Raises:
        TypeError, ValueError: a value does not fit the dtype (None in an int64 column).
    """
    if dtype in _EXTENSION:
        return pd.array(values, dtype=dtype)  # type: ignore[call-overload]
    return np.array(values, dtype=dtype)
