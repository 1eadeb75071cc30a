"""`%architect_compare`: a thin adapter over `workbench.compare` / `compare_async`.

Each version is the name of a function in the notebook (called with `-a`'s arguments) or
a quoted expression (evaluated in the notebook each time). Three or more versions are
ranked against the first. Code that awaits (coroutine functions, `await` expressions) is
sent by the input transformer to `architect_compare_async` and runs on the kernel's loop.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from workbench.comparison import Comparison, Ranking, compare, compare_async
from workbench.comparison.quote import shorten
from workbench.comparison.result import existing_files
from workbench.comparison.timing import MIN_ROUNDS
from workbench.errors import OptionError
from workbench.ipython.awaiting import awaits_at_top_level
from workbench.ipython.base import ShellMagics
from workbench.ipython.cells import (
    DOTTED_NAME,
    CellSyntaxError,
    compile_cell,
    lookup,
    unbalanced,
    unquote,
)

__all__ = ["CompareMagics"]


@dataclass(frozen=True)
class _Versions:
    """The parsed magic: named callables, their shared arguments, and the options."""

    versions: dict[str, Callable[..., Any]]
    args: tuple[Any, ...]
    options: dict[str, Any]
    parsed: Any


@magics_class
class CompareMagics(ShellMagics):
    """`%architect_compare`."""

    @no_var_expand
    @magic_arguments()
    @argument(
        "versions",
        nargs="+",
        metavar="VERSION",
        help="Two or more versions: a function's name (called with -a's arguments) or a "
        "quoted expression. The first is the baseline.",
    )
    @argument("-a", "--args", metavar="ARGS", help="Arguments for the functions, e.g. -a records.")
    @argument(
        "-n",
        "--repeat",
        type=int,
        help=f"Timed rounds, at least {MIN_ROUNDS} (default: fit in --seconds).",
    )
    @argument("--seconds", type=float, default=3.0, help="Time budget (default 3 s).")
    @argument(
        "--check",
        default="auto",
        metavar="auto|none|FUNC",
        help="Result check: auto (default), none, or a function check(a, b) -> bool.",
    )
    @argument(
        "--min-effect",
        type=float,
        default=0.03,
        help="Smallest relative change that counts (default 0.03 = 3%%).",
    )
    @argument("-o", "--output", metavar="VAR", help="Store the Comparison in this variable.")
    @argument("-s", "--save", metavar="DIR", help="Save the comparison and both reports.")
    @argument("--overwrite", action="store_true", help="With -s: replace existing files.")
    @argument("-q", "--quiet", action="store_true", help="Do not display the comparison.")
    @argument(
        "--no-progress",
        action="store_true",
        help="Never show progress (by default a compare of 5 s or more shows a bar).",
    )
    @line_magic
    def architect_compare(self, line: str) -> None:
        """Compare versions: equal results? faster (with a confidence interval)? leaner?

        Each version runs once to check that its result equals the first version's
        (lists, dicts, DataFrames, arrays, generators...), then in alternating timed
        rounds, once under tracemalloc and once under cProfile; the output shows the
        speedup with its 95% confidence interval, the memory ratio and what changed per
        function. A long compare shows its progress; interrupted (Ctrl-C), it shows what
        its complete rounds found.

        Examples::

            %architect_compare slow_pipeline fast_pipeline -a records
            %architect_compare "slow_pipeline(records)" "fast_pipeline(records)"
            %architect_compare -o cmp v1 v2 v3 -a records
            %architect_compare fetch_sequential fetch_concurrent -a "client, urls"
        """
        __tracebackhide__ = True  # tracebacks show the user's frames, not ours
        parsed = self._parse(line, allow_await=False)
        try:
            ranking = compare(parsed.versions, *parsed.args, **parsed.options)
        except OptionError as error:
            raise UsageError(str(error)) from None
        self._publish(ranking, parsed)

    async def architect_compare_async(self, line: str) -> None:
        """`architect_compare` for coroutine functions or expressions that await."""
        __tracebackhide__ = True  # tracebacks show the user's frames, not ours
        parsed = self._parse(line, allow_await=True)
        try:
            ranking = await compare_async(parsed.versions, *parsed.args, **parsed.options)
        except OptionError as error:
            raise UsageError(str(error)) from None
        self._publish(ranking, parsed)

    def needs_await(self, line: str) -> bool:
        """Whether the line names a coroutine function or has an expression that awaits."""
        try:
            parsed = parse_argstring(self.architect_compare, line)
        except UsageError:
            return False
        for version in map(unquote, parsed.versions):
            if DOTTED_NAME.match(version):
                try:
                    target = self._lookup(version, version)
                except UsageError:
                    continue
                if inspect.iscoroutinefunction(target):
                    return True
            elif awaits_at_top_level(self._ip, version):
                return True
        return False

    def _parse(self, line: str, *, allow_await: bool) -> _Versions:
        parsed = parse_argstring(self.architect_compare, line)
        if len(parsed.versions) < 2:
            raise UsageError("give two versions or more, e.g. %architect_compare slow fast -a data")
        if parsed.output is not None and not parsed.output.isidentifier():
            raise UsageError(f"-o {parsed.output}: give a variable name, e.g. -o cmp")
        if parsed.repeat is not None and parsed.repeat < MIN_ROUNDS:
            raise UsageError(
                f"-n {parsed.repeat}: a verdict needs at least {MIN_ROUNDS} timed rounds "
                "(fewer cannot give a 95% interval); use "
                f"-n {MIN_ROUNDS} or more, or leave -n out to fit the rounds in --seconds"
            )
        if parsed.save and len(parsed.versions) > 2:
            raise UsageError("-s saves a comparison of two versions; use -o with three or more")
        if parsed.save:
            _check_destination(parsed.save, parsed.overwrite)
        versions: dict[str, Callable[..., Any]] = {}
        for raw in parsed.versions:
            text = unquote(raw)
            # The same version twice is an A/A run (how noisy is this machine?): keep both.
            name, n = text, 1
            while name in versions:
                n += 1
                name = f"{text} ({n})"
            versions[name] = self._version(text, bool(parsed.args), allow_await, raw == text)
        args = self._args(unquote(parsed.args or ""))
        options = {
            "repeat": parsed.repeat,
            "seconds": parsed.seconds,
            "check": self._check(parsed.check),
            "min_effect": parsed.min_effect,
            "progress": False if parsed.no_progress else None,
        }
        return _Versions(versions, args, options, parsed)

    def _version(
        self, text: str, with_args: bool, allow_await: bool, bare: bool
    ) -> Callable[..., Any]:
        if DOTTED_NAME.match(text):
            target = self._lookup(text, text)
            if not callable(target):
                raise UsageError(f'{text} is not a function; quote an expression: "{text}"')
            return target  # type: ignore[no-any-return]
        if with_args:
            raise UsageError(
                f"-a passes arguments to functions, and {text!r} is an expression: name "
                "functions (%architect_compare slow fast -a data) or drop -a"
            )
        try:
            compiled = compile_cell(self._ip, text, allow_await=allow_await)
        except SyntaxError as error:  # shown as a cell's: the line and the caret, no frames
            if bare and unbalanced(text):
                # `f(a, b)` unquoted reaches us as `f(a,` and `b)`: not the user's typo.
                raise UsageError(
                    f"{text!r} is part of a version: versions are split at spaces, so "
                    'quote each one that has spaces: %architect_compare "slow(a, b)" '
                    '"fast(a, b)"'
                ) from error
            raise CellSyntaxError(error, self._ip) from error
        if allow_await:
            return partial(compiled.run_async, self._ip)
        return partial(compiled.run, self._ip)

    def _args(self, text: str | None) -> tuple[Any, ...]:
        if not text:
            return ()
        try:
            return tuple(eval(f"({text},)", self._ip.user_global_ns, self._ip.user_ns))
        except Exception as error:
            raise UsageError(
                f"-a {shorten(repr(text), 80)}: {type(error).__name__}: {shorten(str(error))}"
            ) from None

    def _check(self, text: str) -> Any:
        if text in ("auto", "none"):
            return None if text == "none" else "auto"
        if not DOTTED_NAME.match(text):
            raise UsageError(
                f"--check {shorten(text, 80)}: use auto, none, or the name of a function "
                "check(a, b)"
            )
        check = self._lookup(text, f"--check {text}")
        if not callable(check):
            raise UsageError(f"--check {text}: use auto, none, or a function check(a, b)")
        return check

    def _lookup(self, text: str, where: str) -> Any:
        """The object a name or dotted path (`Pipeline.run`) names in the notebook.

        Parameters:
            text: the name, already matched by DOTTED_NAME.
            where: how the message names it: the version itself, or "--check NAME".

        Raises:
            UsageError: no such name or attribute, saying what compare accepts.
        """
        head = text.split(".")[0]
        hint = (
            "use auto, none, or a function check(a, b) defined in an earlier cell"
            if where.startswith("--check")
            else "give a function defined or imported in an earlier cell (called with "
            f'-a\'s arguments), or quote an expression, e.g. "{head}(data)"'
        )
        return lookup(text, self._ip.user_ns, where, hint)

    def _publish(self, ranking: Ranking, parsed: _Versions) -> None:
        """Show and keep the Ranking, or for two versions their Comparison."""
        result: Ranking | Comparison = ranking
        if len(parsed.versions) == 2:
            (result,) = ranking.comparisons.values()
        args = parsed.parsed
        if args.output:
            self._ip.user_ns[args.output] = result
        if not args.quiet:
            display(result)
        if args.save and isinstance(result, Comparison):
            result.save(args.save, overwrite=args.overwrite)


def _check_destination(save: str, overwrite: bool) -> None:
    """Refuse `-s DIR` before anything runs when the comparison could not be saved there.

    Raises:
        UsageError: DIR is a file, or sits below one, or already holds a saved
            comparison (without --overwrite); the message says the fix.
    """
    folder = Path(save)
    existing = next(p for p in (folder, *folder.parents) if p.exists() or p == Path(p.anchor))
    if not existing.is_dir():
        raise UsageError(f"-s {save}: {existing} is a file; give a folder, e.g. -s comparison")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"-s {save}: cannot write in {existing}; choose a folder you can write")
    taken = existing_files(folder) if not overwrite else []
    if taken:
        more = f" and {len(taken) - 1} more" if len(taken) > 1 else ""
        raise UsageError(
            f"-s {save}: {folder} already holds a saved comparison ({taken[0]}{more}); "
            "add --overwrite to replace it, or choose another folder"
        )
