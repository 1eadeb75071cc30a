"""environment.yml and pyproject.toml name the same packages; checked offline."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


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
    conda_names = {_name(s) for s in _conda_specs()} - {"python", "pip"}
    assert conda_names == pip_names


def test_environment_specs_are_valid_conda_match_specs() -> None:
    import rattler

    for spec in _conda_specs():
        rattler.MatchSpec(spec)  # raises on a malformed spec
