"""The command line's grammar: `run`, `show` and `compare`, declared once with argparse.

`run` ends where the profiled program begins, as with `python` itself: at the script (or
`-`), at `-c CODE` or at `-m MODULE`; every word after it is the program's, even one that
looks like an option of ours (`run job.py -t 5` passes `-t 5` to job.py). argparse alone
cannot draw that line exactly (its remainder drops a `--` the program should see), so
`split_run` draws it, from the run parser's own options, and argparse parses the rest.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Literal

from workbench import __version__
from workbench.options import FUNCTION_MODES, MEMORY_MODES
from workbench.report.storage import DEFAULT_FORMATS, FILES

__all__ = ["PROG", "Parsers", "Target", "build_parsers", "positive_int", "split_run"]

PROG = "python -m workbench"

_DESCRIPTION = """\
Profile a Python program with the workbench's lenses (functions, lines, memory), print
the text report, save it; show or compare saved reports."""

_RUN_DESCRIPTION = """\
Run a program once, as `python` would run it (as __main__, with sys.argv, sys.path[0]
and __file__ set the same way), with every lens on; then print the text report.

The program's standard output is left untouched: the report goes to standard error,
after everything the program wrote. The exit status is the program's: 0, its
sys.exit() status, or 1 after an uncaught exception (its traceback is printed as Python
prints it, and the report still follows). Usage errors exit with status 2, before the
program starts."""

_RUN_EPILOG = """\
examples:
  python -m workbench run pipeline.py data.csv
  python -m workbench run -l transform --memory tracemalloc pipeline.py data.csv
  python -m workbench run -f sampled -s profiles/run1 -m mypackage.job --fast
  python -m workbench run -c "import json; json.dumps(list(range(10**6)))"

-m names the module to run, as with python (the memory lens is --memory here)."""

Kind = Literal["script", "code", "module"]


@dataclass(frozen=True)
class Target:
    """The program `run` profiles, as given on the command line.

    Attributes:
        kind: "script" (a file, a folder or zip with __main__.py, or "-" for standard
            input), "code" (-c) or "module" (-m).
        value: the path, the code or the module name.
        args: the program's own arguments (its sys.argv[1:]).
    """

    kind: Kind
    value: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parsers:
    """The top-level parser and the subcommands' parsers, which report their own errors."""

    main: argparse.ArgumentParser
    run: argparse.ArgumentParser
    show: argparse.ArgumentParser
    compare: argparse.ArgumentParser


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1.

    Raises:
        argparse.ArgumentTypeError: anything else, with an example.
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: use a whole number of at least 1, e.g. 10")
    return value


def _add_run_options(run: argparse.ArgumentParser) -> None:
    lenses = run.add_argument_group("what to measure")
    lenses.add_argument(
        "-l",
        "--lines",
        action="append",
        metavar="FUNC",
        help="Line detail: 'auto' (default: the hottest functions of this run, sampled), "
        "'off', or a function to time line by line with line_profiler (repeat for several): "
        "one the program defines, by name or Class.method, or an importable one, "
        "package.module.function.",
    )
    lenses.add_argument(
        "--memory",
        choices=MEMORY_MODES,
        default="rss",
        help="Memory lens: rss (default: process RSS timeline and peak), tracemalloc "
        "(exact Python heap peak and allocating lines), lines (memory per line of the -l "
        "functions, memory_profiler) or off.",
    )
    lenses.add_argument(
        "-f",
        "--functions",
        choices=FUNCTION_MODES,
        default="exact",
        help="Function times: exact (default: cProfile, exact call counts, times corrected "
        "for its cost) or sampled (stacks sampled on a CPU-time timer: far cheaper on "
        "call-heavy code, no call counts).",
    )
    lenses.add_argument(
        "--user",
        action="append",
        metavar="PATH",
        help="Also count this folder, file or module as your code (repeat for several; "
        "'!PATH' removes one). Default: every file outside the standard library, "
        "site-packages and the workbench; the WORKBENCH_USER_CODE environment variable "
        "adds entries too.",
    )
    output = run.add_argument_group("the report")
    output.add_argument(
        "-t",
        "--top",
        type=positive_int,
        default=20,
        metavar="N",
        help="Rows shown per table (default 20).",
    )
    output.add_argument("-q", "--quiet", action="store_true", help="Do not print the report.")
    output.add_argument(
        "-s",
        "--save",
        metavar="DIR",
        help="Save the report's files (--formats) into DIR, which must be new or empty "
        "unless --overwrite; checked before the program starts. `show DIR` prints it again.",
    )
    output.add_argument(
        "--formats",
        default=",".join(DEFAULT_FORMATS),
        metavar="LIST",
        help="With -s: comma-separated, among " + ", ".join(FILES) + " (default "
        f"{','.join(DEFAULT_FORMATS)}); speedscope and folded hold the sampled stacks.",
    )
    output.add_argument(
        "--overwrite",
        action="store_true",
        help="With -s: save into a folder that is not empty, replacing the report's files.",
    )
    program = run.add_argument_group("the program (the first of these ends the options)")
    program.add_argument("-c", metavar="CODE", dest="code", help="Program passed in as a string.")
    program.add_argument(
        "-m", metavar="MODULE", dest="module", help="Run a library module as a script."
    )
    program.add_argument(
        "script", nargs="?", help="A file, a folder or zip with __main__.py, or - (stdin)."
    )
    program.add_argument("args", nargs="*", help="Arguments passed to the program.")


