"""`%architect_profile` and `%%architect_profile`: thin adapters over `ProfileSession`.

Options are declared once, with IPython's `magic_arguments`: `%architect_profile?`
documents them, and the line magic's split between options and statement is built from
the same parser. Like IPython's `%prun` and `%time`, the magics take their code as typed
(`@no_var_expand`), so a cell that awaits, which reaches the magic through an input
transformer, runs the same text. Output goes through `display()`, never the pager, so
JupyterLab, nbclient and nbval all see it (`-h`'s help too). A word that looks like an
option but is none of the magic's is refused, not run (`workbench.ipython.line_options`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import line_cell_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import Pretty, display

from workbench.errors import OptionError, ProfilerBusyError, SaveError
from workbench.ipython import cells
from workbench.ipython.base import ShellMagics
from workbench.ipython.line_options import LineOptions
from workbench.options import FUNCTION_MODES, MEMORY_MODES, ProfileOptions
from workbench.report.storage import DEFAULT_FORMATS, FILES, check_destination
from workbench.session import ProfileSession
from workbench.session.interrupts import holding_interrupts

__all__ = ["WorkbenchMagics", "split_line"]


@dataclass(frozen=True)
class _Prepared:
    """A magic's parsed options and compiled code."""

    args: Any
    options: ProfileOptions
    compiled: cells.CompiledCell
    label: str


_DASK_HELP = "Profile Dask tasks in the workers: auto (default Client, if any), off, or a Client."


