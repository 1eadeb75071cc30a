"""Which of the client's functions a worker's shipped code ("<dynamic-code:...>") is.

cloudpickle ships by value the functions of `__main__` (a notebook's cells, a script)
and of modules registered with `cloudpickle.register_pickle_by_value`; those are where
the client looks, matching fingerprints (`workbench.collectors.dynamic_code`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from types import CodeType, FunctionType, ModuleType
from typing import Any

from workbench.collectors.dynamic_code import fingerprint

__all__ = ["shipped_files"]

_DEPTH = 3  # classes inside classes, functions inside partials: how far to look


def shipped_files() -> dict[str, str]:
    """ "<dynamic-code:FINGERPRINT>" -> the file the function was defined in, for every
    function (and the code nested in it) that cloudpickle would ship by value."""
    found: dict[str, str] = {}
    for module in _by_value_modules():
        for code in _codes(vars(module).values(), _DEPTH, set()):
            found.setdefault(f"<dynamic-code:{fingerprint(code)}>", code.co_filename)
    return found


def _by_value_modules() -> list[ModuleType]:
    modules = [sys.modules["__main__"]] if "__main__" in sys.modules else []
    cloudpickle = sys.modules.get("cloudpickle")
    registered = getattr(cloudpickle, "list_registry_pickle_by_value", None)
    if registered is not None:
        modules += [sys.modules[name] for name in registered() if name in sys.modules]
    return modules


def _codes(values: Iterable[Any], depth: int, seen: set[int]) -> Iterator[CodeType]:
    """The code objects of functions among `values`, of classes' functions and of what
    a function wraps (decorators, partials), with the code nested in each."""
    for value in values:
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, FunctionType):
            yield from _nested(value.__code__)
            wrapped = getattr(value, "__wrapped__", None)
            if wrapped is not None and depth:
                yield from _codes([wrapped], depth - 1, seen)
        elif isinstance(value, type) and depth:
            yield from _codes(vars(value).values(), depth - 1, seen)
        elif isinstance(value, staticmethod | classmethod | property) and depth:
            inner = [getattr(value, name, None) for name in ("__func__", "fget", "fset")]
            yield from _codes([f for f in inner if f is not None], depth - 1, seen)
        elif depth and callable(value) and hasattr(value, "func"):  # functools.partial
            yield from _codes([value.func], depth - 1, seen)


def _nested(code: CodeType) -> Iterator[CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _nested(const)
