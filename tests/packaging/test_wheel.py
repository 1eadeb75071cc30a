"""The package as users get it: `python -m build` makes an sdist and a wheel that twine
accepts, and the wheel, installed (not editable) into a fresh venv, works there.

The venv has no system site-packages: pip installs the wheel's dependencies from the
package index, as on a user's machine (about a minute with pip's cache cold). Everything
in the venv runs from a folder outside this checkout, without PYTHONPATH, so the only
workbench its Python can import, in the process and in the child processes it starts
(`python -m workbench...`), is the installed one; the check asserts where it came from.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]
CHECK = Path(__file__).with_name("installed_check.py")
TIMEOUT = 900  # seconds; pip downloads the dependencies into the fresh venv


def _version() -> str:
    """workbench.__version__, read from the source as setuptools reads it."""
    tree = ast.parse((ROOT / "workbench" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__version__":
            assert isinstance(node.value, ast.Constant)
            return str(node.value.value)
    raise AssertionError("no __version__ in workbench/__init__.py")


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _outside_env() -> dict[str, str]:
    """The environment without anything that points Python at this checkout."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
    }


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel `python -m build` makes (the wheel is built from the sdist)."""
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], cwd=out)
    return out


@pytest.fixture(scope="module")
def venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; returns its python."""
    home = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", str(home / "env")], cwd=home)
    python = home / "env" / "bin" / "python"
    (wheel,) = dist.glob("*.whl")
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _run([*pip, str(wheel)], cwd=home, env=_outside_env())
    return python


def test_twine_accepts_the_wheel_which_ships_the_package_its_data_and_license(dist: Path) -> None:
    files = sorted(str(p) for p in dist.iterdir())
    assert sorted(Path(f).suffix for f in files) == [".gz", ".whl"]
    _run([sys.executable, "-m", "twine", "check", "--strict", *files], cwd=dist)
    version = _version()
    (wheel,) = dist.glob(f"architect_workbench-{version}-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"architect_workbench-{version}.dist-info"
        metadata = archive.read(f"{info}/METADATA").decode()
        license_text = archive.read(f"{info}/licenses/LICENSE").decode()
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    for shipped in ("py.typed", "render/report.css", "__main__.py", "cli/run.py"):
        assert f"workbench/{shipped}" in names
    assert {name.split("/")[0] for name in names} == {"workbench", info}
    assert license_text == (ROOT / "LICENSE").read_text()
    assert license_text.startswith("MIT License\n")
    assert "License-Expression: MIT\n" in metadata
    assert f"Version: {version}\n" in metadata
    assert "Classifier: Typing :: Typed\n" in metadata
    assert "architect-workbench = workbench.cli:main" in entry_points


def test_the_sdist_holds_what_a_build_needs(dist: Path) -> None:
    version = _version()
    (sdist,) = dist.glob(f"architect_workbench-{version}.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[-1] for name in archive.getnames()}
    for needed in ("pyproject.toml", "README.md", "LICENSE", "workbench/py.typed"):
        assert needed in names
    assert "workbench/render/report.css" in names


def test_the_installed_wheel_works_in_a_fresh_venv(venv: Path, tmp_path: Path) -> None:
    seen = tmp_path / "facts.json"
    _run([str(venv), str(CHECK), str(seen)], cwd=tmp_path, env=_outside_env())
    facts = json.loads(seen.read_text())
    site_packages = Path(str(facts["site_packages"]))
    assert site_packages.is_relative_to(venv.parent.parent)
    assert Path(str(facts["workbench"])) == site_packages / "workbench" / "__init__.py"
    assert facts["version"] == _version()
    assert facts["py_typed"] is True
    assert "pipeline" in facts["api_functions"]
    assert facts["api_rss_samples"] >= 2  # the RSS sampler's child ran
    assert facts["page_has_the_css"] is True
    assert facts["magic_ran"] is True
    assert facts["magic_label"] == "pipeline(20_000)"
    assert facts["magic_saved"] == ["profile.prof", "report.html", "report.json"]
    assert facts["snakeviz_error"] is None
    assert facts["snakeviz_page"] == [200, True]  # the snakeviz child served its page
    assert facts["demo_api_record"] == 3  # the demo API's child answered
    assert facts["servers_stopped"] >= 2  # snakeviz and the RSS sampler


def test_the_installed_command_line_runs_a_script(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "tiny.py").write_text(
        "import sys, workbench\n"
        "def double(xs):\n    return [2 * x for x in xs]\n"
        "print(len(double(range(1000))), workbench.__file__)\n"
        "sys.exit(4)\n"
    )
    command = [str(venv), "-m", "workbench", "run", "-s", "saved", "tiny.py"]
    done = subprocess.run(
        command, cwd=tmp_path, env=_outside_env(), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 4, done.stderr
    count, imported = done.stdout.split()
    assert count == "1000"
    assert Path(imported).is_relative_to(venv.parent.parent / "lib")  # site-packages
    assert done.stderr.startswith("Architect Workbench: tiny.py  [complete]")
    assert "double" in done.stderr
    script = venv.parent / "architect-workbench"
    shown = _run([str(script), "show", "saved", "-t", "3"], cwd=tmp_path, env=_outside_env())
    assert shown.startswith("Architect Workbench: tiny.py  [complete]")
