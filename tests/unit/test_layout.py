"""The package's layout, checked: where its paths come from, which way its imports run.

The import checks read the source (nothing is imported): a module-level import is one
that runs when the module is imported, at its top level or in a class body; an import
inside a function runs when it is called (a Report's `to_html` imports its renderer so);
an import under `if TYPE_CHECKING:` never runs and is left out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench import _paths
from workbench.source import SourceIndex

PACKAGE = Path(_paths.__file__).resolve().parent
MAX_LINES = 300
MAX_TOP_LEVEL_MODULES = 8
# Which subpackage may not import which: data flows collectors -> report -> render, and
# only the adapter knows IPython.
FORBIDDEN = {
    "collectors": ("session", "report", "render", "comparison", "hints", "snakeviz", "ipython"),
    "hints": ("session", "report", "render", "comparison", "snakeviz", "ipython"),
    "report": ("session", "comparison", "ipython"),
    "render": ("session", "collectors", "hints", "ipython"),
    "session": ("comparison", "render", "snakeviz", "ipython"),
    "comparison": ("ipython", "snakeviz"),
    "snakeviz": ("session", "collectors", "comparison", "ipython"),
    "cli": ("ipython",),  # an adapter, as the magics are: it never needs IPython
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(body: list[ast.stmt], module_level: bool) -> Iterator[tuple[ast.stmt, bool]]:
    """Every import statement under `body`, and whether it runs when the module is imported."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, module_level
        elif isinstance(node, ast.If):
            if not _is_type_checking(node):
                yield from _imports(node.body, module_level)
            yield from _imports(node.orelse, module_level)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _imports(node.body, False)
        elif isinstance(node, ast.ClassDef):
            yield from _imports(node.body, module_level)
        else:  # try, with, for, while: their blocks run as the module's code does
            blocks = [getattr(node, name, []) for name in ("body", "orelse", "finalbody")]
            blocks += [handler.body for handler in getattr(node, "handlers", [])]
            for block in blocks:
                yield from _imports(block, module_level)


def _targets(node: ast.stmt) -> list[str]:
    """The modules an import statement names (a `from pkg import mod` names pkg.mod)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    base = node.module or ""
    found = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES]
    return found or [base]


def imports_of(name: str, *, module_level_only: bool) -> set[str]:
    """The names `name` imports (module level only, or anywhere)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    return {
        target
        for node, at_module_level in _imports(tree.body, True)
        if at_module_level or not module_level_only
        for target in _targets(node)
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), and self-imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def _graph(*, module_level_only: bool) -> dict[str, set[str]]:
    return {
        name: {
            target
            for target in imports_of(name, module_level_only=module_level_only)
            if target in MODULES
        }
        for name in MODULES
    }


def test_no_import_circle_at_module_level() -> None:
    assert _cycles(_graph(module_level_only=True)) == []


def test_no_import_circle_even_through_the_thin_methods() -> None:
    """A Report renders, saves and shows itself by importing the module that does it when
    called; those modules never import the Report (or Comparison) class back at run time."""
    assert _cycles(_graph(module_level_only=False)) == []


def test_the_checker_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_run_one_way(package: str) -> None:
    """Lazy imports included: a renderer never profiles, a collector never renders."""
    wrong = {
        f"{name} -> {target}"
        for name in MODULES
        if name.startswith(f"workbench.{package}.") or name == f"workbench.{package}"
        for target in imports_of(name, module_level_only=False)
        if any(
            target == f"workbench.{other}" or target.startswith(f"workbench.{other}.")
            for other in FORBIDDEN[package]
        )
    }
    assert wrong == set()


def test_only_the_adapter_imports_ipython() -> None:
    importers = {
        name
        for name in MODULES
        if any(t.split(".")[0] == "IPython" for t in imports_of(name, module_level_only=False))
    }
    assert importers
    assert all(name.startswith("workbench.ipython") for name in importers), importers


def test_modules_stay_small_and_few_sit_at_the_top() -> None:
    sizes = {name: len(path.read_text().splitlines()) for name, path in MODULES.items()}
    assert {n: s for n, s in sizes.items() if s > MAX_LINES} == {}
    # __main__.py is `python -m workbench`'s entry point (two lines), not a module of it.
    top = [p for p in PACKAGE.glob("*.py") if p.name != "__main__.py"]
    assert len(top) <= MAX_TOP_LEVEL_MODULES, sorted(p.name for p in top)


def test_every_runner_module_exists() -> None:
    """A runner moved without updating `_paths` would make its callees ours, not the user's."""
    assert _paths.RUNNER_FILES
    for filename in _paths.RUNNER_FILES:
        assert Path(filename).is_file(), filename
        assert _paths.is_own_file(filename)


def test_no_module_of_the_package_counts_as_user_code() -> None:
    """Run from the repository root, the package is under the working folder: it must still
    be ours, wherever a module sits inside it."""
    index = SourceIndex(cwd=str(PACKAGE.parent))
    assert len(MODULES) > 20
    for path in MODULES.values():
        assert _paths.is_own_file(str(path)), path
        assert not index.is_user_code(str(path)), path


def test_no_test_module_imports_another() -> None:
    """Tests share helpers through tests/helpers.py and fixtures through conftest.py only."""
    tests = PACKAGE.parent / "tests"
    wrong = []
    for path in sorted(tests.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
                leaves = [n.rsplit(".", 1)[-1] for n in names if n.startswith("tests.")]
                wrong += [f"{path.name}: {leaf}" for leaf in leaves if leaf.startswith("test_")]
                wrong += [f"{path.name}: {leaf}" for leaf in leaves if leaf == "conftest"]
    assert wrong == []
