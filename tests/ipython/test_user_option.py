"""`--user PATH` in the magic: a package imported from another folder, added or removed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run
from workbench.source.user_code import ENV_VAR

pytestmark = pytest.mark.ipython


def test_user_option_adds_and_removes_a_folder(
    ip: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "vendored_wb").mkdir()
    (tmp_path / "vendored_wb" / "__init__.py").write_text(
        "def spin(n):\n    return sum(i * i for i in range(n))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv(ENV_VAR, raising=False)
    try:
        assert run(ip, "import vendored_wb")[0].success
        result, _ = run(ip, "%architect_profile -q -o rep vendored_wb.spin(200_000)")
        assert result.success
        rows = ip.user_ns["rep"].functions
        assert rows[rows["file"] == "vendored_wb/__init__.py"]["user_code"].all()

        result, _ = run(ip, f"%architect_profile -q -o rep --user !{tmp_path} vendored_wb.spin(9)")
        assert result.success
        rows = ip.user_ns["rep"].functions
        assert not rows[rows["file"] == "vendored_wb/__init__.py"]["user_code"].any()

        result, _ = run(ip, "%architect_profile -q --user no_such_thing_wb vendored_wb.spin(9)")
        assert not result.success
        assert "--user" in str(result.error_in_exec) or "user_code" in str(result.error_in_exec)
    finally:
        sys.modules.pop("vendored_wb", None)
