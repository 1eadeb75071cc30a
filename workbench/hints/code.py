"""What the hint rules read from a function's source: its syntax tree, made relative.

Sources come from `linecache` (IPython keeps every cell there), so functions defined in
notebook cells are read like files. Line numbers are the file's (or cell's).
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass

from workbench.source import function_block

__all__ = ["Function", "impurity", "parse_function"]

# Calls whose result differs from call to call, or that act on the world.
_IMPURE_CALLS = {"print", "open", "input", "exec", "eval", "setattr", "delattr", "id"}
_IMPURE_MODULES = {"random", "secrets", "uuid", "logging", "os", "sys", "socket", "subprocess"}
_IMPURE_ATTRIBUTES = {
    "time", "perf_counter", "monotonic", "process_time", "sleep", "now", "utcnow", "today",
    "write", "writelines", "send", "sendall", "read", "readline", "flush", "close",
    "append", "extend", "update", "pop", "popitem", "add", "remove", "discard", "clear",
    "insert", "setdefault", "sort", "reverse", "put", "get_nowait",
}  # fmt: skip


@dataclass(frozen=True)
class Function:
    """A parsed function.

    Attributes:
        node: its definition.
        offset: add to a node's `lineno` to get the file's line number.
        parameters: its parameter names.
    """

    node: ast.FunctionDef | ast.AsyncFunctionDef
    offset: int
    parameters: frozenset[str]

    def line(self, node: ast.AST) -> int:
        """The file's line number of `node`."""
        return int(getattr(node, "lineno", 1)) + self.offset

    def locals(self) -> set[str]:
        """Names the function assigns (its locals), parameters included."""
        names = set(self.parameters)
        for node in ast.walk(self.node):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
        return names


def parse_function(filename: str, firstlineno: int) -> Function | None:
    """The function defined at `filename:firstlineno`, or None when its source is gone."""
    block = function_block(filename, firstlineno)
    if not block:
        return None
    try:
        module = ast.parse(textwrap.dedent("\n".join(block)))
    except SyntaxError:
        return None
    if not module.body or not isinstance(module.body[0], ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    node = module.body[0]
    arguments = node.args
    names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
    names += [a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return Function(node, firstlineno - 1, frozenset(names))


def _called_name(call: ast.Call) -> tuple[str | None, str | None]:
    """(module or object name, function or method name) of a call."""
    func = call.func
    if isinstance(func, ast.Name):
        return None, func.id
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else None
        return owner, func.attr
    return None, None


def impurity(function: Function, within: ast.AST | None = None) -> str | None:
    """Why the code may not give the same result for the same arguments, or None.

    Parameters:
        function: the parsed function (its locals are what it may freely change).
        within: the part of it to check (default: all of it).
    """
    local = function.locals()
    for node in ast.walk(within or function.node):
        if isinstance(node, ast.Global | ast.Nonlocal):
            return "it assigns non-local names"
        if isinstance(node, ast.Yield | ast.YieldFrom | ast.Await):
            return "it suspends (generator or coroutine)"
        if isinstance(node, ast.Attribute | ast.Subscript) and isinstance(node.ctx, ast.Store):
            target = node.value
            if not (isinstance(target, ast.Name) and target.id in local - function.parameters):
                return "it changes an object it did not create"
        if isinstance(node, ast.Call):
            owner, name = _called_name(node)
            if owner is None and name in _IMPURE_CALLS:
                return f"it calls {name}()"
            if name == "next" and not (node.args and _made_here(node.args[0], local)):
                return "it calls next() on an iterator it did not make"
            if owner in _IMPURE_MODULES:
                return f"it calls {owner}.{name}()"
            if name in _IMPURE_ATTRIBUTES and owner not in local - function.parameters:
                return f"it calls .{name}()"
    return None


def _made_here(value: ast.expr, local: set[str]) -> bool:
    """Whether `value` is an iterator the function makes itself (a generator expression)."""
    return isinstance(value, ast.GeneratorExp) or (
        isinstance(value, ast.Name) and value.id in local
    )
