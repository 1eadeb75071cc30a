"""A function's rows over the processes it ran in (the client, Dask workers), added up."""

from __future__ import annotations

import pandas as pd

__all__ = ["FUNCTION_KEY", "per_function"]

# What makes a row of the functions table the same function, whichever process ran it.
FUNCTION_KEY = ["function", "file", "line"]


def per_function(functions: pd.DataFrame) -> pd.DataFrame:
    """One row per function of a functions table: its calls and own time summed over
    the processes (`where`) it ran in, in user code if any of its rows is.

    Returns:
        columns function, file, line, ncalls, tottime, user_code; first seen first.
    """
    return functions.groupby(FUNCTION_KEY, sort=False, as_index=False, dropna=False).agg(
        ncalls=("ncalls", "sum"), tottime=("tottime", "sum"), user_code=("user_code", "any")
    )
