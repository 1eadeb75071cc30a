"""Async profiling through the API: tasks, resumptions, CPU vs waiting, faults."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest

import workbench
import workbench.collectors.task_records
from tests import async_workloads as aw
from tests.helpers import LATENCY, body
from workbench.collectors.tasks import HANDLE_RUN
from workbench.session.hooks import HookState

T = TypeVar("T")
# Frames of the event loop that must not be charged with the profiled code's time.
LOOP_FRAMES = {
    "_run_once",
    "run_forever",
    "select",
    "_run",
    "<method 'poll' of 'select.epoll' objects>",
}


def run(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine on a fresh loop, as a script would."""

    async def main() -> T:
        return await make()

    return asyncio.run(main())


def ticker_rows(report: workbench.Report) -> list[int]:
    tasks = report.tasks
    return sorted(tasks[tasks["coroutine"] == "ticker"]["resumptions"].tolist())


def test_resumptions_match_the_known_awaits() -> None:
    report = run(lambda: workbench.profile_async(aw.tickers, [1, 2, 3, 5]))
    assert report.result == [1, 2, 3, 5]
    assert ticker_rows(report) == [1, 2, 3, 5]
    tasks = report.tasks
    assert (tasks[tasks["coroutine"] == "ticker"]["state"] == "done").all()
    host = tasks[tasks["coroutine"] == "tickers(...)"]
    assert host["resumptions"].tolist() == [1]  # gather wakes it once, when all are done
    assert host["state"].tolist() == ["running"]
    assert (tasks["wall"] >= tasks["running"]).all()
    assert (tasks["waiting"] >= 0).all()


def test_async_with_profiles_a_block_of_a_coroutine() -> None:
    async def main() -> tuple[workbench.ProfileSession, int]:
        async with workbench.profiling(label="block") as run:
            total = await aw.ticker(4)
            total += sum(await aw.tickers([2, 2]))
        return run, total

    session, total = asyncio.run(main())
    assert total == 8
    report = session.report
    host = report.tasks[report.tasks["coroutine"] == "block"]
    assert host["resumptions"].tolist() == [4 + 1]  # four sleeps, then gather's wake-up
    assert ticker_rows(report) == [2, 2]
    assert report.summary.waiting_seconds is not None


def test_functions_are_charged_to_coroutines_not_to_the_loop() -> None:
    async def work() -> int:
        total = 0
        for _ in range(3):
            await asyncio.sleep(0.01)
            total += aw.crunch(100_000)
        return total

    report = run(lambda: workbench.profile_async(work))
    names = set(report.functions["function"])
    assert names.isdisjoint(LOOP_FRAMES), names & LOOP_FRAMES
    assert "<method 'run' of '_contextvars.Context' objects>" not in names
    # Measured (raw) self time: the corrected figure of a function whose time is almost all
    # 300,000 resumptions depends on this machine's calibration, and may round to zero.
    user = report.functions_in_user_code().sort_values("raw_tottime", ascending=False)
    assert user.iloc[0]["function"] == "<genexpr>"  # crunch's generator: the CPU hotspot
    work_row = report.functions[report.functions["function"].str.endswith("work")]
    assert work_row["ncalls"].tolist() == [4]  # cProfile counts its start + 3 resumptions
    assert report.lines.iloc[0]["function"] == "crunch"


def test_a_plain_call_that_runs_its_own_loop_is_seen_too() -> None:
    report = workbench.profile(asyncio.run, aw.tickers([3, 1]))
    # Every caller pstats lists is an entry too (snakeviz fails on one that is not), also
    # where a library function the session called was dropped with its calls.
    stats = report.pstats().stats  # type: ignore[attr-defined]
    assert [(k, c) for k, entry in stats.items() for c in entry[4] if c not in stats] == []
    assert report.result == [3, 1]
    assert ticker_rows(report) == [1, 3]
    assert report.summary.waiting_seconds is not None
    assert "asyncio tasks" in report.summary.lenses


