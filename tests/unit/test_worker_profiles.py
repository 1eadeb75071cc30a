"""(Named to run last in tests/unit: distributed keeps a thread pool for the life of the
process, and on 3.12+ any other thread puts the function lens behind its thread filter,
which changes what later sampling tests see.)

Following a run's tasks into the workers of a real LocalCluster (processes, 127.0.0.1).

Call counts are exact and summed over tasks and workers, also for code shipped by value
(a notebook's functions); the tasks table is the scheduler's task stream; faults in a
task, an interrupt and a killed worker leave a partial report and workers as found.
"""

from __future__ import annotations

import linecache
import os
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import workbench

distributed = pytest.importorskip("distributed")

CALLS = 300  # leaf() calls per task
TASKS = 8
# step() calls per task where line samples are wanted: about 50 ms a task. A worker's
# sampler thread reads stacks when the GIL changes hands, about every 5 ms
# (sys.getswitchinterval): 10 ms tasks left 4-6 samples on a line per worker, once none.
LONG = 100_000


def leaf(x: int) -> int:
    return x * 2


def work(n: int) -> int:
    total = 0
    for i in range(n):
        total += leaf(i)
    return total


def fails(n: int) -> int:
    if n == 3:
        raise ValueError("task 3 failed")
    return work(CALLS)


def _cluster(threads: int = 1) -> Any:
    return distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=threads,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        silence_logs=40,
    )


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with _cluster() as cluster, distributed.Client(cluster) as client:
        yield client


def _state(dask_worker: Any) -> dict[str, Any]:
    """What a followed run could leave behind in a worker."""
    import threading

    monitoring = getattr(sys, "monitoring", None)
    return {
        "executors": sorted(type(e).__name__ for e in dask_worker.executors.values()),
        "attribute": hasattr(dask_worker, "_workbench_follow"),
        "sampler": any(t.name == "workbench-stack-sampler" for t in threading.enumerate()),
        "profiler": monitoring.get_tool(monitoring.PROFILER_ID) if monitoring else None,
    }


def _task_hook(_: int) -> object:
    """The profile hook of a worker thread, seen from a task (3.11: per thread)."""
    return sys.getprofile()


def _assert_clean(client: Any) -> None:
    states = client.run(_state)
    assert states, "no workers"
    for state in states.values():
        assert state["attribute"] is False
        assert state["sampler"] is False
        assert state["profiler"] is None
        assert "ProfiledThreadPoolExecutor" not in state["executors"]
    assert client.gather(client.map(_task_hook, range(4), pure=False)) == [None] * 4
    plugins = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.plugins))
    assert "task-stream" not in plugins


def _counts(report: workbench.Report, name: str) -> dict[str, int]:
    rows = report.functions[report.functions["function"] == name]
    return {str(w): int(n) for w, n in zip(rows["where"], rows["ncalls"], strict=True)}


def test_counts_are_exact_and_summed_over_tasks_and_workers(client: Any) -> None:
    with workbench.profiling() as run:
        results = client.gather(client.map(work, [CALLS] * TASKS, pure=False))
    report = run.report
    assert results == [work(CALLS)] * TASKS
    counts = _counts(report, "leaf")
    assert "client" not in counts
    assert set(counts) <= set(report.summary.cluster.workers)  # type: ignore[union-attr]
    assert sum(counts.values()) == TASKS * CALLS
    assert sum(_counts(report, "work").values()) == TASKS
    assert report.summary.hottest_function is not None
    _assert_clean(client)


def test_the_tasks_table_is_the_task_stream(client: Any) -> None:
    with (
        distributed.get_task_stream(client) as stream,
        workbench.profiling(lines=None) as run,
    ):
        client.gather(client.map(work, [CALLS] * TASKS, pure=False))
    tasks = run.report.tasks
    ours = tasks[tasks["where"] != "client"]
    assert sorted(ours["key"]) == sorted(str(r["key"]) for r in stream.data)
    assert set(ours["group"]) == {"work"}
    assert set(ours["worker"]) == {r["worker"] for r in stream.data}
    by_key = {str(r["key"]): r for r in stream.data}
    for row in ours.itertuples():
        record = by_key[row.key]
        spans = [s for s in record["startstops"] if s["action"] == "compute"]
        assert row.compute == pytest.approx(sum(s["stop"] - s["start"] for s in spans))
        assert row.thread == record["thread"]
        assert row.stop >= row.start
    figures = run.report.summary.cluster
    assert figures is not None
    assert figures.tasks == TASKS
    assert figures.slowest_group == "work"
    assert figures.complete
    parts = figures.compute_seconds + figures.transfer_seconds + figures.idle_seconds
    assert parts == pytest.approx(run.report.summary.wall_seconds)
    # The stream was there before the run (get_task_stream added it): it stays.
    plugins = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.plugins))
    assert "task-stream" in plugins
    client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.remove_plugin("task-stream"))


SHIPPED = textwrap.dedent(
    """
    def step(x):
        return x + 1

    def shipped(n):
        total = 0
        for i in range(n):
            total = step(total)
        return total
    """
)


