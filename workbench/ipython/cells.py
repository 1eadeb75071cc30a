"""Compile and run magic code the way IPython runs a cell.

The code is compiled by the shell's own compiler so it gets a cached file name (labelled
`In[n]`, source in linecache) and the notebook's `__future__` flags, after the shell's
AST transformers (`shell.transform_ast`, as `%time` applies them). A trailing
expression is evaluated separately so its value can be shown as the cell's output, and
everything else runs in the user namespace, so assignments stay exactly as without the
magic. Compiling happens before any profiler starts: a SyntaxError costs nothing, and
the magics show it as IPython shows a cell's (`CellSyntaxError`).
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import inspect
import re
from dataclasses import dataclass
from types import CodeType
from typing import Any

from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from workbench.cluster.follow import INSTALL_HINT, is_client
from workbench.errors import WorkbenchError, quoted
from workbench.options import kind_of, line_function

__all__ = [
    "DOTTED_NAME",
    "CellSyntaxError",
    "CompiledCell",
    "cell_number",
    "code_label",
    "compile_cell",
    "lookup",
    "resolve_function",
    "resolve_name",
    "unbalanced",
    "unquote",
]

DOTTED_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


@dataclass(frozen=True)
class CompiledCell:
    """A cell split into statements to run and an optional trailing expression."""

    body: CodeType | None
    last_expression: CodeType | None
    filename: str

    def run(self, shell: InteractiveShell) -> Any:
        """Run in the user namespace; return the trailing expression's value (or None)."""
        __tracebackhide__ = True  # tracebacks show the user's frames, not ours
        if self.body is not None:
            exec(self.body, shell.user_global_ns, shell.user_ns)
        if self.last_expression is not None:
            return eval(self.last_expression, shell.user_global_ns, shell.user_ns)
        return None

    async def run_async(self, shell: InteractiveShell) -> Any:
        """`run` for code compiled with `allow_await`: awaits on the running loop."""
        __tracebackhide__ = True  # tracebacks show the user's frames, not ours
        value = None
        for code in (self.body, self.last_expression):
            if code is None:
                continue
            # Code with top-level await evaluates to a coroutine; other code just runs.
            value = eval(code, shell.user_global_ns, shell.user_ns)
            if code.co_flags & inspect.CO_COROUTINE:
                value = await value
        return value if self.last_expression is not None else None


class CellSyntaxError(WorkbenchError):
    """The code given to a magic does not compile; nothing ran.

    IPython shows a SyntaxError raised while a cell runs with every frame it went
    through (IPython's, then the magic's), and a SyntaxError of the cell itself with
    none. This error shows as the latter: the offending line of the cell, the caret and
    Python's message (IPython's `_render_traceback_` protocol).

    Attributes:
        error: Python's SyntaxError (also the `__cause__`).
    """

    def __init__(self, error: SyntaxError, shell: InteractiveShell) -> None:
        named = shell.compile.format_code_name(error.filename) if error.filename else None
        where = named[1] if named else error.filename
        super().__init__(f"{type(error).__name__}: {error.msg} ({where}, line {error.lineno})")
        self.error = error
        self._shell = shell

    def _render_traceback_(self) -> list[str]:
        """What IPython shows for a cell that does not compile: no frames."""
        error = self.error
        return list(self._shell.SyntaxTB.structured_traceback(type(error), error, None))


def code_label(code: str, is_cell: bool) -> str:
    """The report's title for a magic's code: the statement, or a cell's first line."""
    lines = code.strip().splitlines() or [""]
    if not is_cell:
        return lines[0]
    return f"cell: {lines[0]}" + (" …" if len(lines) > 1 else "")


def cell_number(shell: InteractiveShell) -> int:
    """The number of the cell running now, as its `In[n]` prompt shows it.

    IPython 9 counts the cell before running it (`execution_count` is then n + 1), older
    versions after; the result it fills in while the cell runs has the cell's own number.
    """
    running = getattr(shell.displayhook, "exec_result", None)
    number = getattr(running, "execution_count", None)
    return number if isinstance(number, int) else int(shell.execution_count)


