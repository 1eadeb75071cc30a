"""Which function a source line belongs to, read from the source's syntax tree.

tracemalloc names a line, not its function. The memory table names the innermost
function (or class body) whose definition spans the line, as cProfile names code objects:
`<lambda>` for a lambda, `<module>` outside any definition, and a comprehension's line by
its function (as 3.12+ runs it, inlined). Sources come from `linecache`, which holds
notebook cells as well as files.
"""

from __future__ import annotations

import ast
import linecache

__all__ = ["function_at"]

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
# (first line, last line, name) of every definition, per file, with the source lines they
# were read from: linecache hands out a new list when it reads a file again.
_Scopes = list[tuple[int, int, str]]
_CACHE: dict[str, tuple[list[str], _Scopes | None]] = {}
_CACHED_FILES = 256


def _scopes(source: str) -> _Scopes | None:
    """Every definition's line span and name; None when the source does not parse."""
    try:
        # Notebook cells may await at top level.
        tree = compile(
            source, "<source>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        )
    except (SyntaxError, ValueError):
        return None
    return [
        (node.lineno, node.end_lineno or node.lineno, getattr(node, "name", "<lambda>"))
        for node in ast.walk(tree)
        if isinstance(node, _DEFINITIONS)
    ]


def function_at(filename: str, lineno: int) -> str:
    """The name of the innermost function or class whose definition holds `lineno`.

    Parameters:
        filename: a code object's `co_filename` (a file or a notebook cell).
        lineno: a line of it.

    Returns:
        The name; "<module>" for a line outside every definition; "" when the source is
        unknown or does not parse.
    """
    lines = linecache.getlines(filename)
    if not lines:
        return ""
    cached = _CACHE.get(filename)
    if cached is None or cached[0] is not lines:
        if len(_CACHE) >= _CACHED_FILES:
            _CACHE.pop(next(iter(_CACHE)))
        cached = _CACHE[filename] = (lines, _scopes("".join(lines)))
    scopes = cached[1]
    if scopes is None:
        return ""
    holding = [(first, -last, name) for first, last, name in scopes if first <= lineno <= last]
    return max(holding)[2] if holding else "<module>"