def test_functions_of_main_keep_their_counts_and_their_file(client: Any) -> None:
    """Code typed into a notebook lives in __main__: cloudpickle ships it by value, and
    every task re-creates its functions (new code objects, one pstats name). Tasks long
    enough for the stack sampler (see LONG) give line detail too."""
    import __main__

    namespace = vars(__main__)
    filename = "/tmp/ipykernel_0/cell.py"
    linecache.cache[filename] = (len(SHIPPED), None, SHIPPED.splitlines(True), filename)
    exec(compile(SHIPPED, filename, "exec"), namespace)
    try:
        with workbench.profiling() as run:
            client.gather(client.map(namespace["shipped"], [LONG] * TASKS, pure=False))
            namespace["shipped"](CALLS)  # once in the client too
    finally:
        namespace.pop("step")
        namespace.pop("shipped")
        linecache.cache.pop(filename)
    functions = run.report.functions
    step = functions[functions["function"] == "step"]
    assert int(step["ncalls"].sum()) == TASKS * LONG + CALLS
    assert _counts(run.report, "step")["client"] == CALLS
    (file,) = set(step["file"])  # the cell's, in the workers too: not <dynamic-code>
    assert not file.startswith("<")
    assert step["user_code"].all()
    lines = run.report.lines
    worker_lines = lines[lines["where"] != "client"]
    assert set(worker_lines["file"]) == {file}
    assert "total = step(total)" in {str(s).strip() for s in worker_lines["source"]}


def test_a_fault_in_a_task_leaves_a_partial_report_and_clean_workers(client: Any) -> None:
    session = workbench.profiling(lines=None)
    with pytest.raises(ValueError, match="task 3 failed"), session:
        client.gather(client.map(fails, range(6), pure=False))
    report = session.report
    assert not report.summary.complete
    erred = report.tasks[report.tasks["state"] == "erred"]
    assert list(erred["group"]) == ["fails"]
    _assert_clean(client)


def test_an_interrupt_leaves_a_partial_report_and_clean_workers(client: Any) -> None:
    session = workbench.profiling(lines=None)
    futures: list[Any] = []

    def interrupted() -> None:
        futures.extend(client.map(time.sleep, [0.3, 0.3], pure=False))
        time.sleep(0.1)  # both tasks are running in the workers now
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        session.run(interrupted)
    assert session.report.summary.error == "KeyboardInterrupt: "
    client.gather(futures)  # the tasks still running end; their profiles are dropped
    _assert_clean(client)


def test_turned_off_the_workers_are_not_followed(client: Any) -> None:
    with workbench.profiling(dask="off", lines=None) as run:
        client.gather(client.map(work, [CALLS] * 2, pure=False))
    assert run.report.summary.cluster is None
    assert set(run.report.functions["where"]) == {"client"}
    assert "leaf" not in set(run.report.functions["function"])


def test_two_threads_per_worker_keep_exact_counts() -> None:
    """On 3.12+ one worker process profiles one task at a time; on 3.11 each thread has
    its own profiler: either way every call is counted once."""
    with _cluster(threads=2) as cluster, distributed.Client(cluster, set_as_default=False) as c:
        with workbench.profiling(dask=c, lines=None) as run:
            c.gather(c.map(work, [CALLS] * TASKS, pure=False))
        assert sum(_counts(run.report, "leaf").values()) == TASKS * CALLS
        _assert_clean(c)


def _dies_once(marker: str) -> int:
    """Kills its worker the first time it runs; runs `work` when retried elsewhere."""
    if not os.path.exists(marker):
        Path(marker).write_text("died")
        os._exit(1)
    return work(CALLS)


def test_a_killed_worker_makes_the_report_incomplete_not_lost(tmp_path: Path) -> None:
    marker = str(tmp_path / "died")
    with _cluster() as cluster, distributed.Client(cluster, set_as_default=False) as c:
        with workbench.profiling(dask=c, lines=None) as run:
            assert c.submit(_dies_once, marker, pure=False).result() == work(CALLS)
        figures = run.report.summary.cluster
        assert figures is not None
        assert not figures.complete
        assert any("left during the run" in note for note in run.report.summary.notes)
        assert run.report.summary.complete  # the code itself ran to its end
        _assert_clean(c)


def test_a_client_that_cannot_reach_its_cluster_costs_only_a_note(client: Any) -> None:
    closed = distributed.Client(client.cluster, set_as_default=False)
    closed.close()
    with workbench.profiling(dask=closed, lines=None) as run:
        work(CALLS)
    assert run.report.summary.complete
    assert run.report.summary.cluster is None
    assert any("not followed" in note for note in run.report.summary.notes)
    _assert_clean(client)


def test_the_cost_sentence_says_the_estimate_is_the_clients(client: Any) -> None:
    with workbench.profiling(lines=None) as run:
        client.gather(client.map(work, [CALLS] * 2, pure=False))
    sentence = run.report.summary.correction or ""
    assert sentence.startswith("profiling made the client's code about ")
    assert "in the Dask workers, times are corrected with each worker's own" in sentence