def test_sync_code_has_no_tasks_and_no_waiting() -> None:
    report = workbench.profile(aw.crunch, 1000)
    assert report.tasks.empty
    assert list(report.tasks.columns)[:5] == ["task", "coroutine", "file", "line", "resumptions"]
    assert report.summary.waiting_seconds is None
    assert "asyncio tasks" not in report.summary.lenses


async def _profile_fetch(base: str, fetch: Callable[..., Any], *args: Any) -> workbench.Report:
    """Profile `fetch(client, urls, *args)` with a client already warmed up."""
    urls = [f"{base}/{i}" for i in range(8)]
    async with httpx.AsyncClient() as client:
        await client.get(f"{base}/99")  # connection and httpx's lazy imports made now
        return await workbench.profile_async(fetch, client, urls, *args)


def test_sequential_fetch_mostly_waits(latency_server: str) -> None:
    report = asyncio.run(_profile_fetch(latency_server, aw.fetch_sequential))
    urls = range(8)
    assert report.result == [body(i) for i in urls]
    s = report.summary
    assert s.waiting_seconds is not None
    assert s.wall_seconds >= len(urls) * LATENCY  # the server sleeps that long per answer
    # One request at a time, each answered after LATENCY: the loop sat idle in its
    # selector. Not "at least LATENCY per request": it also wakes for the sockets' other
    # events (a busy CI machine measured 0.194 s of 0.2 s slept, in the magic's test).
    assert 0 < s.waiting_seconds <= s.wall_seconds
    host = report.tasks[report.tasks["coroutine"] == "fetch_sequential(...)"].iloc[0]
    assert host["resumptions"] >= len(urls)  # each response resumes it at least once
    assert len(urls) * (LATENCY - 0.001) <= host["waiting"] <= host["wall"]
    text = report.to_text()
    assert "the event loop idle, waiting for I/O" in text


def test_concurrent_fetch_lists_each_task(latency_server: str) -> None:
    report = asyncio.run(_profile_fetch(latency_server, aw.fetch_concurrent, 4))
    urls = range(8)
    assert report.result == [body(i) for i in urls]
    tasks = report.tasks
    mine = tasks[tasks["coroutine"] == "fetch_concurrent.<locals>.limited"]
    assert len(mine) == len(urls)
    assert (mine["state"] == "done").all()
    assert (mine["resumptions"] >= 1).all()
    assert (mine["wall"] >= LATENCY).all()  # each spans its request's round trip
    assert (mine["waiting"] > mine["running"]).all()
    assert mine["user_code"].all()
    assert "Tasks: top" in report.to_text()
    assert "fetch_concurrent.&lt;locals&gt;.limited" in report.to_html()


class Boom(Exception):
    pass


async def _fails_after_awaits() -> None:
    await aw.ticker(2)
    raise Boom("after two awaits")


@pytest.mark.parametrize(
    "exception", [Boom("after two awaits"), KeyboardInterrupt(), asyncio.CancelledError()]
)
def test_faults_in_an_async_block_keep_the_partial_report(exception: BaseException) -> None:
    async def block(session: workbench.ProfileSession) -> None:
        async with session:
            await aw.ticker(2)
            raise exception

    async def main() -> workbench.ProfileSession:
        session = workbench.profiling()
        with pytest.raises(type(exception)) as caught:
            await block(session)
        assert caught.value is exception
        return session

    before = HookState.capture()
    session = asyncio.run(main())
    assert before.differences(HookState.capture()) == []
    assert asyncio.events.Handle._run is HANDLE_RUN
    summary = session.report.summary
    assert not summary.complete
    host = session.report.tasks[session.report.tasks["coroutine"] == "profiled block"]
    assert host["resumptions"].tolist() == [2]


def test_profile_async_reraises_the_same_exception() -> None:
    with pytest.raises(Boom, match="after two awaits"):
        run(lambda: workbench.profile_async(_fails_after_awaits))
    assert asyncio.events.Handle._run is HANDLE_RUN


