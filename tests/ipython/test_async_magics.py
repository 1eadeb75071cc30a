"""The magics on code that awaits, in an in-process IPython shell (autoawait on)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import workbench
from tests.helpers import body, html_outputs, run
from workbench.collectors.tasks import HANDLE_RUN
from workbench.session.hooks import HookState

pytestmark = pytest.mark.ipython


@pytest.fixture(scope="module")
def aio(ip: Any) -> Any:
    result, _ = run(ip, "from tests.async_workloads import *\nimport asyncio, httpx")
    assert result.success
    return ip


def test_await_cell_runs_on_the_shells_loop_and_keeps_the_namespace(aio: Any) -> None:
    # An await cell without the magic: IPython runs it on its loop.
    result, _ = run(aio, "await asyncio.sleep(0)\nloop_before = asyncio.get_running_loop()")
    assert result.success
    cell = (
        "%%architect_profile -o rep\n"
        "counts = await tickers([2, 3])\n"
        "loop_inside = asyncio.get_running_loop()\n"
        "sum(counts)"
    )
    result, captured = run(aio, cell)
    assert result.success, result.error_in_exec
    ns = aio.user_ns
    assert ns["counts"] == [2, 3]
    assert result.result == 5  # the last value is the cell's Out, as without the magic
    assert ns["loop_inside"] is ns["loop_before"]  # not a new loop, not a thread
    (html,) = html_outputs(captured)
    assert "the event loop idle" in html
    assert "Tasks: top" in html
    report = ns["rep"]
    tasks = report.tasks
    assert sorted(tasks[tasks["coroutine"] == "ticker"]["resumptions"]) == [2, 3]
    host = tasks[tasks["coroutine"].str.startswith("cell: counts = await")]
    assert host["resumptions"].tolist() == [1]
    assert report.summary.label == "cell: counts = await tickers([2, 3]) …"


def test_a_client_from_an_earlier_cell_works_inside(aio: Any, latency_server: str) -> None:
    setup = f"client = httpx.AsyncClient()\nurls = ['{latency_server}/' + str(i) for i in range(4)]"
    assert run(aio, setup)[0].success
    assert run(aio, "await client.get(urls[0])")[0].success  # binds the client to the loop
    cell = "%%architect_profile -q -o rep\nresults = await fetch_sequential(client, urls)"
    result, _ = run(aio, cell)
    assert result.success, result.error_in_exec
    assert aio.user_ns["results"] == [body(i) for i in range(4)]
    summary = aio.user_ns["rep"].summary
    assert summary.waiting_seconds is not None
    # The server sleeps LATENCY before each of the 4 answers, one request at a time: the
    # loop sat in its selector. How long is the machine's business (a clean-clone CI run
    # on a busy machine measured 0.194 s of the 0.2 s the server slept: the selector woke
    # for the sockets' other events in between), so only that it waited is asserted.
    assert 0 < summary.waiting_seconds <= summary.wall_seconds
    assert run(aio, "await client.aclose()")[0].success


def test_await_line_magic_with_assignment(aio: Any) -> None:
    result, _ = run(aio, "got = %architect_profile -q -o rep await tickers([1, 4])")
    assert result.success, result.error_in_exec
    assert aio.user_ns["got"] == [1, 4]
    tasks = aio.user_ns["rep"].tasks
    assert sorted(tasks[tasks["coroutine"] == "ticker"]["resumptions"]) == [1, 4]


def test_async_for_and_async_with_cells(aio: Any) -> None:
    setup = (
        "async def numbers(n):\n"
        "    for i in range(n):\n"
        "        await asyncio.sleep(0)\n"
        "        yield i\n"
    )
    assert run(aio, setup)[0].success
    cell = (
        "%%architect_profile -q\n"
        "seen = []\n"
        "async with asyncio.timeout(10):\n"
        "    async for i in numbers(3):\n"
        "        seen.append(i)\n"
    )
    result, _ = run(aio, cell)
    assert result.success, result.error_in_exec
    assert aio.user_ns["seen"] == [0, 1, 2]


def test_cells_without_await_stay_synchronous(aio: Any) -> None:
    python = aio.transform_cell("%%architect_profile\nx = 1\n")
    assert "run_cell_magic('architect_profile'" in python
    python = aio.transform_cell("%%architect_profile -t 5\nx = await tickers([1])\n")
    assert "architect_profile_async('-t 5'" in python
    python = aio.transform_cell("y = %architect_profile await tickers([1])\n")
    assert python.startswith("y = await get_ipython()")


def test_fault_in_an_await_cell_shows_partial_report_then_raises(aio: Any) -> None:
    before = HookState.capture()
    cell = "%%architect_profile\nawait tickers([2])\nraise ValueError('bad page')"
    result, captured = run(aio, cell)
    assert isinstance(result.error_in_exec, ValueError)
    assert str(result.error_in_exec) == "bad page"
    (html,) = html_outputs(captured)
    assert "incomplete" in html
    assert before.differences(HookState.capture()) == []
    assert asyncio.events.Handle._run is HANDLE_RUN


def test_unawaited_coroutine_is_warned_about(aio: Any) -> None:
    result, captured = run(aio, "%architect_profile -o rep ticker(1)")
    assert result.success
    (warning,) = aio.user_ns["rep"].summary.warnings
    assert "without awaiting it" in warning
    assert "awb-warn" in html_outputs(captured)[0]
    result.result.close()


def test_await_with_autoawait_off_is_a_usage_error(aio: Any) -> None:
    aio.run_cell("%autoawait off")
    try:
        result, _ = run(aio, "%%architect_profile\nawait tickers([1])")
    finally:
        aio.run_cell("%autoawait asyncio")
    assert "autoawait" in str(result.error_in_exec)


def test_nested_profiling_in_an_await_cell_is_refused(aio: Any) -> None:
    cell = "%%architect_profile -q\nwith workbench.profiling():\n    await tickers([1])"
    aio.user_ns["workbench"] = workbench
    result, _ = run(aio, cell)
    assert isinstance(result.error_in_exec, workbench.ProfilerBusyError)