def compile_cell(
    shell: InteractiveShell, source: str, first_line: int = 1, *, allow_await: bool = False
) -> CompiledCell:
    """Compile `source` (IPython syntax allowed) as the running cell, `In[n]`.

    Parameters:
        shell: the running shell.
        source: the code, without the magic's own line.
        first_line: the line of the visible cell where `source` starts, so line numbers
            in reports match what the user sees.
        allow_await: accept top-level `await` (then run it with `run_async`).

    Raises:
        SyntaxError: the code does not compile (before anything runs).
        UsageError: the code awaits, but `allow_await` is False (autoawait is off).
    """
    python: str = shell.transform_cell(source)
    padded = "\n" * (first_line - 1) + python
    filename = shell.compile.cache(padded, cell_number(shell), raw_code=padded)
    module = shell.transform_ast(ast.parse(padded, filename=filename))
    flags = shell.compile.flags  # the notebook's __future__ imports
    if allow_await:
        flags |= ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    last = None
    tail = module.body[-1] if module.body else None
    if isinstance(tail, ast.Expr):
        module.body.pop()
        last = ast.Expression(tail.value)
    try:
        body = compile(module, filename, "exec", flags, dont_inherit=True) if module.body else None
        expression = (
            compile(last, filename, "eval", flags, dont_inherit=True) if last is not None else None
        )
    except SyntaxError as error:
        message = str(error.msg)
        if not allow_await and "outside" in message and ("await" in message or "async" in message):
            raise UsageError(
                "this code awaits at top level: turn on IPython's autoawait (%autoawait "
                "asyncio) so the magic can run it on the event loop"
            ) from None
        raise
    return CompiledCell(body=body, last_expression=expression, filename=filename)


def resolve_name(name: str, namespace: dict[str, Any]) -> Any:
    """Find `name` (a dotted path such as `transform` or `Pipeline.run`) in `namespace`.

    Raises:
        UsageError: the name is not a dotted path or does not exist, with the fix.
    """
    if not DOTTED_NAME.match(name):
        raise UsageError(
            f"-l {quoted(name)}: give a function's name or dotted path, e.g. -l transform "
            "or -l Pipeline.run"
        )
    return lookup(
        name,
        namespace,
        f"-l {name}",
        "define or import it in an earlier cell (or use -l auto)",
    )


def lookup(name: str, namespace: dict[str, Any], where: str, hint: str) -> Any:
    """The object a dotted path (`transform`, `Pipeline.run`) names in `namespace`, whose
    first part may also be a builtin.

    Parameters:
        name: the path, already matched by DOTTED_NAME.
        namespace: the notebook's names.
        where: how a message names the option or value that gave `name`.
        hint: the fix a message gives when the first part names nothing.

    Raises:
        UsageError: no such name (`{where}: no name ... in the notebook; {hint}`) or no
            such attribute.
    """
    head, *rest = name.split(".")
    if head in namespace:
        target = namespace[head]
    elif hasattr(builtins, head):
        target = getattr(builtins, head)
    else:
        raise UsageError(f"{where}: no name {quoted(head)} in the notebook; {hint}")
    for i, part in enumerate(rest):
        try:
            target = getattr(target, part)
        except AttributeError:
            known = ".".join([head, *rest[:i]])
            raise UsageError(f"{where}: {known} has no attribute {quoted(part)}") from None
    return target


def dask_client(value: str, namespace: dict[str, Any]) -> Any:
    """What `--dask` names: "auto", "off", or a notebook variable holding a Client.

    Raises:
        UsageError: the name is not a Client, or distributed is not installed.
    """
    if value in ("auto", "off"):
        return value
    if not DOTTED_NAME.fullmatch(value):
        raise UsageError(f"--dask {value}: use auto, off, or the name of a distributed.Client")
    target = lookup(value, namespace, f"--dask {value}", "create it first, e.g. client = Client()")
    if not is_client(target):
        if importlib.util.find_spec("distributed") is None:
            raise UsageError(f"--dask needs dask's distributed scheduler: {INSTALL_HINT}")
        raise UsageError(
            f"--dask {value}: {value} is {kind_of(target)}, not a distributed.Client; use "
            "auto, off, or a Client's name"
        )
    return target


def resolve_function(name: str, namespace: dict[str, Any]) -> Any:
    """The function whose lines `-l name` asks for: `resolve_name`, then a property's
    getter for a property (see `workbench.options.line_function`).

    Raises:
        UsageError: the name is not found, or names something that is no function.
    """
    value = resolve_name(name, namespace)
    target = line_function(value)
    if not callable(target):
        raise UsageError(
            f"-l {name}: {name} ({kind_of(value)}) is not a function; name a function or "
            "method, e.g. -l transform or -l Pipeline.run"
        )
    return target


def unquote(text: str) -> str:
    """magic_arguments keeps the quotes around an argument; an expression has none."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def unbalanced(text: str) -> bool:
    """Whether `text` opens more brackets than it closes, or closes more: a fragment of
    an expression that magic_arguments split at its spaces."""
    return any(text.count(a) != text.count(b) for a, b in ("()", "[]", "{}"))
