"""The magics in a real Jupyter kernel, run through nbclient as nbval and JupyterLab do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from nbclient.exceptions import CellExecutionError

from tests.helpers import LATENCY, execute, iopub_outputs
from tests.workloads import CELL_SOURCE, COMPARE_SOURCE

pytestmark = pytest.mark.kernel

# No switch-interval guard: on 3.12+ cProfile's one stack would take ipykernel's own
# threads' calls (CPython gh-116738) but for the workbench's thread filter, which these
# checks therefore cover in a real kernel.
SETUP = "%load_ext workbench\nimport sys\n" + CELL_SOURCE

CELLS = [
    SETUP,
    "%architect_profile -o rep1 score(parse(50000))",
    "%%architect_profile -l score -o rep2\nvalues = parse(20000)\nresult = score(values)\nresult",
    "%architect_profile -m lines -l grow -o rep3 grow(16)",
    """
import sys, tracemalloc
from workbench.session.hooks import HookState
hot = rep1.functions_in_user_code()
assert hot.iloc[0]["function"] == "score", hot.head(5).to_string()  # the table, if not
assert hot.iloc[0]["file"] == "In[1]"
# The inner loop's header and body take nearly the same time on 3.12+ (sys.monitoring
# charges each iteration to the header): either can rank first, and no other line can.
top = {row.source.strip(): row.hits for row in rep2.lines.head(2).itertuples()}
assert top["total += (v * k) % 7"] == 20000 * 12, rep2.lines.to_string()
assert set(top) == {"total += (v * k) % 7", "for k in range(12):"}, rep2.lines.to_string()
assert result == score(values)
row = rep3.memory[rep3.memory["source"].str.contains("block = ")].iloc[0]
assert row["count"] == 1 and row["size"] > 8 << 20
assert sys.getprofile() is None and sys.gettrace() is None and not tracemalloc.is_tracing()
print("checks passed")
""",
]


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
    cells = [SETUP, "%%architect_profile\nfirst = parse(10)\nraise ValueError('bad record')"]
    notebook = execute(cells, tmp_path, allow_errors=True)
    outputs = notebook.cells[1].outputs
    kinds = [o["output_type"] for o in outputs]
    assert kinds == ["display_data", "error"]
    assert "incomplete" in outputs[0]["data"]["text/html"]
    assert outputs[1]["ename"] == "ValueError"


ASYNC_SETUP = """%load_ext workbench
import asyncio, json, sys, httpx
from workbench.collectors.tasks import HANDLE_RUN
from workbench.demo.api import record

async def fetch_all(client, urls):
    return [(await client.get(url)).text for url in urls]

async def tick(n):
    for _ in range(n):
        await asyncio.sleep(0.001)
    return n
"""


def test_await_cells_in_a_real_kernel(tmp_path: Path, latency_server: str) -> None:
    cells = [
        ASYNC_SETUP,
        f"client = httpx.AsyncClient()\nurls = ['{latency_server}/' + str(i) for i in range(6)]\n"
        "await client.get(urls[0])  # the client is now bound to the kernel's loop\n"
        "kernel_loop = asyncio.get_running_loop()",
        "%%architect_profile -o rep\nresults = await fetch_all(client, urls)\n"
        "inside_loop = asyncio.get_running_loop()",
        "%%architect_profile -q -o rep2\ncounts = await asyncio.gather(tick(1), tick(2), tick(3))",
        f"latency = {LATENCY}\n"
        """
