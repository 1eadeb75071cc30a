"""The magics in a real Jupyter kernel, run through nbclient as nbval and JupyterLab do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tests.workloads import CELL_SOURCE

pytestmark = pytest.mark.kernel

SETUP = "%load_ext workbench\n" + CELL_SOURCE

CELLS = [
    SETUP,
    "%architect_profile -o rep1 score(parse(50000))",
    "%%architect_profile -l score -o rep2\nvalues = parse(20000)\nresult = score(values)\nresult",
    "%architect_profile -m lines -l grow -o rep3 grow(16)",
    """
import sys, tracemalloc
from workbench.hooks import HookState
assert rep1.functions_in_user_code().iloc[0]["function"] == "score"
assert rep1.functions_in_user_code().iloc[0]["file"] == "In[1]"
assert rep2.lines.iloc[0]["source"].strip() == "total += (v * k) % 7"
assert rep2.lines.iloc[0]["hits"] == 20000 * 12
assert result == score(values)
row = rep3.memory[rep3.memory["source"].str.contains("block = ")].iloc[0]
assert row["count"] == 1 and row["size"] > 8 << 20
assert sys.getprofile() is None and sys.gettrace() is None and not tracemalloc.is_tracing()
print("checks passed")
""",
]


def execute(cells: list[str], tmp_path: Path) -> Any:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    client = NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()
    return notebook


def test_magics_in_a_real_kernel(tmp_path: Path) -> None:
    notebook = execute(CELLS, tmp_path)
    outputs = [cell.outputs for cell in notebook.cells]
    for index in (1, 2, 3):
        data = [o["data"] for o in outputs[index] if o["output_type"] == "display_data"]
        assert len(data) == 1, outputs[index]
        assert "text/html" in data[0]
        assert "text/plain" in data[0]
        assert "Architect Workbench" in data[0]["text/html"]
    # the line magic's and the cell's final values are shown as Out[n], after the report
    assert outputs[1][-1]["output_type"] == "execute_result"
    assert outputs[2][-1]["output_type"] == "execute_result"
    assert "Lines of score" in outputs[2][0]["data"]["text/plain"]
    assert "Memory per line" in outputs[3][0]["data"]["text/html"]
    assert outputs[4][-1]["text"] == "checks passed\n"


def test_fault_in_a_real_kernel_shows_report_and_stops_run_all(tmp_path: Path) -> None:
    cells = [
        SETUP,
        "%%architect_profile\nfirst = parse(10)\nraise ValueError('bad record')",
        "after = 1",
    ]
    with pytest.raises(CellExecutionError, match="bad record"):
        execute(cells, tmp_path)


def test_fault_outputs_in_a_real_kernel(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    cells = [SETUP, "%%architect_profile\nfirst = parse(10)\nraise ValueError('bad record')"]
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    client = NotebookClient(
        notebook,
        timeout=180,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": tmp_path}},
    )
    client.execute()
    outputs = notebook.cells[1].outputs
    kinds = [o["output_type"] for o in outputs]
    assert kinds == ["display_data", "error"]
    assert "incomplete" in outputs[0]["data"]["text/html"]
    assert outputs[1]["ename"] == "ValueError"
