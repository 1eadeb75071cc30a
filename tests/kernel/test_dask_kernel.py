"""A user's `%%architect_profile` cell around `.compute()` on a default Dask client, in a
real kernel: the report names the worker-side hot function and line, with no Dask
option (the functions are the cell's own, shipped to the workers by value)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import execute

pytestmark = pytest.mark.kernel
pytest.importorskip("distributed")

CELLS = [
    """
%load_ext workbench
import dask
from distributed import Client, LocalCluster

cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                       host="127.0.0.1", dashboard_address="127.0.0.1:0")
client = Client(cluster)

def widen(i):
    return i + 1

def render(n):
    total = 0
    for i in range(n):
        total += len(str(widen(i)) * 400)
    return total
""",
    """%%architect_profile -o rep
parts = [dask.delayed(render)(20_000) for _ in range(6)]
total = dask.delayed(sum)(parts).compute()""",
    """
try:
    functions = rep.functions
    render_rows = functions[functions["function"] == "render"]
    assert set(render_rows["where"]) <= set(rep.summary.cluster.workers), render_rows
    assert int(render_rows["ncalls"].sum()) == 6
    widen_rows = functions[functions["function"] == "widen"]
    assert int(widen_rows["ncalls"].sum()) == 6 * 20_000
    assert rep.summary.hottest_function.startswith("render (In[1]:"), rep.summary
    assert "len(str(widen(i)) * 400)" in rep.summary.hottest_line, rep.summary
    assert rep.summary.cluster.slowest_group == "render"
    print("checks passed")
finally:
    client.close()
    cluster.close()
""",
]


def test_a_compute_cell_shows_the_workers_hot_function_and_line(tmp_path: Path) -> None:
    notebook = execute(CELLS, tmp_path)
    outputs = [cell.outputs for cell in notebook.cells]
    html = [o["data"]["text/html"] for o in outputs[1] if o["output_type"] == "display_data"]
    assert len(html) == 1
    assert "awb-taskstream" in html[0]
    assert outputs[2][-1]["text"] == "checks passed\n", outputs[2]
