"""Let the magics profile code with top-level `await` on the kernel's own event loop.

A magic is a plain function call: IPython runs `%%architect_profile` cells synchronously,
from inside the kernel's running event loop, where nothing can be awaited (a new loop or
`asyncio.run` would raise, a thread would break objects bound to the kernel's loop). So
before IPython turns the magic into that call, this input transformer rewrites a magic
whose code awaits into an awaited call of the magic's async twin::

    %%architect_profile -m tracemalloc          await get_ipython().magics_manager
    results = await fetch_all(urls)       ->      .registry["WorkbenchMagics"]
                                                  .architect_profile_async("-m ...", "...")

The cell then contains `await`, so IPython runs it as an async cell, on its loop (the
kernel's loop in Jupyter). Code without `await` is left alone for the synchronous magic.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable

from IPython.core.interactiveshell import InteractiveShell

__all__ = ["AwaitRewriter", "awaits_at_top_level", "install", "uninstall"]

_REGISTRY = "await get_ipython().magics_manager.registry"
_CALL = f'{_REGISTRY}["WorkbenchMagics"].architect_profile_async'
_COMPARE_CALL = f'{_REGISTRY}["CompareMagics"].architect_compare_async'
_CELL_MAGIC = re.compile(r"^%%architect_profile(?P<options>(?:[ \t].*)?)$")
# `%architect_profile ...` or `name = %architect_profile ...` at the start of a line.
_LINE_MAGIC = re.compile(
    r"^(?P<target>[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*)?"
    r"%(?P<magic>architect_profile|architect_compare)(?P<rest>[ \t].*)$"
)


def awaits_at_top_level(shell: InteractiveShell, code: str) -> bool:
    """Whether `code` (IPython syntax) uses `await`, `async for` or `async with` at top level.

    Code that does not compile says False: the synchronous magic reports the error.
    """
    try:
        python = shell.transform_cell(code)
        compiled = compile(
            python,
            "<architect_profile>",
            "exec",
            flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT | shell.compile.flags,
            dont_inherit=True,
        )
    except (SyntaxError, ValueError):
        return False
    return bool(compiled.co_flags & inspect.CO_COROUTINE)


class AwaitRewriter:
    """The input transformer (an entry of `shell.input_transformers_cleanup`).

    Parameters:
        shell: the shell whose cells it rewrites.
        split_line: splits a line magic's text into (options, code).
        compare_awaits: tells whether an `%architect_compare` line needs the loop.
    """

    def __init__(
        self,
        shell: InteractiveShell,
        split_line: Callable[[str], tuple[str, str]],
        compare_awaits: Callable[[str], bool],
    ) -> None:
        self._shell = shell
        self._split_line = split_line
        self._compare_awaits = compare_awaits

    def __call__(self, lines: list[str]) -> list[str]:
        """Rewrite the cell's lines; return them unchanged when nothing awaits."""
        if not lines or not getattr(self._shell, "autoawait", False):
            return lines
        cell = _CELL_MAGIC.match(lines[0].rstrip("\r\n"))
        if cell is not None:
            body = "".join(lines[1:])
            if not awaits_at_top_level(self._shell, body):
                return lines
            return [f"{_CALL}({cell['options'].strip()!r}, {body!r})\n"]
        return [self._line(line) for line in lines]

    def _line(self, line: str) -> str:
        match = _LINE_MAGIC.match(line.rstrip("\r\n"))
        if match is None:
            return line
        rest = match["rest"].strip()
        if match["magic"] == "architect_compare":
            call, needed = _COMPARE_CALL, self._compare_awaits(rest)
        else:
            _, code = self._split_line(rest)
            call, needed = _CALL, bool(code) and awaits_at_top_level(self._shell, code)
        if not needed:
            return line
        ending = line[len(line.rstrip("\r\n")) :]
        return f"{match['target'] or ''}{call}({rest!r}){ending}"


def install(
    shell: InteractiveShell,
    split_line: Callable[[str], tuple[str, str]],
    compare_awaits: Callable[[str], bool],
) -> None:
    """Add the rewriter to `shell` once (loading the extension twice adds nothing)."""
    uninstall(shell)
    shell.input_transformers_cleanup.append(AwaitRewriter(shell, split_line, compare_awaits))


def uninstall(shell: InteractiveShell) -> None:
    """Remove the rewriter from `shell`, if present."""
    # By name, not isinstance: after %reload_ext the class is a new object.
    shell.input_transformers_cleanup[:] = [
        t
        for t in shell.input_transformers_cleanup
        if type(t).__qualname__ != AwaitRewriter.__qualname__
        or type(t).__module__ != AwaitRewriter.__module__
    ]
