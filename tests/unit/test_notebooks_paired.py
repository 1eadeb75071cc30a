"""Every notebook has a paired py:percent file (jupytext) with the same cells.

The `.py` files are what ruff and reviewers read; the `.ipynb` files are what JupyterLab
opens and nbval re-runs against their committed outputs. After editing one side, run
`.venv/bin/jupytext --sync notebooks/NAME.ipynb` (JupyterLab does it on save).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PAIRS = sorted(NOTEBOOKS.glob("*.ipynb"))


def _cells(path: Path) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in jupytext.read(path).cells]


def differences(notebook: Path) -> list[str]:
    """How `notebook` and its paired .py differ: missing, unpaired, or the first cell that
    is not the same on both sides."""
    text = notebook.with_suffix(".py")
    if not text.exists():
        return [f"{text.name} is missing: jupytext --set-formats ipynb,py:percent {notebook}"]
    formats = jupytext.read(notebook).metadata.get("jupytext", {}).get("formats", "")
    found = [] if formats == "ipynb,py:percent" else [f"{notebook.name} is not paired"]
    ours, theirs = _cells(notebook), _cells(text)
    for n, (a, b) in enumerate(zip(ours, theirs, strict=False)):
        if a != b:
            return [*found, f"cell {n} differs: {a[1][:60]!r} vs {b[1][:60]!r}"]
    if len(ours) != len(theirs):
        found.append(f"{len(ours)} cells in {notebook.name}, {len(theirs)} in {text.name}")
    return found


def test_there_are_notebooks() -> None:
    assert len(PAIRS) >= 5


@pytest.mark.parametrize("notebook", PAIRS, ids=lambda p: p.stem)
def test_each_notebook_and_its_text_agree(notebook: Path) -> None:
    assert differences(notebook) == []


def test_every_text_file_is_a_notebooks_pair() -> None:
    texts = {p.stem for p in NOTEBOOKS.glob("*.py")}
    assert texts == {p.stem for p in PAIRS}


def test_an_edit_on_one_side_is_caught(tmp_path: Path) -> None:
    notebook = tmp_path / PAIRS[0].name
    shutil.copy(PAIRS[0], notebook)
    text = notebook.with_suffix(".py")
    shutil.copy(PAIRS[0].with_suffix(".py"), text)
    assert differences(notebook) == []
    text.write_text(text.read_text().replace("import workbench", "import workbench as wb", 1))
    assert differences(notebook) != []
    text.unlink()
    assert "missing" in differences(notebook)[0]
