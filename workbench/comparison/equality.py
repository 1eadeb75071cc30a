"""Are two results the same? And if not, where is the first difference?

The comparison knows the containers pipeline code returns: plain values, lists, tuples,
dicts, sets, pandas DataFrames and Series (through `pandas.testing`), NumPy arrays, and
iterators or generators (consumed into lists before comparing, by `materialize`).
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.comparison.quote import quote
from workbench.session.unfinished import is_lazy

__all__ = [
    "Check",
    "first_difference",
    "materialize",
    "materialize_async",
    "run_check",
]

# A custom check: returns True when equal; or raises AssertionError saying how they differ.
Check = Callable[[Any, Any], object]


def _show(value: object) -> str:
    return quote(value)


def materialize(value: object) -> object:
    """Consume an iterator or generator into a list (its work runs now); else `value`."""
    return list(value) if is_lazy(value) else value  # type: ignore[call-overload]


async def materialize_async(value: object) -> object:
    """`materialize`, also consuming async iterators (async generators)."""
    if isinstance(value, AsyncIterator):
        return [item async for item in value]
    return materialize(value)


def _frames(a: pd.DataFrame | pd.Series, b: object) -> str | None:
    if type(a) is not type(b):
        return f"a {type(a).__name__} and a {type(b).__name__}"
    try:
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b)  # type: ignore[arg-type]
        else:
            pd.testing.assert_series_equal(a, b)  # type: ignore[arg-type]
    except AssertionError as error:
        return " ".join(str(error).split())
    return None


def _arrays(a: np.ndarray[Any, Any], b: object) -> str | None:
    try:
        np.testing.assert_array_equal(a, b)
    except AssertionError as error:
        return " ".join(str(error).split())
    return None


def _sequences(a: Sequence[Any], b: Sequence[Any], path: str) -> str | None:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        found = first_difference(x, y, f"{path}[{i}]")
        if found is not None:
            return found
    if len(a) != len(b):
        longer, which = (a, "first") if len(a) > len(b) else (b, "second")
        extra = longer[min(len(a), len(b))]
        return (
            f"{path or 'the result'}: {len(a)} items vs {len(b)}; the {which} has "
            f"{_show(extra)} at [{min(len(a), len(b))}]"
        )
    return None


def _mappings(a: Mapping[Any, Any], b: Mapping[Any, Any], path: str) -> str | None:
    missing = [k for k in a if k not in b]
    extra = [k for k in b if k not in a]
    if missing or extra:
        where = path or "the result"
        if missing:
            return f"{where}: key {_show(missing[0])} only in the first"
        return f"{where}: key {_show(extra[0])} only in the second"
    for key in a:
        found = first_difference(a[key], b[key], f"{path}[{quote(key, 40)}]")
        if found is not None:
            return found
    return None


def first_difference(a: object, b: object, path: str = "") -> str | None:
    """The first place where `a` and `b` differ, in words; None when they are equal.

    Parameters:
        a, b: results (iterators should be materialized first).
        path: where `a` and `b` sit inside the outer results, e.g. "[3]['total']".
    """
    where = path or "the result"
    if isinstance(a, pd.DataFrame | pd.Series):
        found = _frames(a, b)
        return None if found is None else f"{where}: {found}"
    if isinstance(a, np.ndarray):
        found = _arrays(a, b)
        return None if found is None else f"{where}: {found}"
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if type(a) is not type(b):
            return f"{where}: a {type(a).__name__} and a {type(b).__name__}"
        return _sequences(a, b, path)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return _mappings(a, b, path)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return None  # NaN in both is the same result
    try:
        same = bool(a == b)
    except (ValueError, TypeError):  # an ambiguous truth value: compare the reprs
        same = repr(a) == repr(b)
    return None if same else f"{where}: {_show(a)} != {_show(b)}"


def run_check(check: Check, a: object, b: object) -> str | None:
    """Apply a custom `check`; the difference in words, or None when it accepts them."""
    try:
        accepted = check(a, b)
    except AssertionError as error:
        return str(error) or "the check raised AssertionError"
    return None if accepted is None or accepted else f"{_show(check)} returned {_show(accepted)}"
