"""-m tracemalloc on code defined in a cell: a library's allocations are the cell line's."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import run

pytestmark = pytest.mark.ipython

CELL = """\
import json

def sum_cell_ids(lines):
    records = [json.loads(line.split(" ", 3)[3]) for line in lines]
    total = 0
    for record in records:
        total += record["id"]
    return total

cell_lines = [f"2024-05-01 12:00 INFO {json.dumps({'id': i})}" for i in range(40_000)]
"""


def test_stream_hint_and_function_for_a_cell_line(ip: Any) -> None:
    result, _ = run(ip, CELL)
    assert result.success
    result, _ = run(ip, "%architect_profile -q -m tracemalloc -o rep sum_cell_ids(cell_lines)")
    assert result.success
    report = ip.user_ns["rep"]
    top = report.memory.iloc[0]
    assert top["file"].startswith("In[")
    assert (top["lineno"], top["function"]) == (4, "sum_cell_ids")
    stream = report.hints[report.hints["kind"] == "stream"]
    assert list(zip(stream["function"], stream["line"], strict=True)) == [("sum_cell_ids", 4)]
    # the cells (this one's and the magic's), no row of the workbench's own
    assert report.memory["file"].str.startswith("In[").all()
