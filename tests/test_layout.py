"""The package's own layout: its paths come from one place, and none of it is user code."""

from __future__ import annotations

from pathlib import Path

from workbench import _paths
from workbench.source import SourceIndex

PACKAGE = Path(_paths.__file__).resolve().parent


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
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 20
    for module in modules:
        assert _paths.is_own_file(str(module)), module
        assert not index.is_user_code(str(module)), module
