"""`python -m workbench run`: profile a program once, print its report, keep its exit status.

Everything that can be refused is checked before the program starts (options, the save
folder, the program's file and syntax, the `-l` functions), so a usage error (exit 2)
never costs a run. The program's standard output is never written to: the report goes to
standard error, after standard output is flushed, so a terminal shows it below what the
program printed and a pipe receives the program's bytes alone.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from dataclasses import replace
from pathlib import Path
from types import CodeType
from typing import Any

from workbench._paths import is_own_file
from workbench.cli.lines import choose_lines, with_traced_code
from workbench.cli.parser import Target, split_run
from workbench.cli.program import as_main, label_of
from workbench.errors import OptionError, WorkbenchError
from workbench.options import ProfileOptions
from workbench.report import Report
from workbench.report.storage import FILES
from workbench.session import ProfileSession

__all__ = ["run_command"]

# What the shell reports for a program Ctrl-C stopped (128 + SIGINT).
EXIT_INTERRUPTED = 128 + signal.SIGINT
# The workbench could not profile (another profiler holds a hook): the program never ran.
EXIT_NOT_PROFILED = 1


def _formats(args: argparse.Namespace) -> tuple[str, ...]:
    """The --formats list.

    Raises:
        OptionError: an unknown format, with the choices.
    """
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    if not formats or any(f not in FILES for f in formats):
        raise OptionError(
            f"--formats {args.formats}: choose among {', '.join(FILES)}, comma-separated, "
            "e.g. --formats prof,speedscope"
        )
    return formats


def _check_save_folder(folder: str | None, overwrite: bool) -> None:
    """Refuse a -s target that is a file, or a folder that is not empty without --overwrite.

    Raises:
        OptionError: with the fix.
    """
    if folder is None:
        return
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise OptionError(f"-s {folder}: this is a file; give a folder to save the report in")
    held = sorted(p.name for p in path.iterdir()) if path.is_dir() else []
    if held and not overwrite:
        shown = ", ".join(held[:5]) + (", …" if len(held) > 5 else "")
        raise OptionError(
            f"-s {folder}: the folder is not empty ({shown}); add --overwrite to replace "
            "the report's files in it, or choose a new folder"
        )


def _options(args: argparse.Namespace, lines: object) -> ProfileOptions:
    """The run's ProfileOptions.

    Raises:
        OptionError: lenses that cannot share a run, said in the command line's terms.
    """
    if args.memory == "lines" and not isinstance(lines, list):
        raise OptionError(
            "--memory lines traces the memory of named functions line by line: name them "
            "with -l, e.g. --memory lines -l transform"
        )
    return ProfileOptions(
        lines=lines,  # type: ignore[arg-type]
        memory=args.memory,
        functions=args.functions,
        top=args.top,
        user_code=tuple(args.user or ()),
    )


def _print_exception(error: BaseException) -> None:
    """Print `error` as Python prints an uncaught exception: through sys.excepthook (the
    program may have set its own), from the program's first frame (ours left out)."""
    tb = error.__traceback__
    while tb is not None and is_own_file(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    # Python's own hook prints the exception's __traceback__, not the one it is given.
    sys.excepthook(type(error), error.with_traceback(tb), tb)


def _exit_status(code: object) -> int:
    """The status `sys.exit(code)` ends Python with; a message is printed, as Python does."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _ended_by_exit(report: Report, status: int) -> Report:
    """The report of a program that called sys.exit: it ran to the end it chose."""
    summary = report.summary
    notes = summary.notes
    if status != 0:
        notes = (*notes, f"the program exited with status {status} (sys.exit)")
    return replace(report, summary=replace(summary, complete=True, error=None, notes=notes))


def _execute(code: CodeType, namespace: dict[str, Any]) -> None:
    """Run the program's code. Called under the profilers from this runner module (see
    `workbench._paths`): its `exec` is then ours, and the program's module code is the
    user's root in the function table, as a notebook cell's is."""
    exec(code, namespace)


def _profile(
    session: ProfileSession, code: CodeType, namespace: dict[str, Any]
) -> tuple[int, bool]:
    """Run the program under `session`: its exit status, and whether it ended by calling
    sys.exit (a traceback is printed if it raised).

    Raises:
        WorkbenchError: the session could not start, so the program did not run.
    """
    try:
        session.run(_execute, code, namespace)
    except SystemExit as exit_:
        return _exit_status(exit_.code), True
    except BaseException as error:
        if not session.finished:
            raise
        _print_exception(error)
        return (EXIT_INTERRUPTED if isinstance(error, KeyboardInterrupt) else 1), False
    return 0, False


def _report(session: ProfileSession, args: argparse.Namespace, exited: int | None) -> int:
    """Print and save the report; 0, or 1 when it could not be saved."""
    report = session.report
    if exited is not None:
        report = _ended_by_exit(report, exited)
    # The program's output first, then ours; a closed pipe or stream is Python's to
    # report at exit, as it would without the workbench.
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    if not args.quiet:
        print(report.to_text(), file=sys.stderr)
    if args.save is not None:
        try:
            saved = report.save(args.save, overwrite=args.overwrite, formats=args.format_list)
        except (WorkbenchError, OSError) as error:
            print(f"workbench: the report was not saved: {error}", file=sys.stderr)
            return 1
        print(f"saved: {', '.join(str(p) for p in saved.values())}", file=sys.stderr)
    return 0


def run_command(parser: argparse.ArgumentParser, words: list[str]) -> int:
    """`run`'s words (after "run"): profile the program, print the report; its exit status.

    Raises:
        SystemExit: 2, through `parser.error`, for a usage error (nothing ran).
    """
    option_words, target = split_run(parser, words)
    args = parser.parse_args(option_words)
    if target is None or args.code is not None or args.module is not None:
        parser.error("give the program to profile: script.py, -c CODE or -m MODULE")
    if not target.value:
        parser.error(f"argument {'-c' if target.kind == 'code' else '-m'}: expected one argument")
    try:
        args.format_list = _formats(args)
        _check_save_folder(args.save, args.overwrite)
    except OptionError as error:
        parser.error(str(error))
    if args.save is not None:  # the program may change the working folder
        args.save = os.path.abspath(args.save)
    return _run(parser, args, target)


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace, target: Target) -> int:
    """Set the program up, profile it, then print and save the report."""
    try:
        with as_main(target) as program:
            try:
                choice = choose_lines(args.lines, program.code, program.module)
                session = ProfileSession(_options(args, choice.lines), label=label_of(target))
            except OptionError as error:
                parser.error(str(error))
            code = with_traced_code(program.code, choice)
            try:
                status, exited = _profile(session, code, program.namespace)
            except WorkbenchError as error:
                print(f"workbench: the program did not run: {error}", file=sys.stderr)
                return EXIT_NOT_PROFILED
    except OptionError as error:
        parser.error(str(error))
    except SyntaxError as error:  # the program's: printed as Python prints it, no frames
        sys.excepthook(type(error), error.with_traceback(None), None)
        return 1
    saved = _report(session, args, status if exited else None)
    return status or saved