def build_parsers(prog: str = PROG) -> Parsers:
    """The parsers of `python -m workbench` (or `prog`) and of its three commands."""
    main = argparse.ArgumentParser(prog=prog, description=_DESCRIPTION)
    main.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="profile a script, -c CODE or -m MODULE and print the report",
        description=_RUN_DESCRIPTION,
        epilog=_RUN_EPILOG,
        usage="%(prog)s [options] (script.py | -c CODE | -m MODULE | -) [args ...]",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        # split_run knows our options by their full names: no abbreviations.
        allow_abbrev=False,
    )
    _add_run_options(run)
    show = commands.add_parser(
        "show",
        help="print a saved report",
        description="Print a report saved with -s (its folder, or its report.json).",
    )
    show.add_argument("report", metavar="DIR", help="The folder a report was saved into.")
    show.add_argument(
        "-t",
        "--top",
        type=positive_int,
        metavar="N",
        help="Rows shown per table (default: as saved).",
    )
    compare = commands.add_parser(
        "compare",
        help="compare two saved reports: their profile diff",
        description="Compare two saved reports: wall and CPU time, peak memory and calls, "
        "then the functions whose own time changed most. Each report is one run, so "
        "small differences may be noise; workbench.compare times repeated rounds.",
    )
    compare.add_argument("before", metavar="DIR1", help="The baseline's saved report.")
    compare.add_argument("after", metavar="DIR2", help="The candidate's saved report.")
    compare.add_argument(
        "-t",
        "--top",
        type=positive_int,
        default=15,
        metavar="N",
        help="Functions shown (default 15).",
    )
    return Parsers(main=main, run=run, show=show, compare=compare)


def split_run(run: argparse.ArgumentParser, words: list[str]) -> tuple[list[str], Target | None]:
    """Split `run`'s words into our options and the program with its arguments.

    The program starts at the first word that is not an option of ours nor an option's
    value: a script (a `--` before it makes even `-x.py` one), `-c CODE` or `-m MODULE`
    (also `-cCODE`, and at the end of a cluster of short options: `-qc CODE`).

    Returns:
        (our option words, the program), the program None when none was given.
    """
    valued = {
        flag
        for action in run._actions
        if action.nargs != 0 and action.option_strings
        for flag in action.option_strings
    } - {"-c", "-m"}
    i = 0
    while i < len(words):
        word, rest = words[i], tuple(words[i + 1 :])
        if word == "--":
            return words[:i], (Target("script", rest[0], rest[1:]) if rest else None)
        if word == "-" or not word.startswith("-"):
            return words[:i], Target("script", word, rest)
        if word.startswith("--"):
            i += 2 if word in valued else 1  # or its value is attached: --top=5
            continue
        # A cluster of short options: -q, -t5, -qs DIR, -qc CODE.
        step = 1
        for k, letter in enumerate(word[1:], 1):
            if letter in "cm":
                kind: Kind = "code" if letter == "c" else "module"
                ours = [*words[:i], *([word[:k]] if k > 1 else [])]
                if word[k + 1 :]:
                    return ours, Target(kind, word[k + 1 :], rest)
                # Without its value, the program is "": the run command says what is missing.
                return ours, Target(kind, rest[0], rest[1:]) if rest else Target(kind, "")
            if f"-{letter}" in valued:
                step = 1 if word[k + 1 :] else 2  # its value attached (-t5), or the next word
                break
        i += step
    return words, None
