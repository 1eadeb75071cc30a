"""The command line: `python -m workbench run | show | compare` (also `architect-workbench`).

`run` profiles a program as `python` would run it and prints the text report on standard
error; `show` prints a saved report, `compare` two saved reports' profile diff. Like the
magics, the command line is a thin adapter: `run` builds a `ProfileSession` from the
same options, `show` and `compare` read what `Report.save` wrote.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from workbench.cli.parser import PROG, build_parsers
from workbench.cli.run import run_command
from workbench.cli.saved import compare_command, show_command

__all__ = ["SCRIPT", "main"]

SCRIPT = "architect-workbench"  # the console script (pyproject's [project.scripts])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: sys.argv[1:]); returns the exit status.

    `run`'s status is the profiled program's (0, its sys.exit status, 1 after an
    uncaught exception); a usage error raises SystemExit(2) from argparse, before
    anything runs.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    # Messages name the command as it was typed: the console script, or python -m.
    called = os.path.basename(sys.argv[0]) if sys.argv else ""
    parsers = build_parsers(SCRIPT if called == SCRIPT else PROG)
    if words and words[0] == "run":
        # The program's own words follow ours: `run` splits them off before argparse.
        return run_command(parsers.run, words[1:])
    args = parsers.main.parse_args(words)
    if args.command == "show":
        return show_command(parsers.show, args)
    if args.command == "compare":
        return compare_command(parsers.compare, args)
    # `run` after a global option (`--version` exits first, so only -h): parse again.
    return run_command(parsers.run, words[words.index("run") + 1 :])
