"""`--snakeviz` in an in-process IPython shell."""

from __future__ import annotations

from typing import Any

import pytest

import workbench.snakeviz.server as servers
from tests.workloads import parse

pytestmark = pytest.mark.ipython


def test_magic_option_shows_the_view(ip: Any, stopped: None) -> None:
    from IPython.utils.capture import capture_output

    ip.user_ns["parse"] = parse
    with capture_output() as captured:
        result = ip.run_cell("%architect_profile --snakeviz -q parse(100)", store_history=True)
    assert result.success
    html = [o.data["text/html"] for o in captured.outputs if "text/html" in o.data]
    assert len(html) == 1
    assert "<iframe src=" in html[0]
    assert servers._server is not None


def test_snakeviz_names_cells_as_the_report_does(ip: Any, stopped: None) -> None:
    """snakeviz reads the profile it is served: a cell is `In[n]` there, as in the report."""
    import pstats

    from IPython.utils.capture import capture_output

    ip.user_ns["parse"] = parse
    with capture_output():
        result = ip.run_cell(
            "%%architect_profile --snakeviz -q -l off\nparse(100)", store_history=True
        )
    assert result.success
    server = servers._server
    assert server is not None
    (served,) = [p for p in server.folder.iterdir() if p.suffix == ".prof"]
    files = {key[0] for key in pstats.Stats(str(served)).stats}  # type: ignore[attr-defined]
    assert f"In[{result.execution_count}]" in files
    assert not [f for f in files if f.startswith("<ipython-input-")]
