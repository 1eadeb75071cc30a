"""The stream hint: a list built whole, holding much of the peak, then read once.

Evidence: tracemalloc's snapshot nearest the peak (`-m tracemalloc`) gives the memory each
line holds, with what the library functions it calls allocated for it (`json.loads` per
item builds its dicts in `json/decoder.py`; `workbench.collectors.charging` charges them
to the user's line); the function's source shows the line builds a list (a list
comprehension or display, `list(...)`, `.readlines()`, `.split()`, `.splitlines()`) into
a name that is read exactly once afterwards, by a `for` loop, a comprehension or a
consuming call (`sum`, `max`, `Counter`, ...). Then a generator would hold one item at a
time. The gain is at most the bytes that line holds at the peak.

Thresholds: the line holds 10% of the peak and 1 MiB or more.
"""

from __future__ import annotations

import ast

from workbench.hints.code import Function, parse_function
from workbench.hints.evidence import Evidence, Hint
from workbench.source import function_block

__all__ = ["stream_hints"]

MIN_PEAK_SHARE = 0.10
MIN_BYTES = 1 << 20
_LIST_METHODS = {"readlines", "splitlines", "split"}
_CONSUMERS = {"sum", "min", "max", "any", "all", "set", "frozenset", "dict", "Counter", "join"}
_CONSUMERS |= {"nlargest", "nsmallest", "enumerate", "zip", "map", "filter", "deque"}


def stream_hints(evidence: Evidence) -> list[Hint]:
    """Stream hints for the allocation sites that qualify."""
    peak = evidence.peak or 0
    if evidence.memory != "tracemalloc" or peak <= 0:
        return []
    hints = []
    by_file: dict[str, list[tuple[int, str]]] | None = None
    for filename, lineno, size in evidence.allocations:
        if size < max(MIN_PEAK_SHARE * peak, MIN_BYTES):
            continue
        if not evidence.index.is_user_code(filename):
            continue
        if by_file is None:  # once: a pass over every function per site was 0.3 s at 200,000
            by_file = _functions_by_file(evidence)
        owner = _enclosing(by_file.get(filename, []), filename, lineno)
        if owner is None:
            continue
        name, first = owner
        function = parse_function(filename, first)
        found = _built_then_read_once(function, lineno) if function else None
        if found is None:
            continue
        variable, how, reader_line = found
        mib = size / 2**20
        hints.append(
            Hint(
                kind="stream",
                function=name,
                filename=filename,
                line=lineno,
                evidence=(
                    f"this line holds {mib:,.1f} MiB at the peak ({size / peak:.0%} of the "
                    f"{peak / 2**20:,.1f} MiB peak, tracemalloc); `{variable}` is then read "
                    f"once, by the {how} at line {reader_line}"
                ),
                max_gain=float(size),
                unit="B",
                suggestion=_sketch(variable, how),
            )
        )
    return hints


def _functions_by_file(evidence: Evidence) -> dict[str, list[tuple[int, str]]]:
    """The profiled functions' (first line, name) per file, in the statistics' order."""
    by_file: dict[str, list[tuple[int, str]]] = {}
    for file, first, name in evidence.stats:
        by_file.setdefault(file, []).append((first, name))
    return by_file


def _enclosing(
    functions: list[tuple[int, str]], filename: str, lineno: int
) -> tuple[str, int] | None:
    """(name, first line) of the profiled function of `filename` (`functions`: its
    (first line, name) pairs) whose source holds `lineno`."""
    best: tuple[str, int] | None = None
    for first, name in functions:
        if first > lineno or name.startswith("<"):
            continue
        if first + len(function_block(filename, first)) > lineno and (
            best is None or first > best[1]
        ):
            best = (name, first)
    return best


def _builds_list(value: ast.expr) -> bool:
    if isinstance(value, ast.ListComp | ast.List):
        return True
    if isinstance(value, ast.Call):
        func = value.func
        if isinstance(func, ast.Name) and func.id == "list":
            return True
        if isinstance(func, ast.Attribute) and func.attr in _LIST_METHODS:
            return True
    return False


def _built_then_read_once(function: Function, lineno: int) -> tuple[str, str, int] | None:
    """(variable, what reads it, its line) if `lineno` builds a list read once after."""
    assigned = [
        node
        for node in ast.walk(function.node)
        if isinstance(node, ast.Assign)
        and function.line(node) == lineno
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and _builds_list(node.value)
    ]
    if len(assigned) != 1:
        return None
    variable = assigned[0].targets[0].id  # type: ignore[attr-defined]
    stores = [
        n
        for n in ast.walk(function.node)
        if isinstance(n, ast.Name) and n.id == variable and isinstance(n.ctx, ast.Store)
    ]
    loads = [
        n
        for n in ast.walk(function.node)
        if isinstance(n, ast.Name) and n.id == variable and isinstance(n.ctx, ast.Load)
    ]
    if len(stores) != 1 or len(loads) != 1:
        return None  # reassigned, or read more than once: it may be needed whole
    load = loads[0]
    for node in ast.walk(function.node):
        if isinstance(node, ast.For | ast.comprehension) and node.iter is load:
            kind = "for loop" if isinstance(node, ast.For) else "comprehension"
            return variable, kind, function.line(load)
        if isinstance(node, ast.Call) and load in node.args:
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if called in _CONSUMERS:
                return variable, f"call to {called}()", function.line(load)
    return None


def _sketch(variable: str, how: str) -> str:
    return (
        f"make `{variable}` a generator that yields one item at a time: a generator "
        f"expression `(... for ...)` instead of `[... for ...]`, iterating a file object "
        f"instead of .readlines() (inside its `with` block), or a function that yields; "
        f"the {how} then consumes it as it is produced"
    )
