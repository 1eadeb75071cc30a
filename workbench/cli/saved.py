"""`show DIR` and `compare DIR1 DIR2`: saved reports, printed on standard output.

A saved report is one run; `compare` sets two side by side (time, memory, calls) and
lists the functions whose own time changed most (`profile_diff`). It claims no speedup:
one run each cannot tell a change from noise, which `workbench.compare` measures with
repeated, alternating rounds.
"""

from __future__ import annotations

import argparse
from typing import Any

from workbench.comparison.diff import profile_diff
from workbench.errors import ReportFormatError
from workbench.render.comparison import diff_table
from workbench.render.format import fmt_bytes, fmt_seconds
from workbench.render.text import table_lines
from workbench.report import Report

__all__ = ["compare_command", "show_command"]


def _load(parser: argparse.ArgumentParser, path: str) -> Report:
    """The report saved in `path` (a folder or its report.json).

    Raises:
        SystemExit: 2, through `parser.error`, when there is none or it cannot be read.
    """
    try:
        return Report.load(path)
    except ReportFormatError as error:
        parser.error(f"{error}; give a folder saved with run -s DIR (or its report.json)")


def show_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Print the saved report `args.report`, with `args.top` rows per table."""
    print(_load(parser, args.report).to_text(top=args.top))
    return 0


def _change(before: float | None, after: float | None, fmt: Any) -> tuple[str, str, str]:
    """Before, after, and the change as a ratio (or "" when it has none)."""
    if before is None or after is None:
        return ("-" if before is None else fmt(before)), ("-" if after is None else fmt(after)), ""
    ratio = f"{after / before:.2f}x" if before else ""
    return fmt(before), fmt(after), ratio


def _figures(before: Report, after: Report) -> list[str]:
    """The two runs' headline figures side by side, as padded lines."""
    a, b = before.summary, after.summary
    rows = [
        ("", "before", "after", "after/before"),
        ("wall", *_change(a.wall_seconds, b.wall_seconds, fmt_seconds)),
        ("CPU", *_change(a.cpu_seconds, b.cpu_seconds, fmt_seconds)),
        ("peak memory", *_change(a.peak_memory, b.peak_memory, fmt_bytes)),
        ("calls", *_change(a.total_calls, b.total_calls, "{:,}".format)),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return [
        "  " + "  ".join([row[0].ljust(widths[0]), *(row[i].rjust(widths[i]) for i in (1, 2, 3))])
        for row in rows
    ]


def compare_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Print the two saved reports' figures and their profile diff."""
    before, after = _load(parser, args.before), _load(parser, args.after)
    out = [
        "Architect Workbench compare of two saved reports",
        f"  before  {args.before}: {before.summary.label} ({before.summary.started_at})",
        f"  after   {args.after}: {after.summary.label} ({after.summary.started_at})",
        "  one run each: a small change may be noise (workbench.compare times rounds)",
    ]
    out += ["", *_figures(before, after)]
    out += ["", *table_lines(diff_table(profile_diff(before.functions, after.functions), args.top))]
    print("\n".join(out))
    return 0