def test_cancelling_the_profiled_task_restores_everything() -> None:
    async def main() -> None:
        task = asyncio.ensure_future(workbench.profile_async(aw.ticker, 1000, 0.01))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert asyncio.events.Handle._run is HANDLE_RUN


def test_nested_async_profiling_is_refused_and_leaves_the_outer_run_intact() -> None:
    async def main() -> workbench.Report:
        async with workbench.profiling() as outer:
            with pytest.raises(workbench.ProfilerBusyError):
                await workbench.profile_async(aw.ticker, 1)
            await aw.ticker(2)
        return outer.report

    report = asyncio.run(main())
    assert report.summary.complete
    assert ticker_rows(report) == []  # the ticker ran in the block's own task
    assert report.tasks.iloc[0]["resumptions"] == 2  # the refused run never started ticker(1)


def test_profile_async_needs_an_awaitable() -> None:
    with pytest.raises(workbench.OptionError, match="not an awaitable"):
        run(lambda: workbench.profile_async(aw.crunch, 10))


def _numbers(n: int) -> Any:
    yield from range(n)


@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (lambda: aw.ticker(1), "coroutine ticker() without awaiting it"),
        (lambda: _numbers(3), "generator _numbers, never started"),
        (lambda: map(str, range(3)), "lazy iterator (map)"),
    ],
)
def test_unfinished_work_is_warned_about(make: Callable[[], Any], phrase: str) -> None:
    report = workbench.profile(make)
    (warning,) = report.summary.warnings
    assert phrase in warning
    assert f"WARNING: {warning}" in report.to_text()
    assert "awb-warn" in report.to_html()
    if asyncio.iscoroutine(report.result):
        report.result.close()  # never awaited, on purpose


@pytest.mark.parametrize(
    "make", [lambda: list(_numbers(3)), lambda: "text", lambda: None, lambda: range(3)]
)
def test_finished_work_has_no_warning(make: Callable[[], Any]) -> None:
    assert workbench.profile(make).summary.warnings == ()


def test_a_saved_async_report_loads_back_equal(tmp_path: Any) -> None:
    report = run(lambda: workbench.profile_async(aw.tickers, [1, 2]))
    report.save(tmp_path)
    loaded = workbench.Report.load(tmp_path)
    assert loaded == report
    assert loaded.tasks.equals(report.tasks)


def test_the_hook_check_sees_a_wrapper_left_on_asyncio() -> None:
    before = HookState.capture()
    asyncio.events.Handle._run = lambda handle: None  # type: ignore[assignment, method-assign]
    try:
        assert any(line.startswith("asyncio") for line in before.differences(HookState.capture()))
    finally:
        asyncio.events.Handle._run = HANDLE_RUN  # type: ignore[method-assign]


def test_a_failed_task_is_listed_and_its_error_still_unretrieved() -> None:
    spawned: list[asyncio.Task[None]] = []

    async def fails() -> None:
        raise ValueError("forgotten")

    async def spawns() -> None:
        spawned.append(asyncio.ensure_future(fails()))
        await asyncio.sleep(0.01)

    async def main() -> workbench.Report:
        report = await workbench.profile_async(spawns)
        spawned[0].exception()  # retrieved here, by the test, after the run
        return report

    before_retrieval: list[bool] = []
    original = workbench.collectors.task_records.final_state

    def spy(task: asyncio.Task[Any]) -> str:
        state = original(task)
        before_retrieval.append(getattr(task, "_log_traceback", False))
        return state

    workbench.collectors.task_records.final_state = spy  # type: ignore[assignment]
    try:
        report = asyncio.run(main())
    finally:
        workbench.collectors.task_records.final_state = original  # type: ignore[assignment]
    row = report.tasks[report.tasks["coroutine"].str.endswith("fails")]
    assert row["state"].tolist() == ["failed"]
    assert True in before_retrieval  # the run did not mark the error as retrieved
