"""The `dask` option's values: which Dask client, if any, a run follows.

Kept apart from `workbench.cluster.follow` so that reading options never imports the
cluster code (nor distributed).
"""

from __future__ import annotations

from typing import Literal, get_args

from workbench.errors import OptionError, quoted

__all__ = ["DASK_MODES", "DaskMode", "dask_mode"]

DaskMode = Literal["auto", "client", "off"]
DASK_MODES: tuple[str, ...] = get_args(DaskMode)


def dask_mode(value: object) -> DaskMode:
    """What the `dask` option asks for: "auto", "off" (also False and None) or "client"
    (a `distributed.Client`: anything with its `run` and `run_on_scheduler`).

    Raises:
        OptionError: any other value.
    """
    if value is None or value is False or value == "off":
        return "off"
    if value == "auto":
        return "auto"
    if callable(getattr(value, "run", None)) and callable(getattr(value, "run_on_scheduler", None)):
        return "client"
    raise OptionError(
        f"dask={quoted(value)}: use 'auto' (follow the default Dask client's tasks, if "
        "there is a client), 'off', or a distributed.Client"
    )
