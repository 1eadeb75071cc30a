"""Architect Workbench: where the time and the memory of Python pipeline code go.

Public API::

    report = workbench.profile(fn, *args, **kwargs)
    report = await workbench.profile_async(coro_fn, *args, **kwargs)
    with workbench.profiling(lines=[fn], memory="tracemalloc") as run:   # or async with
        ...
    run.report.functions        # DataFrames: functions, lines, memory, timeline, tasks
    comparison = workbench.compare(slow, fast, *args)   # equal? faster? leaner? why?
    report.snakeviz()           # snakeviz in the notebook; workbench.stop_servers()

The package follows the data: `session/` runs the code once with every lens of
`collectors/`; `report/` turns what they measured into a Report, which `render/` shows as
text or HTML; `comparison/` compares versions; `hints/` reads a run's evidence;
`snakeviz/` serves profiles; `ipython/` (the magics) and `api.py` are adapters.

In IPython or Jupyter: `%load_ext workbench`, then `%architect_profile` and
`%%architect_profile`.
"""

from __future__ import annotations

from typing import Any

from workbench.api import profile, profile_async, profiling, stop_servers
from workbench.comparison import Comparison, Ranking, Version, compare, compare_async
from workbench.errors import (
    OptionError,
    ProfilerBusyError,
    ReportExistsError,
    ReportFormatError,
    ResultMismatchError,
    SaveError,
    ServerError,
    WorkbenchError,
)
from workbench.options import Display, Plan, ProfileOptions
from workbench.report import Report, Summary
from workbench.session import ProfileSession

__all__ = [
    "Comparison",
    "Display",
    "OptionError",
    "Plan",
    "ProfileOptions",
    "ProfileSession",
    "ProfilerBusyError",
    "Ranking",
    "Report",
    "ReportExistsError",
    "ReportFormatError",
    "ResultMismatchError",
    "SaveError",
    "ServerError",
    "Summary",
    "Version",
    "WorkbenchError",
    "compare",
    "compare_async",
    "load_ipython_extension",
    "profile",
    "profile_async",
    "profiling",
    "stop_servers",
    "unload_ipython_extension",
]

__version__ = "0.1.0"


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics (`%load_ext workbench`); IPython is imported only here."""
    from workbench.ipython import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Nothing to undo beyond IPython's own bookkeeping; present for `%unload_ext`."""
    from workbench.ipython import unload_ipython_extension as unload

    unload(ipython)
