"""The profiled program, set up in this process as `python` would set it up.

`python script.py a b` runs the script's code as the module `__main__`, with
`sys.argv == ["script.py", "a", "b"]`, the script's folder first on `sys.path` and
`__file__` its absolute path; `-c CODE`, `-m MODULE`, a folder or zip holding a
`__main__.py`, and `-` (standard input) each have their own variant. `as_main` makes the
same arrangements around the run (a module object of the program's own stands in
`sys.modules["__main__"]`, so pickling the program's classes works) and undoes them after.
"""

from __future__ import annotations

import builtins
import importlib.machinery
import importlib.util
import os
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import CodeType, ModuleType
from typing import Any

from workbench.cli.parser import Target
from workbench.errors import OptionError
from workbench.source import COMMAND_LINE_CODE

__all__ = ["Program", "as_main", "label_of"]


@dataclass(frozen=True)
class Program:
    """A program ready to run.

    Attributes:
        code: its compiled code, run with `exec(code, namespace)`.
        namespace: the globals of its `__main__` module.
        module: the module it is (`-m`, or `__main__` of a folder), else None.
    """

    code: CodeType
    namespace: dict[str, Any]
    module: str | None = None


def label_of(target: Target) -> str:
    """The report's title: the command line after `run` (of -c code, its first line)."""
    if target.kind == "code":
        lines = target.value.strip().splitlines() or [""]
        code = lines[0] + (" …" if len(lines) > 1 else "")
        return shlex.join(["-c", code, *target.args])
    words = ["-m"] if target.kind == "module" else []
    return shlex.join([*words, target.value, *target.args])


def _path_entry(target: Target) -> str:
    """What Python puts first on sys.path for this program."""
    if target.kind == "module":
        return os.getcwd()
    if target.kind == "code" or target.value == "-":
        return ""
    if os.path.isdir(target.value) or _is_zip(target.value):
        return os.path.abspath(target.value)
    return os.path.dirname(os.path.realpath(target.value))


def _is_zip(path: str) -> bool:
    import zipfile

    return os.path.isfile(path) and zipfile.is_zipfile(path)


def _from_spec(spec: importlib.machinery.ModuleSpec, what: str) -> tuple[CodeType, dict[str, Any]]:
    """The code and module attributes of the module `spec` finds.

    Raises:
        OptionError: the module has no code to run (a namespace package, say).
    """
    loader = spec.loader
    get_code = getattr(loader, "get_code", None)
    code = get_code(spec.name) if get_code is not None else None
    if not isinstance(code, CodeType):
        raise OptionError(f"{what}: no code object available for {spec.name}")
    attributes = {
        "__file__": spec.origin,
        "__cached__": spec.cached,
        "__loader__": loader,
        "__package__": spec.parent,
        "__spec__": spec,
    }
    return code, attributes


def _module(name: str) -> tuple[CodeType, dict[str, Any], str]:
    """`-m NAME`: its code, attributes and sys.argv[0]; a package runs its __main__.

    Parent packages are imported, as `python -m` imports them.

    Raises:
        OptionError: no such module, or a package without __main__.
    """
    what = f"-m {name}"
    try:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations is not None:
            if name == "__main__" or name.endswith(".__main__"):
                raise OptionError(f"{what}: cannot use a package as the __main__ module")
            spec = importlib.util.find_spec(f"{name}.__main__")
            if spec is None:
                raise OptionError(
                    f"{what}: no module named {name}.__main__; {name!r} is a package "
                    "and cannot be run directly"
                )
    except ImportError as error:  # a parent package is missing or fails to import
        raise OptionError(f"{what}: {error}") from None
    if spec is None:
        raise OptionError(
            f"{what}: no module named {name!r} (searched from {os.getcwd()} and sys.path)"
        )
    code, attributes = _from_spec(spec, what)
    return code, attributes, str(spec.origin)


def _compile(source: bytes, filename: str) -> CodeType:
    # Not this module's `from __future__ import annotations`: the program's own flags.
    return compile(source, filename, "exec", dont_inherit=True)


def _script(path: str) -> tuple[CodeType, dict[str, Any], str | None]:
    """A script file, a folder or zip with __main__.py, or "-": its code, attributes and,
    for a folder or zip, the module it runs.

    Raises:
        OptionError: the file cannot be read, or the folder has no __main__.py.
        SyntaxError: the script does not compile.
    """
    if path == "-":
        return _compile(sys.stdin.buffer.read(), "<stdin>"), {}, None
    if os.path.isdir(path) or _is_zip(path):
        spec = importlib.machinery.PathFinder.find_spec("__main__", [os.path.abspath(path)])
        if spec is None:
            raise OptionError(f"{path}: can't find '__main__' module in {path!r}")
        code, attributes = _from_spec(spec, path)
        return code, attributes, "__main__"
    absolute = os.path.abspath(path)
    try:
        with open(absolute, "rb") as file:
            source = file.read()
    except OSError as error:
        raise OptionError(f"can't open file {absolute!r}: {error.strerror or error}") from None
    attributes = {
        "__file__": absolute,
        "__cached__": None,
        "__loader__": importlib.machinery.SourceFileLoader("__main__", absolute),
        "__package__": None,
        "__spec__": None,
    }
    return _compile(source, absolute), attributes, None


def _load(target: Target) -> tuple[CodeType, dict[str, Any], str, str | None]:
    """The program's code, module attributes, sys.argv[0] and module name."""
    if target.kind == "code":
        # Not "<string>" as python names it: that is generated code, and -c is the user's.
        return _compile(target.value.encode(), COMMAND_LINE_CODE), {}, "-c", None
    if target.kind == "module":
        code, attributes, argv0 = _module(target.value)
        return code, attributes, argv0, target.value
    code, attributes, module = _script(target.value)
    return code, attributes, target.value, module


@contextmanager
def as_main(target: Target) -> Iterator[Program]:
    """Set this process up as `python` would for `target`, and undo it on exit.

    Inside, sys.path[0] is the program's (unless Python runs with -P), sys.argv its
    command line and sys.modules["__main__"] its own fresh module.

    Raises:
        OptionError: the program cannot be found or read.
        SyntaxError: its code does not compile (nothing runs).
    """
    saved_argv, saved_path = sys.argv, list(sys.path)
    saved_main = sys.modules.get("__main__")
    try:
        if not sys.flags.safe_path:
            sys.path[:1] = [_path_entry(target)]  # replaces ours: the cwd or a bin folder
        code, attributes, argv0, module_name = _load(target)
        module = ModuleType("__main__")
        module.__dict__.update(attributes, __builtins__=builtins)
        sys.argv = [argv0, *target.args]
        sys.modules["__main__"] = module
        yield Program(code, module.__dict__, module_name)
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
