"""Where code comes from: user code or library, a readable label, and its source lines.

Code typed into a notebook cell compiles to a file name that does not exist on disk
(`<tempdir>/ipykernel_<pid>/<hash>.py`, or `<ipython-input-3-...>` in a terminal). The
running IPython shell knows which cell each name belongs to; we ask it through the
`get_ipython` builtin it installs while a cell runs, so this module needs no IPython import.
Source text always comes from `linecache`, which IPython fills for every cell.
"""

from __future__ import annotations

import builtins
import inspect
import linecache
import os
import re
import sys
import sysconfig
from pathlib import Path

from workbench._paths import is_own_file
from workbench.source.user_code import Rule, decide

__all__ = ["COMMAND_LINE_CODE", "SourceIndex", "function_block"]

_KERNEL_CELL = re.compile(r"ipykernel_\d+[/\\](?P<hash>\w+)\.py$")
_LIBRARY_MARKERS = ("site-packages", "dist-packages")
# Code with no file of its own that is still the user's: typed at a prompt or given on
# the command line. Every other `<...>` name is generated (dataclasses' and namedtuple's
# `<string>`, `<frozen ...>`, attrs' `<attrs generated ...>`) and is not.
COMMAND_LINE_CODE = "<command line>"  # `python -m workbench run -c CODE` compiles CODE so
USER_PSEUDO_FILES = ("<stdin>", COMMAND_LINE_CODE)


def _library_roots() -> tuple[str, ...]:
    """Folders that hold the interpreter, its standard library and installed packages."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sysconfig.get_paths()["stdlib"]}
    return tuple(sorted({str(Path(root).resolve()) for root in roots}, key=len, reverse=True))


def _shell_cell_label(filename: str) -> str | None:
    """Ask the running IPython shell (if any) which cell compiled to `filename`."""
    get_ipython = getattr(builtins, "get_ipython", None)
    if get_ipython is None:
        return None
    compiler = getattr(get_ipython(), "compile", None)
    format_code_name = getattr(compiler, "format_code_name", None)
    if format_code_name is None:
        return None
    named = format_code_name(filename)
    return None if named is None else str(named[1])


def function_block(filename: str, firstlineno: int) -> list[str]:
    """The source lines of the function or class that starts at `firstlineno`.

    Parameters:
        filename: the code object's `co_filename` (a real file or a cached cell).
        firstlineno: the code object's `co_firstlineno` (1-based).

    Returns:
        The block's lines without trailing newlines; empty when no source is available.
    """
    lines = linecache.getlines(filename)
    if not lines or firstlineno < 1 or firstlineno > len(lines):
        return []
    try:
        block = inspect.getblock(lines[firstlineno - 1 :])
    except (IndentationError, SyntaxError, IndexError):
        block = lines[firstlineno - 1 : firstlineno]
    return [line.rstrip("\n") for line in block]


class SourceIndex:
    """Classifies and labels code file names; one per session so caches never go stale.

    Parameters:
        cwd: the folder relative labels start from (default: the current directory).
        rule: folders added to (True) or removed from (False) the user's code, as
            `workbench.source.user_code.parse_entries` resolves them; the deepest match decides.
    """

    def __init__(self, cwd: str | None = None, rule: Rule = ()) -> None:
        self._cwd = str(Path(cwd or os.getcwd()).resolve())
        self._rule = rule
        self._roots = _library_roots()
        main_file = getattr(sys.modules.get("__main__"), "__file__", None)
        self._main = str(Path(main_file).resolve()) if main_file else None
        self._user: dict[str, bool] = {}
        self._labels: dict[str, str] = {}
        self._bases: tuple[str, ...] | None = None

    def is_cell(self, filename: str) -> bool:
        """Whether `filename` names code typed into IPython rather than a file on disk."""
        return (
            _KERNEL_CELL.search(filename) is not None
            or filename.startswith("<ipython-input-")
            or _shell_cell_label(filename) is not None
        )

    def is_user_code(self, filename: str) -> bool:
        """Whether `filename` is the user's own code.

        User code is code typed into a cell or at a prompt, the `__main__` script, and
        every file that is not the standard library's, not an installed distribution's
        (in site-packages or dist-packages) and not the workbench's: a project's `src/`
        imported from its `notebooks/` counts wherever the working folder is. Generated
        code (`<string>`, `<frozen ...>`) does not count. The `user_code` rule's deepest
        matching folder overrides all but the workbench's own modules.
        """
        cached = self._user.get(filename)
        if cached is None:
            cached = self._user[filename] = self._classify(filename)
        return cached

    def _classify(self, filename: str) -> bool:
        if filename in ("~", ""):
            return False
        if self.is_cell(filename) or filename in USER_PSEUDO_FILES:
            return True
        if filename.startswith("<dynamic-code"):
            return True  # shipped by value to a Dask worker: importable code is not
        if filename.startswith("<"):
            return False
        path = str(Path(filename).resolve())
        if is_own_file(path):
            return False
        chosen = decide(self._rule, path)
        if chosen is not None:
            return chosen
        if path == self._main:
            return True
        if any(marker in Path(path).parts for marker in _LIBRARY_MARKERS):
            return False
        return not any(path.startswith(root + os.sep) for root in self._roots)

    def label(self, filename: str) -> str:
        """A short, stable name for `filename` to show in tables.

        Cells become `In[3]` (or `cell <hash>` when the shell is gone), installed packages
        are shown from their package folder, and other files from the deepest folder on
        `sys.path` (or the working folder) that holds them, so `src/shop/tax.py`
        imported from `notebooks/` reads `shop/tax.py` as it does from the project root;
        built-ins are an empty string. Labels never contain `..`.
        """
        cached = self._labels.get(filename)
        if cached is None:
            cached = self._labels[filename] = self._make_label(filename)
        return cached

    def _import_bases(self) -> tuple[str, ...]:
        """The working folder and `sys.path`'s folders, resolved, deepest first."""
        if self._bases is None:
            folders = {self._cwd, *self._roots}
            for entry in sys.path:
                try:
                    folder = Path(entry or self._cwd).resolve()
                except (OSError, RuntimeError):
                    continue
                if folder.parent != folder:  # "/" on sys.path would label files absolutely
                    folders.add(str(folder))
            self._bases = tuple(sorted(folders, key=len, reverse=True))
        return self._bases

    def _make_label(self, filename: str) -> str:
        if filename == "~":
            return ""
        shell_label = _shell_cell_label(filename)
        if shell_label is not None:
            return shell_label
        kernel_cell = _KERNEL_CELL.search(filename)
        if kernel_cell is not None:
            return f"cell {kernel_cell.group('hash')}"
        if filename.startswith("<"):
            return filename
        path = Path(filename)
        parts = path.parts
        for marker in _LIBRARY_MARKERS:
            if marker in parts:
                index = len(parts) - 1 - parts[::-1].index(marker)
                return "/".join(parts[index + 1 :])
        resolved = str(path.resolve())
        for base in self._import_bases():
            if resolved.startswith(base.rstrip(os.sep) + os.sep):
                return Path(os.path.relpath(resolved, base)).as_posix()
        return resolved

    @staticmethod
    def line(filename: str, lineno: int) -> str:
        """The source text of one line (stripped of its newline), or "" if unknown."""
        return linecache.getline(filename, lineno).rstrip("\n")
