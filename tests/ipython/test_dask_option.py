"""`--dask` in the magic: auto, off, a Client's name; anything else is a usage error
that says what to give (no cluster is started here: see tests/unit/test_worker_profiles.py)."""

from __future__ import annotations

from typing import Any

import pytest
from IPython.core.error import UsageError

from tests.helpers import run
from workbench.cluster.follow import find_client
from workbench.errors import OptionError
from workbench.options import ProfileOptions

pytestmark = pytest.mark.ipython


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("no_client_here", r"--dask no_client_here: no name 'no_client_here' in the notebook"),
        ("five", r"--dask five: five is an int, not a distributed.Client"),
        ("1+2", r"--dask 1\+2: use auto, off, or the name of a distributed.Client"),
    ],
)
def test_a_bad_dask_option_is_a_usage_error(ip: Any, value: str, message: str) -> None:
    ip.user_ns["five"] = 5
    result, _ = run(ip, f"%architect_profile -q --dask {value} 1 + 1")
    assert isinstance(result.error_in_exec, UsageError)
    with pytest.raises(UsageError, match=message):
        raise result.error_in_exec


@pytest.mark.parametrize("value", ["auto", "off"])
def test_auto_and_off_run_without_a_client(ip: Any, value: str) -> None:
    result, _ = run(ip, f"%architect_profile -q -o rep --dask {value} sum(range(10))")
    assert result.success
    assert ip.user_ns["rep"].summary.plan.dask == value
    assert ip.user_ns["rep"].summary.cluster is None


@pytest.mark.parametrize("value", [True, "yes", 3])
def test_the_api_refuses_other_values(value: object) -> None:
    with pytest.raises(OptionError, match=r"dask=.*: use 'auto'"):
        ProfileOptions(dask=value)
    with pytest.raises(OptionError, match=r"dask=.*: use 'auto'"):
        find_client(value)


def test_without_distributed_a_dask_option_says_what_to_install(
    ip: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name)
    )
    ip.user_ns["client"] = object()
    result, _ = run(ip, "%architect_profile -q --dask client 1 + 1")
    assert isinstance(result.error_in_exec, UsageError)
    assert "pip install 'architect-workbench[dask]'" in str(result.error_in_exec)