assert results == [json.dumps(record(i)) for i in range(6)]
assert inside_loop is kernel_loop
s = rep.summary
# each answer comes `latency` after its request: the loop idled (how long is the
# machine's business: the selector also wakes for the sockets' other events)
assert 0 < s.waiting_seconds <= s.wall_seconds, s
host = rep.tasks[rep.tasks["coroutine"].str.startswith("cell: results")].iloc[0]
assert host["resumptions"] >= len(urls)
assert "fetch_all" in set(rep.functions["function"])
assert "_run_once" not in set(rep.functions["function"])
assert counts == [1, 2, 3]
ticks = rep2.tasks[rep2.tasks["coroutine"] == "tick"]
assert sorted(ticks["resumptions"]) == [1, 2, 3]
print("checks passed")
""",
        "%%architect_profile\nawait asyncio.sleep(0.01)\nraise ValueError('bad page')",
        "assert sys.getprofile() is None and asyncio.events.Handle._run is HANDLE_RUN\n"
        "await client.aclose()\nprint('restored')",
    ]
    notebook = execute(cells, tmp_path, allow_errors=True)
    outputs = [cell.outputs for cell in notebook.cells]
    errors = [i for i, out in enumerate(outputs) if any(o["output_type"] == "error" for o in out)]
    assert errors == [5], [o for i in errors for o in outputs[i] if o["output_type"] == "error"]
    (shown,) = [o for o in outputs[2] if o["output_type"] == "display_data"]
    assert "waiting" in shown["data"]["text/plain"]
    assert "Tasks: top" in shown["data"]["text/html"]
    assert outputs[4][-1]["text"] == "checks passed\n"
    kinds = [o["output_type"] for o in outputs[5]]
    assert kinds == ["display_data", "error"]
    assert "incomplete" in outputs[5][0]["data"]["text/html"]
    assert outputs[5][1]["ename"] == "ValueError"
    assert outputs[6][-1]["text"] == "restored\n"


def test_interrupting_an_await_cell_shows_the_partial_report(tmp_path: Path) -> None:
    """Jupyter's interrupt cancels an await cell; the report and the hooks survive it.

    ipykernel 7.4 delivers the cancellation when the event loop next wakes (here: when
    the sleep ends), with or without the magic; the sleep is kept short for that.
    """
    import time

    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))

    def run(code: str, interrupt_after: float | None = None) -> list[dict[str, Any]]:
        msg_id = client.execute(code)
        start, interrupted = time.monotonic(), [False]

        def tick() -> None:
            late = interrupt_after and time.monotonic() - start > interrupt_after
            if late and not interrupted[0]:
                manager.interrupt_kernel()
                interrupted[0] = True

        return iopub_outputs(client, msg_id, tick=tick)

    try:
        run("%load_ext workbench\nimport asyncio, sys")
        outputs = run(
            "%%architect_profile\nawait asyncio.sleep(0.1)\nawait asyncio.sleep(5)",
            interrupt_after=1.5,
        )
        assert [o["kind"] for o in outputs] == ["display_data", "error"]
        assert "incomplete" in outputs[0]["data"]["text/html"]
        assert outputs[1]["ename"] == "CancelledError"
        check = run(
            "from workbench.collectors.tasks import HANDLE_RUN\n"
            "print(sys.getprofile() is None and asyncio.events.Handle._run is HANDLE_RUN)"
        )
        assert check == [{"kind": "stream", "name": "stdout", "text": "True\n"}]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_compare_magic_on_cell_functions_in_a_real_kernel(tmp_path: Path) -> None:
    cells = [
        "%load_ext workbench\n" + COMPARE_SOURCE,
        "%architect_compare -o cmp -n 8 slow fast -a lines",
        "%architect_compare -q -o acmp -n 8 one_by_one all_at_once -a 4",
        """
row = cmp.diff.set_index("function").loc["parse"]
assert (row["calls_before"], row["calls_after"]) == (200, 0)
assert cmp.diff.set_index("function").loc["slow", "file"] == "In[1]"
assert cmp.equal is True and acmp.equal is True
assert acmp.baseline.report.tasks["resumptions"].tolist() == [4]
print("checks passed")
""",
    ]
    notebook = execute(cells, tmp_path)
    outputs = [cell.outputs for cell in notebook.cells]
    (shown,) = [o for o in outputs[1] if o["output_type"] == "display_data"]
    assert "Architect Workbench compare: fast vs slow" in shown["data"]["text/plain"]
    assert "What changed" in shown["data"]["text/html"]
    assert outputs[3][-1]["text"] == "checks passed\n"


def test_interrupting_a_profiled_cell_cancels_the_queued_cells(tmp_path: Path) -> None:
    """Interrupt during %%architect_profile: the partial report, then KeyboardInterrupt,
    and the cell queued behind it is aborted (not run); nothing of ours survives."""
    import time

    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))

    def outputs_of(msg_id: str) -> list[dict[str, Any]]:
        return iopub_outputs(client, msg_id)

    def reply_of(msg_id: str) -> dict[str, Any]:
        while True:
            reply = client.get_shell_msg(timeout=120)
            if reply["parent_header"].get("msg_id") == msg_id:
                return dict(reply["content"])

    try:
        setup = client.execute("%load_ext workbench\nimport sys, threading, psutil")
        assert reply_of(setup)["status"] == "ok"
        outputs_of(setup)
        threads = client.execute("before = set(threading.enumerate())")
        assert reply_of(threads)["status"] == "ok"
        outputs_of(threads)
        slow = client.execute(
            "%%architect_profile\ntotal = 0\nfor i in range(10**9):\n    total += i"
        )
        queued = client.execute("ran_after = True")
        time.sleep(3)
        manager.interrupt_kernel()
        assert reply_of(slow)["status"] == "error"
        outputs = outputs_of(slow)
        assert [o["kind"] for o in outputs] == ["display_data", "error"]
        assert "incomplete" in outputs[0]["data"]["text/html"]
        assert outputs[1]["ename"] == "KeyboardInterrupt"
        assert reply_of(queued)["status"] == "aborted"
        # The RSS sampler's child serves every profile of the kernel until stop_servers:
        # it must still answer (its window closed by the interrupted run), then go.
        check = client.execute(
            "import workbench\n"
            "stopped = workbench.stop_servers()\n"
            "print('ran_after' in globals(), sys.getprofile(), sys.gettrace(),\n"
            "      [t.name for t in set(threading.enumerate()) - before\n"
            "       if not type(t).__module__.startswith(('zmq.', 'ipykernel.'))],\n"
            "      stopped, psutil.Process().children())"
        )
        assert reply_of(check)["status"] == "ok"
        printed = [o["text"] for o in outputs_of(check) if o["kind"] == "stream"]
        assert printed == ["False None None [] 1 []\n"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
