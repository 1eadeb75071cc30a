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
