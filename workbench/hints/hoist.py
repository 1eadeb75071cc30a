"""The hoist hint: the same value computed again on every call or every iteration.

Evidence: the function's source shows a statement that reads nothing that changes
between repetitions (inside a loop: no name the loop assigns; in a function called many
times: no parameter or local, only globals and constants) and calls only functions known
to be pure (builtins such as `dict` or `sorted`, `re`, `json`, `math`, str and dict
methods that build values); the CPU-time samples of its line give its cost in this run. Computed
once, it would cost one repetition's share: the gain is at most its sampled time times
(1 - 1/repetitions).

Thresholds: 3 samples and 2% of the CPU time on the line; a function hint needs 50 calls.
"""

from __future__ import annotations

import ast
from collections import defaultdict

from workbench.hints.code import Function, impurity, parse_function
from workbench.hints.evidence import Evidence, Hint, StatsKey

__all__ = ["hoist_hints"]

MIN_SAMPLES = 3
MIN_CPU_SHARE = 0.02
MIN_CALLS = 50


def hoist_hints(evidence: Evidence) -> list[Hint]:
    """Hoist hints for the sampled lines that qualify."""
    if evidence.sample_seconds <= 0 or evidence.cpu <= 0:
        return []
    by_function: dict[StatsKey, dict[int, int]] = defaultdict(dict)
    for (code, line), samples in evidence.line_samples.items():
        key = (code.co_filename, code.co_firstlineno, code.co_name)
        by_function[key][line] = samples
    hints = []
    for key, lines in by_function.items():
        if key[2].startswith("<"):
            continue  # module or cell top level, lambda: not a function to hoist out of
        entry = evidence.stats.get(key)
        hot = {
            line: n
            for line, n in lines.items()
            if n >= MIN_SAMPLES and n * evidence.sample_seconds >= MIN_CPU_SHARE * evidence.cpu
        }
        if entry is None or not hot:
            continue
        function = parse_function(key[0], key[1])
        if function is None:
            continue
        for statement, repeats, what in _invariant_statements(function, int(entry[1])):
            line = function.line(statement)
            if line not in hot or impurity(function, within=statement) is not None:
                continue
            # Samples estimate; cProfile measured the function: never claim more.
            seconds = min(hot[line] * evidence.sample_seconds, float(entry[3]))
            source = ast.unparse(statement).splitlines()[0][:80]
            hints.append(
                Hint(
                    kind="hoist",
                    function=key[2],
                    filename=key[0],
                    line=line,
                    evidence=(
                        f"`{source}` took about {seconds:.3g} s of CPU ({hot[line]} samples, "
                        f"{seconds / evidence.cpu:.0%} of CPU) and reads nothing that "
                        f"changes {what}" + (f" ({repeats:,} calls)" if repeats else "")
                    ),
                    # In a loop the number of iterations is not measured: at most all of it.
                    max_gain=seconds * (1 - 1 / repeats) if repeats else seconds,
                    unit="s",
                    suggestion=(
                        "compute it once, before the loop (if it gives the same value every time)"
                        if what == "between iterations"
                        else f"compute it once outside {key[2]} (module level, or pass it "
                        "in), if the globals it reads do not change meanwhile"
                    ),
                )
            )
    return hints


def _stores(node: ast.AST) -> set[str]:
    return {
        n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def _reads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _free_reads(node: ast.AST) -> set[str]:
    """Names `node` reads, less those its own comprehensions bind."""
    bound = {
        name
        for inner in ast.walk(node)
        if isinstance(inner, ast.comprehension)
        for name in _stores(inner.target)
    }
    return _reads(node) - bound


# Calls known to give the same result for the same inputs and to touch nothing else.
# Any other call (a client's .get, a cursor's .execute, a user function) may do I/O or
# keep state, and repeating it may be the point (a retry loop): no hint then.
_PURE_FUNCTIONS = {
    "dict", "list", "set", "frozenset", "tuple", "sorted", "len", "sum", "min", "max",
    "range", "enumerate", "zip", "abs", "round", "int", "float", "str", "bool", "map",
    "filter", "any", "all", "reversed",
}  # fmt: skip
_PURE_MODULES = {"re", "json", "math", "operator", "string", "itertools", "functools"}
_PURE_METHODS = {
    "items", "keys", "values", "copy", "split", "rsplit", "strip", "lower", "upper",
    "replace", "format", "join", "count", "startswith", "endswith", "find",
}  # fmt: skip


def _pure_call(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in _PURE_FUNCTIONS
    if isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Name) and func.value.id in _PURE_MODULES:
            return True
        return func.attr in _PURE_METHODS
    return False


def _computes(statement: ast.stmt) -> bool:
    """Whether the statement does work worth hoisting (a comprehension or a call) and
    every call in it is a known pure one."""
    kinds = ast.Call | ast.ListComp | ast.DictComp | ast.SetComp | ast.GeneratorExp
    value = getattr(statement, "value", None)
    if value is None or not any(isinstance(n, kinds) for n in ast.walk(value)):
        return False
    return all(_pure_call(n) for n in ast.walk(value) if isinstance(n, ast.Call))


def _invariant_statements(function: Function, calls: int) -> list[tuple[ast.stmt, int, str]]:
    """(statement, repetitions (0: not known), "between iterations" or "between calls")."""
    found: list[tuple[ast.stmt, int, str]] = []
    local = function.locals()
    if calls >= MIN_CALLS:
        for statement in function.node.body:
            if (
                isinstance(statement, ast.Assign)
                and _computes(statement)
                and not _free_reads(statement.value) & local
            ):
                found.append((statement, calls, "between calls"))
    for loop in ast.walk(function.node):
        if not isinstance(loop, ast.For | ast.While):
            continue
        changing = _stores(loop)
        for statement in loop.body:
            if (
                isinstance(statement, ast.Assign | ast.Expr)
                and _computes(statement)
                and not _free_reads(statement) & changing
            ):
                found.append((statement, 0, "between iterations"))
    return found
