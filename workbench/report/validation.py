"""Checking a loaded report.json's values against the types they must have.

Nothing of a file is trusted: each value is checked against what the Report's own
definitions say it is, before anything is built from it, so a damaged or hand-edited file
fails here with the field it got wrong ("summary.wall_seconds: expected a number, got
'fast'") instead of later, in a renderer. The rules come from the definitions
themselves, not from a second copy of them: a dataclass's fields and type hints
(`Summary`, `Plan`, `Display`, `ClusterFigures`) and a table's dtypes (`schema.COLUMNS`).
Numbers must be finite and fit an int64 (a 400-digit integer cannot be shown or summed
by NumPy, and JSON's 1e999 reads as infinity).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import marshal
import math
import types
from collections.abc import Collection, Mapping
from operator import itemgetter
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError, quoted
from workbench.report.schema import frame

__all__ = ["Invalid", "build", "fields_of", "profile_stats", "table"]

T = TypeVar("T")
_NONE = type(None)
_INT64 = 1 << 63
_WORDS = {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}
# What a JSON value of each table dtype may be (exact types: a bool is no number here).
_CELLS: dict[str, tuple[type, ...]] = {
    "str": (str, _NONE),  # null: a missing text, as the writer saves pandas' NaN
    "int64": (int,),
    "Int64": (int, _NONE),
    "float64": (float, int, _NONE),  # null: NaN (not measured)
    "bool": (bool,),
}
_CELL_WORDS = {
    "str": "a string",
    "int64": "a whole number",
    "Int64": "a whole number or null",
    "float64": "a number or null",
    "bool": "true or false",
}


class Invalid(ValueError):
    """A value of the document does not have the type it must; the message names it."""


def _wrong(where: str, expected: str, value: object) -> Invalid:
    return Invalid(f"{where}: expected {expected}, got {quoted(value)}")


def _number(where: str, value: object, kind: type) -> None:
    """Raise Invalid unless `value` is a finite number that fits an int64 or a float."""
    if type(value) is int and not -_INT64 <= value < _INT64:
        raise Invalid(f"{where}: {quoted(value)} is out of range")
    if type(value) is float and not math.isfinite(value):
        raise Invalid(f"{where}: expected a finite {_WORDS[kind][2:]}, got {value}")


def convert(where: str, value: Any, hint: Any) -> Any:
    """`value` as the type `hint` (a type hint of a dataclass field) says it is.

    Parameters:
        where: the value's place in the document, for messages ("summary.plan.lines").
        value: what the JSON parser gave.
        hint: bool, int, float, str, a Literal of strings, tuple[X, ...], X | None or a
            dataclass (a JSON object of its fields).

    Raises:
        Invalid: `value` is not of that type.
        TypeError: `hint` is of a kind this checker has no rule for (a bug: a field was
            added with a new kind of type; tests/unit/test_storage_hostile.py checks
            every field of the Report's dataclasses has a rule).
    """
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        args = get_args(hint)
        if value is None and _NONE in args:
            return None
        (inner,) = [a for a in args if a is not _NONE]
        return convert(where, value, inner)
    if origin is Literal:
        choices = get_args(hint)
        if type(value) is str and value in choices:
            return value
        raise _wrong(where, f"one of {', '.join(map(repr, choices))}", value)
    if origin is tuple and get_args(hint)[1:] == (Ellipsis,):
        if type(value) is not list:
            raise _wrong(where, "a list", value)
        item = get_args(hint)[0]
        return tuple(convert(f"{where}[{i}]", v, item) for i, v in enumerate(value))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return build(where, hint, fields_of(where, value, hint))
    if hint in (bool, int, float, str):
        if type(value) is hint or (hint is float and type(value) is int):
            if hint in (int, float):
                _number(where, value, hint)
            return float(value) if hint is float else value
        raise _wrong(where, _WORDS[hint], value)
    raise TypeError(f"{where}: no rule to check a value of type {hint!r}")


def fields_of(
    where: str,
    value: object,
    cls: type,
    *,
    omit: Collection[str] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The checked keyword arguments of dataclass `cls` from the JSON object `value`.

    Parameters:
        where: the object's place in the document.
        value: the JSON object.
        cls: the dataclass whose fields it holds.
        omit: fields the object does not hold (an older version's file lacks them).
        extra: {name: type hint} of further keys it may hold (an older version's).

    Returns:
        {field: checked value}; fields that have defaults may be absent.

    Raises:
        Invalid: `value` is not an object, lacks a field without a default, holds a key
            that is no field, or a field's value has the wrong type.
    """
    if type(value) is not dict:
        raise _wrong(where, "an object", value)
    hints = get_type_hints(cls) | dict(extra or {})
    known = {f.name: f for f in dataclasses.fields(cls) if f.init and f.name not in omit}
    unknown = [key for key in value if key not in known and key not in (extra or {})]
    if unknown:
        raise Invalid(f"{where}.{unknown[0]}: no such field (of {', '.join(known)})")
    missing = [
        name
        for name, f in known.items()
        if name not in value
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise Invalid(f"{where}.{missing[0]}: missing")
    return {key: convert(f"{where}.{key}", item, hints[key]) for key, item in value.items()}


def build(where: str, cls: type[T], kwargs: Mapping[str, Any]) -> T:
    """`cls(**kwargs)`, its own checks (`__post_init__`) failing as Invalid at `where`."""
    try:
        return cls(**kwargs)
    except (WorkbenchError, ValueError, TypeError) as error:
        raise Invalid(f"{where}: {error}") from None


def table(where: str, rows: object, columns: Mapping[str, str], kind: str) -> pd.DataFrame:
    """The DataFrame of a saved table: `rows` (lists of values in `columns`' order)
    checked column by column against `columns`' dtypes, then built as `schema.frame`
    builds it.

    Parameters:
        where: the table's place in the document ("tables.functions").
        rows: the JSON value.
        columns: {column: dtype} of the saved rows (a version's columns, in order).
        kind: the table's name in `schema.COLUMNS`, for the frame of an empty table.

    Returns:
        A DataFrame of `columns` (null: NaN in float columns, NA in the others).

    Raises:
        Invalid: not a list of rows of len(columns) values, or a value of the wrong type.
    """
    if type(rows) is not list:
        raise _wrong(where, "a list of rows", rows)
    if not rows:
        return frame(kind, [])[list(columns)]
    width = len(columns)
    # Whole columns at once (map and set run in C): 200,000 rows check in 0.04 s.
    if set(map(type, rows)) != {list} or set(map(len, rows)) != {width}:
        i, row = next((i, r) for i, r in enumerate(rows) if type(r) is not list or len(r) != width)
        raise _wrong(f"{where}[{i}]", f"a row of {width} values ({', '.join(columns)})", row)
    data: dict[str, Any] = {}
    for number, (name, dtype) in enumerate(columns.items()):
        # itemgetter in C: 15 ms a column of 200,000 rows, where zip(*rows) took 0.34 s
        values = list(map(itemgetter(number), rows))
        allowed = _CELLS[dtype]
        found = set(map(type, values))
        if not found <= set(allowed):
            i = next(i for i, v in enumerate(values) if type(v) not in allowed)
            raise _wrong(f"{where}[{i}].{name}", _CELL_WORDS[dtype], values[i])
        if int in found and dtype != "bool":
            ints = values if found == {int} else [v for v in values if type(v) is int]
            if min(ints) < -_INT64 or max(ints) >= _INT64:
                i = next(
                    i for i, v in enumerate(values) if type(v) is int and not -_INT64 <= v < _INT64
                )
                raise Invalid(f"{where}[{i}].{name}: {quoted(values[i])} is out of range")
        if dtype == "float64":
            array = np.array(values, dtype="float64")  # null becomes NaN
            if np.isinf(array).any():  # JSON's 1e999 (NaN and Infinity are refused earlier)
                i = int(np.flatnonzero(np.isinf(array))[0])
                raise Invalid(f"{where}[{i}].{name}: expected a finite number, got {values[i]}")
            data[name] = array
        elif dtype in ("str", "Int64"):
            data[name] = pd.array(values, dtype=dtype)  # type: ignore[call-overload]
        else:
            data[name] = np.array(values, dtype=dtype)
    return pd.DataFrame(data, copy=False)


def profile_stats(where: str, value: object) -> bytes:
    """cProfile's marshalled statistics from their base64 text, checked to have pstats'
    layout (the HTML renderer's icicle reads them): {(file, line, function): (calls,
    primitive calls, own seconds, cumulative seconds, {caller: (4 numbers)})}.

    Raises:
        Invalid: not base64 text of marshalled statistics of that layout.
    """
    if type(value) is not str:
        raise _wrong(where, "base64 text", value)
    try:
        data = base64.b64decode(value, validate=True)
        stats = marshal.loads(data) if data else {}
    except (binascii.Error, EOFError, ValueError, TypeError) as error:
        raise Invalid(f"{where}: not cProfile's statistics ({error})") from None
    if type(stats) is not dict:
        raise _wrong(where, "cProfile's statistics (a dict)", stats)
    for key, entry in stats.items():
        if not (_is_key(key) and _is_entry(entry)):
            raise _wrong(
                f"{where}[{quoted(key)}]",
                "(file, line, function): (calls, primitive calls, own seconds, cumulative "
                "seconds, {caller: 4 such figures})",
                entry,
            )
    return data


def _is_key(key: object) -> bool:
    """Whether `key` is pstats' (file, line, function)."""
    return (
        type(key) is tuple
        and len(key) == 3
        and type(key[0]) is str
        and type(key[1]) is int
        and -_INT64 <= key[1] < _INT64
        and type(key[2]) is str
    )


def _is_entry(entry: object) -> bool:
    """Whether `entry` is pstats' (4 figures, {caller key: 4 figures})."""
    if type(entry) is not tuple or len(entry) != 5 or type(entry[4]) is not dict:
        return False
    edges = entry[4].items()
    return _are_figures(entry[:4]) and all(
        _is_key(caller) and type(edge) is tuple and len(edge) == 4 and _are_figures(edge)
        for caller, edge in edges
    )


def _are_figures(values: tuple[object, ...]) -> bool:
    """Whether every one of `values` is a finite float or an int that fits an int64."""
    return all(
        (type(v) is int and -_INT64 <= v < _INT64) or (type(v) is float and math.isfinite(v))
        for v in values
    )
