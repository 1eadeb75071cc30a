"""The packaging metadata, checked offline: environment.yml and pyproject.toml name the
same packages (runtime, test and dask extras), the license file is the declared license,
the version is written once.
(tests/packaging builds the wheel and installs it.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
# conda-forge names a few packages otherwise than PyPI does.
_PYPI_NAME = {"python-build": "build"}


def _name(spec: str) -> str:
    """A package's canonical name: lower case, "-" for "_" (PEP 503, conda-forge alike)."""
    match = re.match(r"[A-Za-z0-9_.\-]+", spec.strip())
    assert match, spec
    return match.group(0).lower().replace("_", "-")


def _conda_specs() -> list[str]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    return [d for d in environment["dependencies"] if isinstance(d, str)]


def test_environment_names_the_same_packages_as_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_names = {_name(s) for s in project["dependencies"]}
    pip_names |= {_name(s) for s in project["optional-dependencies"]["test"]}
    # dask[distributed] is two packages on conda-forge: dask and distributed.
    for spec in project["optional-dependencies"]["dask"]:
        pip_names |= {_name(spec), *re.findall(r"\[(\w+)\]", spec)}
    conda_names = {_PYPI_NAME.get(_name(s), _name(s)) for s in _conda_specs()} - {"python", "pip"}
    assert conda_names == pip_names


def test_environment_specs_are_valid_conda_match_specs() -> None:
    import rattler

    for spec in _conda_specs():
        rattler.MatchSpec(spec)  # raises on a malformed spec


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_license_file_is_the_declared_license() -> None:
    project = _pyproject()["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge, to any person" in text


def test_the_version_is_written_once_in_the_package() -> None:
    import workbench

    pyproject = _pyproject()
    assert "version" not in pyproject["project"]
    assert pyproject["project"]["dynamic"] == ["version"]
    dynamic = pyproject["tool"]["setuptools"]["dynamic"]
    assert dynamic["version"] == {"attr": "workbench.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", workbench.__version__)


def test_the_type_hints_ship_with_the_package() -> None:
    """PEP 561: py.typed in the package, and in its package data."""
    assert (ROOT / "workbench" / "py.typed").is_file()
    assert "py.typed" in _pyproject()["tool"]["setuptools"]["package-data"]["workbench"]
