"""`run -l FUNC`: exact line detail of functions the program has not defined yet.

In a notebook, `-l transform` names a function that exists. On the command line the
program has not run: its functions exist only as code objects inside its compiled code,
where `-l transform` or `-l Pipeline.run` finds them by qualified name. Each is handed
to the lenses as a stand-in function made from that code object; when the program's
`def` runs, it makes a function of the same code, which the lenses then trace. A
lens may give the stand-in a copy of the code to trace (line_profiler pads the bytecode
of every function it traces): `with_traced_code` puts that copy into the program's code.
A dotted name the program does not define is imported (`-l package.module.function`).
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import CellType, CodeType, FunctionType
from typing import Any

from workbench.errors import OptionError

__all__ = ["LineChoice", "choose_lines", "with_traced_code"]

_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


@dataclass(frozen=True)
class LineChoice:
    """The `lines` option of a run, and the stand-ins made for the program's functions.

    Attributes:
        lines: "auto", None, or the functions to trace (ProfileOptions' `lines`).
        standins: (the program's code object, the stand-in function made from it).
    """

    lines: Any
    standins: tuple[tuple[CodeType, FunctionType], ...] = field(default=())


def _codes(code: CodeType) -> Iterator[CodeType]:
    """`code` and every code object nested in it (functions, classes, comprehensions)."""
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _codes(const)


def _is_function(code: CodeType) -> bool:
    # A class body or module has no local namespace of its own; a lambda or a
    # comprehension has one, but no name to give on the command line.
    return bool(code.co_flags & inspect.CO_NEWLOCALS) and not code.co_name.startswith("<")


def _defined(name: str, code: CodeType) -> list[CodeType]:
    """The code of the functions the program defines as `name` (a class: its methods)."""
    found = []
    for nested in _codes(code):
        if nested.co_qualname != name or nested is code:
            continue
        if _is_function(nested):
            found.append(nested)
        else:  # a class body: the functions defined directly in it
            found += [c for c in nested.co_consts if isinstance(c, CodeType) and _is_function(c)]
    return found


def _standin(code: CodeType) -> FunctionType:
    """A function of the program's `code`, never called: what the lenses register."""
    closure = tuple(CellType() for _ in code.co_freevars) or None
    function = FunctionType(code, {}, code.co_name, None, closure)
    function.__qualname__ = code.co_qualname
    function.__module__ = "__main__"
    return function


def _imported(name: str) -> Callable[..., Any] | None:
    """The function a dotted path names, importing its module; None if none is found.

    Raises:
        OptionError: the module is found but has no such attribute, or it is no function.
    """
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            target: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        for i, part in enumerate(parts[cut:], cut):
            if not hasattr(target, part):
                known = ".".join(parts[:i])
                raise OptionError(f"-l {name}: {known} has no attribute {part!r}")
            target = getattr(target, part)
        if not callable(target):
            raise OptionError(f"-l {name}: {type(target).__name__} is not a function")
        return target  # type: ignore[no-any-return]
    return None


def choose_lines(names: list[str] | None, code: CodeType, module: str | None) -> LineChoice:
    """Decode the `-l` words for a program not run yet.

    Parameters:
        names: the `-l` values (None: the default, "auto").
        code: the program's compiled code, searched for the functions it defines.
        module: the module the program runs as (`-m`), whose own functions may also be
            named with its dotted prefix.

    Raises:
        OptionError: a word is neither "auto", "off", a function the program defines nor
            an importable function, with the fix.
    """
    if not names:
        return LineChoice("auto")
    keywords = set(names) & {"auto", "off"}
    if keywords:
        if len(names) > 1:
            raise OptionError("-l auto and -l off stand alone; or name functions: -l f -l g")
        return LineChoice(None if names[0] == "off" else "auto")
    targets: list[Callable[..., Any]] = []
    standins: list[tuple[CodeType, FunctionType]] = []
    for name in names:
        if not _DOTTED.fullmatch(name):
            raise OptionError(
                f"-l {name!r}: give a function's name or dotted path, e.g. -l transform, "
                "-l Pipeline.run or -l package.module.function"
            )
        local = name[len(module) + 1 :] if module and name.startswith(f"{module}.") else name
        defined = _defined(local, code)
        if defined:
            standins += [(c, _standin(c)) for c in defined]
            targets += [function for _, function in standins[-len(defined) :]]
            continue
        imported = _imported(name) if "." in name else None
        if imported is None:
            raise OptionError(
                f"-l {name}: the program defines no function {name!r}, and no module to "
                "import it from was found; name a function the program defines (-l "
                "transform, -l Pipeline.run), an importable one (-l package.module.function), "
                "or use -l auto"
            )
        targets.append(imported)
    return LineChoice(targets, tuple(standins))


def with_traced_code(code: CodeType, choice: LineChoice) -> CodeType:
    """The program's `code` with each stand-in's code in place of the code it was made
    from, where a lens replaced it; `code` itself when none was replaced."""
    swap = {id(old): f.__code__ for old, f in choice.standins if f.__code__ is not old}
    if not swap:
        return code

    def rebuilt(current: CodeType) -> CodeType:
        current = swap.get(id(current), current)
        consts = tuple(rebuilt(c) if isinstance(c, CodeType) else c for c in current.co_consts)
        changed = any(new is not old for new, old in zip(consts, current.co_consts, strict=True))
        return current.replace(co_consts=consts) if changed else current

    return rebuilt(code)
