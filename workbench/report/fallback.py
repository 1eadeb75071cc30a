"""Reports for runs that could not be described in full: caveats added, or no tables at all.

The session adds what it learned while stopping (a lens that failed, hooks the profiled
code changed, a fork) with `with_caveats`; when building the report itself failed while
the profiled code raised (a MemoryError with the memory still held, say), `empty_report`
says so in a report with empty tables, so that the code's own exception propagates.
"""

from __future__ import annotations

import marshal
import platform
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from workbench.options import Display, Plan
from workbench.report.report import Report
from workbench.report.schema import TABLES, frame
from workbench.report.summary import Summary

if TYPE_CHECKING:
    from workbench.report.assemble import Clocks

__all__ = ["empty_report", "with_caveats"]


def with_caveats(report: Report, *, warnings: Iterable[str], notes: Iterable[str]) -> Report:
    """`report` with more warnings (the profile misses work) and notes; empty ones are
    dropped, and the same report comes back when there is nothing to add."""
    warned = tuple(w for w in warnings if w and w not in report.summary.warnings)
    noted = tuple(n for n in notes if n and n not in report.summary.notes)
    if not warned and not noted:
        return report
    summary = replace(
        report.summary,
        warnings=report.summary.warnings + warned,
        notes=report.summary.notes + noted,
    )
    return replace(report, summary=summary)


def empty_report(
    label: str,
    clocks: Clocks,
    exc: BaseException,
    plan: Plan,
    why: BaseException,
    display: Display,
) -> Report:
    """A report with the run's clocks and error but no tables: building them failed.

    Parameters:
        label: what ran.
        clocks: the run's wall and CPU time.
        exc: what the profiled code raised.
        plan: how the run measured.
        why: the error that stopped the report from being built.
        display: how the report is shown.
    """
    summary = Summary(
        label=label,
        wall_seconds=clocks.wall,
        cpu_seconds=clocks.cpu,
        peak_memory=None,
        memory_start=None,
        total_calls=0,
        hottest_function=None,
        hottest_line=None,
        lenses=(),
        plan=plan,
        python_version=platform.python_version(),
        started_at=clocks.started_at,
        complete=False,
        error=f"{type(exc).__name__}: {exc}",
        notes=(
            f"the report's tables could not be built ({type(why).__name__}: {why}); the "
            "profiled code's own exception is raised unchanged",
        ),
    )
    tables = {name: frame(name, []) for name in TABLES}
    return Report(summary=summary, profile_data=marshal.dumps({}), display=display, **tables)
