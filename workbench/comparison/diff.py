"""What changed between two profiles: calls and time per function, biggest change first."""

from __future__ import annotations

import pandas as pd

from workbench.report.processes import FUNCTION_KEY, per_function

__all__ = ["DIFF_COLUMNS", "profile_diff"]

DIFF_COLUMNS: dict[str, str] = {
    "function": "str",
    "file": "str",
    "line": "int64",
    "calls_before": "int64",
    "calls_after": "int64",
    "calls_change": "int64",
    "time_before": "float64",
    "time_after": "float64",
    "time_change": "float64",
    "user_code": "bool",
}


# cProfile names a built-in bound to an object by its repr, address included
# ("<built-in method __new__ of type object at 0x7f...>"); two processes' addresses differ.
_ADDRESS = r"^(<built-in method .*) at 0x[0-9a-fA-F]+>$"


def _per_function(functions: pd.DataFrame) -> pd.DataFrame:
    """One row per function: a function that ran in the client and in Dask workers has
    a row per process (`where`), and the two runs' workers need not be the same; a
    built-in method is named without the address of the object it is bound to, so two
    saved runs' `<built-in method __new__ of type object>` match."""
    return per_function(
        functions.assign(
            function=functions["function"].astype(str).str.replace(_ADDRESS, r"\1>", regex=True)
        )
    )


def profile_diff(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Match the two function tables by (function, file, line) and subtract, each
    function's calls and time added up over the processes it ran in.

    A function found in one profile only has zero calls and time in the other (the
    baseline's `parse_record` gone, the candidate's `cached_parse` new). Times are own
    time (`tottime`). Rows are sorted by the size of the time change, then of the call
    change, largest first.

    Parameters:
        before: the baseline's `report.functions`.
        after: the candidate's `report.functions`.
    """
    merged = _per_function(before).merge(
        _per_function(after), on=FUNCTION_KEY, how="outer", suffixes=("_before", "_after")
    )
    table = pd.DataFrame(
        {
            **{k: merged[k] for k in FUNCTION_KEY},
            "calls_before": merged["ncalls_before"].fillna(0),
            "calls_after": merged["ncalls_after"].fillna(0),
            "time_before": merged["tottime_before"].fillna(0.0),
            "time_after": merged["tottime_after"].fillna(0.0),
            "user_code": merged["user_code_before"].fillna(merged["user_code_after"]),
        }
    )
    table["calls_change"] = table["calls_after"] - table["calls_before"]
    table["time_change"] = table["time_after"] - table["time_before"]
    table = table.astype({k: v for k, v in DIFF_COLUMNS.items() if k in table})
    order = table.assign(
        _t=-table["time_change"].abs(), _c=-table["calls_change"].abs()
    ).sort_values(["_t", "_c", "function"], kind="stable")
    return table.loc[order.index, list(DIFF_COLUMNS)].reset_index(drop=True)
