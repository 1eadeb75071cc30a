"""The end of one profiled execution: stop the lenses, then make the report whatever failed.

A lens that fails to stop costs its own figures (a note says so), never the report or
the other lenses' stops. Building the report may fail too (a MemoryError while the
profiled code's memory is still held): when the code itself raised, its exception is
what propagates, beside a report that says why it has no tables.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence

from workbench.collectors import Collector
from workbench.collectors.lenses import Lenses
from workbench.options import ProfileOptions
from workbench.report.assemble import Clocks, build_report
from workbench.report.fallback import empty_report, with_caveats
from workbench.report.report import Report

__all__ = ["finish_report", "run_clocks", "stop_lenses"]

log = logging.getLogger(__name__)


def stop_lenses(order: Sequence[Collector], started: int) -> list[tuple[str, Exception]]:
    """Stop the first `started` collectors of `order`, newest first.

    Returns:
        The lenses that failed to stop, each with its error (logged).
    """
    failures: list[tuple[str, Exception]] = []
    for collector in reversed(order[:started]):
        try:
            collector.stop()
        except Exception as error:  # keep stopping the others: hooks come first
            log.exception("stopping the %s lens failed", collector.lens)
            failures.append((collector.lens or type(collector).__name__, error))
    return failures


def finish_report(
    lenses: Lenses,
    options: ProfileOptions,
    label: str,
    clocks: Clocks,
    exc: BaseException | None,
    *,
    failures: Sequence[tuple[str, Exception]],
    pid: int,
) -> Report:
    """The report of a stopped run, with what the stop learned added.

    Parameters:
        lenses: the run's collectors, stopped.
        options: the run's options.
        label: what ran.
        clocks: the run's clocks.
        exc: what the profiled code raised, if anything.
        failures: the lenses that failed to stop (`stop_lenses`).
        pid: the process the run started in (a forked child's report says so).

    Raises:
        Exception: building the report failed and the profiled code did not raise.
    """
    try:
        report = build_report(lenses, label=label, clocks=clocks, exc=exc, display=options.display)
    except Exception as error:
        if exc is None:
            raise
        # The user's exception (a MemoryError with the memory still held, say) must not
        # be replaced by ours: it propagates, beside a report that says why.
        log.exception("building the report failed")
        report = empty_report(label, clocks, exc, lenses.plan, error, options.display)
    return with_caveats(
        report,
        warnings=lenses.warnings(),
        notes=[
            *(
                f"the {lens} lens failed as it stopped ({_said(e)}): its figures are missing"
                for lens, e in failures
            ),
            *lenses.stop_notes(),
            _forked(pid),
        ],
    )


def _forked(pid: int) -> str:
    """A note for a report made in a process forked during the run ("" elsewhere)."""
    if os.getpid() == pid:
        return ""
    return (
        f"this report was made in process {os.getpid()}, forked from the profiled process "
        f"{pid} during the run: its tables mix the parent's work before the fork with the "
        "child's after it, and no RSS was sampled here"
    )


def _said(error: BaseException) -> str:
    """An error as "Type: message", for a note."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def run_clocks() -> tuple[float, float, float]:
    """(wall, process CPU, epoch seconds for other processes' clocks) now.

    Read in a function of ours, not inline: cProfile runs by
    then, and the clock builtins it sees called from our frames leave the function table
    with them (called from a frame cProfile never saw start, they would stay as roots)."""
    return time.perf_counter(), time.process_time(), time.time()
