"""User code in the user's own project: `notebooks/` beside `src/`, and the user_code rule.

The project is written into a temporary folder as users lay theirs out; the package is
imported from `../src` with `notebooks/` as the working folder, and from the project root.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import workbench
from workbench.errors import OptionError
from workbench.report.summary import _hottest_function
from workbench.source import SourceIndex
from workbench.source.user_code import ENV_VAR

SHOP = textwrap.dedent(
    '''
    AGENTS = ["Mozilla/5.0 (X11; Linux)", "curl/8.1", "python-httpx/0.27", "Wget/1.21"]


    def classify(agent):
        """Pure, slow, few distinct arguments: a cache candidate.

        Its time is its own loop's (no generator, no built-in per step), so it is the
        clear hotspot: a generator resumed per character would be charged cProfile's
        per-call cost on each resume, leaving its own time to the correction's noise.
        """
        h = 0
        for ch in agent:
            code = ord(ch)
            for k in range(40):
                h = (h * 31 + code + k) % 1_000_003
        return h % 7


    def busy(n):
        total = 0
        for i in range(n):
            total += classify(AGENTS[i % len(AGENTS)])
        return total
    '''
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project: src/shop/work.py (a package), notebooks/ (the working folder)."""
    package = tmp_path / "src" / "shop"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "work.py").write_text(SHOP)
    (tmp_path / "notebooks").mkdir()
    monkeypatch.delenv(ENV_VAR, raising=False)
    yield tmp_path
    for name in ("shop", "shop.work"):
        sys.modules.pop(name, None)


def _import_from(project: Path, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.chdir(cwd)
    # As a notebook does: sys.path.insert(0, "../src") (or "src" from the root).
    monkeypatch.syspath_prepend(str(Path(cwd, "../src" if cwd.name == "notebooks" else "src")))
    importlib.invalidate_caches()
    return importlib.import_module("shop.work")


@pytest.mark.parametrize("where", ["notebooks", "root"])
def test_a_src_package_is_user_code_from_notebooks_and_from_the_root(
    project: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    cwd = project / "notebooks" if where == "notebooks" else project
    work = _import_from(project, cwd, monkeypatch)
    report = workbench.profile(work.busy, 4_000)  # type: ignore[attr-defined]

    functions = report.functions.set_index("function")
    assert bool(functions.loc["classify", "user_code"])
    assert functions.loc["classify", "file"] == "shop/work.py"  # the same from both
    assert ".." not in "".join(report.functions["file"])
    assert report.summary.hottest_function is not None
    assert "(shop/work.py:" in report.summary.hottest_function
    assert report.summary.hottest_line is not None
    assert report.summary.hottest_line.startswith("shop/work.py:")
    assert "shop/work.py" in set(report.lines["file"])
    assert ("cache", "classify") in set(
        zip(report.hints["kind"], report.hints["function"], strict=True)
    )


def test_the_rule_removes_and_adds_folders_and_modules(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = _import_from(project, project / "notebooks", monkeypatch)
    removed = workbench.profiling(user_code=["!../src/shop"]).run(work.busy, 300)  # type: ignore[attr-defined]
    assert not removed.functions["user_code"].any()
    assert any("no code of yours ran" in note for note in removed.summary.notes)

    added = workbench.profiling(user_code=["json"], lines=None).run(json.loads, "[1, 2]")
    files = added.functions.set_index("file")["user_code"]
    assert len(files.filter(like="json/"))
    assert bool(files.filter(like="json/").all())
    assert not any("no code of yours ran" in note for note in added.summary.notes)


def test_the_environment_variable_and_bad_entries(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = _import_from(project, project / "notebooks", monkeypatch)
    monkeypatch.setenv(ENV_VAR, str(project / "src" / "shop"))
    index = SourceIndex(rule=workbench.ProfileOptions(user_code=["!../src"]).user_rule)
    assert index.is_user_code(work.__file__)  # type: ignore[attr-defined]  # deeper wins

    monkeypatch.setenv(ENV_VAR, "no_such_module_here")
    with pytest.raises(OptionError, match=ENV_VAR):
        workbench.ProfileOptions()
    monkeypatch.delenv(ENV_VAR)
    with pytest.raises(OptionError, match="neither a file or folder"):
        workbench.ProfileOptions(user_code=["no_such_module_here"])
    with pytest.raises(OptionError, match="not an existing file or folder"):
        workbench.ProfileOptions(user_code=["../no/such/folder"])
    with pytest.raises(OptionError, match="a list") as raised:
        workbench.ProfileOptions(user_code=[[1] * 50_000])
    assert len(str(raised.value)) < 300  # a short prefix of the value, never all of it


def test_the_default_rule_by_kind_of_file(project: Path) -> None:
    index = SourceIndex(cwd=str(project / "notebooks"))
    assert index.is_user_code(str(project / "src" / "shop" / "work.py"))
    assert not index.is_user_code(json.__file__)  # the standard library
    assert not index.is_user_code(pd.__file__)  # an installed distribution
    assert not index.is_user_code(workbench.__file__)
    assert not index.is_user_code("<string>")  # dataclasses', namedtuple's generated code
    assert not index.is_user_code("<frozen importlib._bootstrap>")
    assert index.is_user_code("<stdin>")
    assert index.label(str(project / "notebooks" / ".." / "src" / "x.py")) == str(
        project / "src" / "x.py"
    )


@dataclasses.dataclass
class _Point:
    x: int
    y: int


def test_the_hottest_function_does_real_work() -> None:
    def frame(rows: list[tuple[str, str, float, bool]]) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {"function": f, "file": file, "line": 1, "tottime": t, "user_code": u}
                for f, file, t, u in rows
            ]
        )

    # A cell's <module> with 0.01% must not beat a library function with most of the time.
    table = frame([("<module>", "In[6]", 0.0005, True), ("merge", "pandas/x.py", 0.9, False)])
    assert _hottest_function(table) == "merge (pandas/x.py:1)"
    table = frame([("work", "shop/w.py", 0.3, True), ("merge", "pandas/x.py", 0.7, False)])
    assert _hottest_function(table) == "work (shop/w.py:1)"

    # A dataclass's generated __init__ (compiled from <string>) is not the user's.
    report = workbench.profile(lambda: [_Point(i, i) for i in range(3)])
    init = report.functions[report.functions["function"] == "__init__"]
    assert not init.empty  # cProfile's snapshot kept one of two same-named code objects
    assert not init["user_code"].any()