@magics_class
class WorkbenchMagics(ShellMagics):
    """The workbench's magics."""

    @no_var_expand
    @magic_arguments()
    @argument(
        "-l",
        "--lines",
        action="append",
        metavar="FUNC",
        help="Line detail: a function name or dotted path (repeat for several), 'auto' "
        "(default: the hottest functions of this run, sampled) or 'off'.",
    )
    @argument(
        "-m",
        "--memory",
        choices=MEMORY_MODES,
        default="rss",
        help="Memory lens: rss (default, process RSS timeline and peak), tracemalloc "
        "(exact Python heap peak and allocating lines), lines (memory per line of the -l "
        "functions, memory_profiler) or off.",
    )
    @argument(
        "-f",
        "--functions",
        choices=FUNCTION_MODES,
        default="exact",
        help="Function times: exact (default, cProfile: exact call counts, times corrected "
        "for its cost) or sampled (stacks sampled on a CPU-time timer: far cheaper on "
        "call-heavy code, no call counts).",
    )
    @argument(
        "--user",
        action="append",
        metavar="PATH",
        help="Also count this folder, file or module as your code (repeat for several; "
        "'!PATH' removes one). Default: every file outside the standard library, "
        "site-packages and the workbench; the WORKBENCH_USER_CODE environment variable "
        "adds entries for the whole kernel.",
    )
    @argument("--dask", default="auto", metavar="CLIENT", help=_DASK_HELP)
    @argument("-t", "--top", type=int, default=20, help="Rows shown per table (default 20).")
    @argument("-o", "--output", metavar="VAR", help="Store the Report in this variable.")
    @argument(
        "-s",
        "--save",
        metavar="DIR",
        help="Save the report's files (--formats) into DIR.",
    )
    @argument(
        "--formats",
        default=",".join(DEFAULT_FORMATS),
        metavar="LIST",
        help="With -s: comma-separated, among " + ", ".join(FILES) + " (default "
        f"{','.join(DEFAULT_FORMATS)}); speedscope and folded hold the sampled stacks.",
    )
    @argument("--overwrite", action="store_true", help="With -s: replace existing files.")
    @argument("-q", "--quiet", action="store_true", help="Do not display the report.")
    @argument(
        "--snakeviz",
        action="store_true",
        help="Also show the profile in snakeviz, served by this kernel on 127.0.0.1 until "
        "workbench.stop_servers() or the kernel exits.",
    )
    @argument("-h", "--help", action="store_true", help="Show this help; run nothing.")
    @line_cell_magic
    def architect_profile(self, line: str, cell: str | None = None) -> Any:
        """Profile a statement (line magic) or a cell (cell magic) once with every lens.

        The report shows where the time goes (functions, then lines) and where the memory
        goes. Variables the code assigns stay in the notebook; the value of a final
        expression is shown as usual. If the code raises, the partial report is shown and
        the original exception propagates. Code may `await` (also `async for`/`async
        with`): it then runs on the kernel's event loop, and the report splits the time
        into CPU and waiting, per task.

        Options come before the code; code that starts with `-` goes after `--`
        (`%architect_profile -q -- -x + 1`).

        Examples::

            %architect_profile run_pipeline(records)
            %architect_profile -l transform -m tracemalloc -o rep run_pipeline(records)
            %architect_profile --snakeviz run_pipeline(records)
            %architect_profile -f sampled -s out --formats speedscope,folded run(records)

            %%architect_profile -m lines -l transform
            out = run_pipeline(records)

            %%architect_profile
            pages = await fetch_all(client, urls)
        """
        __tracebackhide__ = True  # tracebacks show the user's frames, not ours
        prepared = self._prepare(line, cell, allow_await=False)
        if prepared is None:
            return None
        session = self._session(prepared)
        with self._publishing(session, prepared.args):
            with session:
                value = prepared.compiled.run(self._ip)
            session.keep_result(value)
        return value

    async def architect_profile_async(self, line: str, cell: str | None = None) -> Any:
        """`architect_profile` for code that awaits: runs it on the shell's running loop.

        The magics' input transformer (`workbench.ipython.awaiting`) turns a magic whose
        code awaits into `await ...architect_profile_async(line, cell)`.
        """
        __tracebackhide__ = True  # tracebacks show the user's frames, not ours
        prepared = self._prepare(line, cell, allow_await=True)
        if prepared is None:
            return None
        session = self._session(prepared)
        with self._publishing(session, prepared.args):
            async with session:
                value = await prepared.compiled.run_async(self._ip)
            session.keep_result(value)
        return value

    def _prepare(self, line: str, cell: str | None, *, allow_await: bool) -> _Prepared | None:
        """Parse the options and compile the code; nothing runs yet.

        Returns:
            None when the options asked for the help (shown here): nothing is to run.

        Raises:
            UsageError: a bad or unknown option, with the fix.
            CellSyntaxError: the code does not compile.
        """
        split = _LINE.split(line)
        if split.asks_help:
            display(Pretty(_LINE.help))  # what `%architect_profile?` pages, as output
            return None
        _LINE.refuse_unknown(split)
        if cell is None:
            option_text, code, first_line = " ".join(split.options), split.code, 1
            if not code:
                raise UsageError(
                    "%architect_profile needs a statement, e.g. "
                    "%architect_profile run_pipeline(records)"
                )
        else:  # what is left after the options is argparse's to refuse
            option_text, code, first_line = " ".join([*split.options, split.code]), cell, 2
        args = parse_argstring(self.architect_profile, option_text)
        options = self._options(args)
        self._check_save_target(args)
        try:
            compiled = cells.compile_cell(self._ip, code, first_line, allow_await=allow_await)
        except SyntaxError as error:
            raise cells.CellSyntaxError(error, self._ip) from error
        return _Prepared(args, options, compiled, cells.code_label(code, cell is not None))

    @staticmethod
    def _session(prepared: _Prepared) -> ProfileSession:
        try:
            return ProfileSession(prepared.options, label=prepared.label)
        except OptionError as error:
            raise UsageError(str(error)) from None

    @contextmanager
    def _publishing(self, session: ProfileSession, args: Any) -> Iterator[None]:
        """Around a run: publish the report (also a partial one) whatever happens.

        Raises:
            UsageError: another profiler held the hook, so nothing ran.
        """
        try:
            yield
        except ProfilerBusyError as error:
            if session.finished:
                raise  # raised by the profiled code itself: propagate it unchanged
            raise UsageError(str(error)) from None
        finally:
            with holding_interrupts():  # a Ctrl-C waits until the report is out
                self._publish(session, args)

    def _options(self, args: Any) -> ProfileOptions:
        lines: Any = "auto"
        if args.lines:
            keywords = set(args.lines) & {"auto", "off"}
            if keywords and len(args.lines) > 1:
                raise UsageError("-l auto and -l off stand alone; or name functions: -l f -l g")
            resolve, ns = cells.resolve_function, self._ip.user_ns
            lines = args.lines[0] if keywords else [resolve(n, ns) for n in args.lines]
        if args.top < 1:
            raise UsageError(f"-t {args.top}: use a whole number of at least 1, e.g. -t 10")
        if args.output is not None and not args.output.isidentifier():
            raise UsageError(f"-o {args.output}: give a variable name, e.g. -o report")
        try:
            return ProfileOptions(
                lines=lines,
                memory=args.memory,
                functions=args.functions,
                top=args.top,
                user_code=tuple(args.user or ()),
                dask=cells.dask_client(args.dask, self._ip.user_ns),
            )
        except OptionError as error:
            raise UsageError(str(error)) from None

    @staticmethod
    def _check_save_target(args: Any) -> None:
        """Decode --formats into `args.format_list`; refuse a folder -s cannot write into
        and files it would overwrite (`check_destination`, as `Report.save` does).

        Raises:
            UsageError: an unknown format, a folder that is a file, or existing files
                without --overwrite.
        """
        args.format_list = tuple(f.strip() for f in args.formats.split(",") if f.strip())
        unknown = [f for f in args.format_list if f not in FILES]
        if unknown or not args.format_list:
            raise UsageError(
                f"--formats {args.formats}: choose among {', '.join(FILES)}, comma-separated, "
                "e.g. --formats prof,speedscope"
            )
        if args.save is not None:
            try:
                check_destination(Path(args.save), args.format_list, overwrite=args.overwrite)
            except SaveError as error:  # a file in the way, or files --overwrite would replace
                raise UsageError(f"-s {args.save}: {error}") from None

    def _publish(self, session: ProfileSession, args: Any) -> None:
        """Store, show and save the report; shown also when the code raised (partial)."""
        if not session.finished:
            return
        report = session.report
        if args.output:
            self._ip.user_ns[args.output] = report
        if not args.quiet:
            display(report)
        if args.snakeviz:
            display(report.snakeviz())
        if args.save:
            report.save(args.save, overwrite=args.overwrite, formats=args.format_list)


# The line magic's option syntax, from its parser.
_LINE = LineOptions(WorkbenchMagics.architect_profile.parser, "architect_profile")


def split_line(line: str) -> tuple[str, str]:
    """Split a line magic's text into (options, statement), the statement kept verbatim.

    A `--` that ends the options stays with them.
    """
    split = _LINE.split(line)
    return split.option_text, split.code
