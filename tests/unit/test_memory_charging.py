"""tracemalloc's memory charged to the user's lines: what a library allocates for a user's
line is that line's, what the workbench allocates is nobody's (issue 16)."""

from __future__ import annotations

import linecache
from collections.abc import Callable
from typing import Any

import pytest

import workbench
from tests import memory_workloads as m
from tests.workloads import line_of
from workbench.report.scopes import function_at

MiB = 1 << 20
N = 15_000  # 3-7 MiB on the user's line: over the hint's 1 MiB, in a few seconds

# (workload, its input, the line that builds the list): json.loads, parse_qs and
# shlex.split (four library frames deep) called per item.
BUILT_THEN_READ_ONCE = [
    pytest.param(m.sum_log_ids, m.log_lines, "records = [json", id="json.loads"),
    pytest.param(m.count_query_tags, m.query_strings, "params = [parse_qs", id="parse_qs"),
    pytest.param(m.count_arguments, m.command_lines, "argvs = list(map", id="shlex.split"),
]


def _profiled(workload: Callable[[list[str]], Any], data: list[str]) -> workbench.Report:
    with workbench.profiling(memory="tracemalloc") as run:
        workload(data)
    return run.report


@pytest.mark.parametrize(("workload", "make", "marker"), BUILT_THEN_READ_ONCE)
def test_stream_hint_where_a_library_builds_the_items(
    workload: Callable[[list[str]], Any], make: Callable[[int], list[str]], marker: str
) -> None:
    report = _profiled(workload, make(N))
    line = line_of(workload, marker)
    stream = report.hints[report.hints["kind"] == "stream"]
    assert list(zip(stream["function"], stream["line"], strict=True)) == [(workload.__name__, line)]
    assert stream.iloc[0]["max_gain"] <= (report.summary.peak_memory or 0)
    # the library's allocations are the user's line's, in the memory table too
    top = report.memory.iloc[0]
    assert (top["file"], top["lineno"], top["function"]) == (
        "tests/memory_workloads.py",
        line,
        workload.__name__,
    )
    assert top["size"] > 2 * MiB
    assert bool(top["user_code"]) is True


def test_no_stream_hint_when_the_library_built_list_is_read_twice() -> None:
    report = _profiled(m.sum_log_ids_twice, m.log_lines(N))
    assert "stream" not in set(report.hints["kind"])
    top = report.memory.iloc[0]  # still charged to the user's line
    assert top["lineno"] == line_of(m.sum_log_ids_twice, "records = [json")


def test_user_rows_name_their_function() -> None:
    report = _profiled(m.sum_log_ids, m.log_lines(N))
    user = report.memory[report.memory["user_code"]]
    assert not user.empty
    assert set(user["function"]) == {"sum_log_ids"}


def test_the_workbench_own_allocations_are_not_in_the_table() -> None:
    """Nothing the session, its timer tick or the stdlib calls they make (signal,
    pathlib, enum) allocate is shown: only the profiled code's lines are left."""
    with workbench.profiling(memory="tracemalloc", lines=None) as run:
        m.noop()
    # through the session's runner too (`profile`, the magics)
    ran = workbench.profiling(memory="tracemalloc", lines=None).run(m.noop)
    report = _profiled(m.sum_log_ids, m.log_lines(N))
    for memory in (run.report.memory, ran.memory, report.memory):
        # at most the interpreter's work on the first call of `noop`, on its def line
        assert set(memory["file"]) <= {"tests/memory_workloads.py"}
        assert memory["user_code"].all()
    assert set(report.memory["function"]) == {"sum_log_ids"}


def test_allocations_with_no_user_frame_stay_on_their_library_line() -> None:
    """copy.deepcopy of a deep nest: below the frames tracemalloc keeps, only copy.py's
    frames are left, and the copies are charged to copy.py's line that made them."""
    import copy

    nest = m.nest(60, 4_000)
    with workbench.profiling(memory="tracemalloc", lines=None) as run:
        copied = copy.deepcopy(nest)
    del copied
    memory = run.report.memory
    library = memory[~memory["user_code"]]
    assert not library.empty
    assert set(library["file"]) == {"copy.py"}
    assert set(library["function"]) <= {"_deepcopy_list", "deepcopy", "_keep_alive"}
    assert library["size"].sum() > MiB  # most of the 60 copied lists of 4,000 items


def test_function_at_names_the_innermost_definition() -> None:
    source = (
        "import asyncio\n"  # 1
        "class Loader:\n"  # 2
        "    size = [0] * 10\n"  # 3
        "    def load(self, items):\n"  # 4
        "        keep = [x for x in items]\n"  # 5
        "        pick = lambda x: x\n"  # 6
        "        def inner():\n"  # 7
        "            return list(items)\n"  # 8
        "        return keep, inner\n"  # 9
        "data = [1] * 100\n"  # 10
        "await asyncio.sleep(0)\n"  # 11: top-level await, as a notebook cell may hold
    )
    name = "<ipython-input-99-charging>"
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    try:
        names = {n: function_at(name, n) for n in (3, 5, 6, 8, 9, 10, 11)}
    finally:
        del linecache.cache[name]
    assert names == {
        3: "Loader",
        5: "load",
        6: "<lambda>",
        8: "inner",
        9: "load",
        10: "<module>",
        11: "<module>",
    }
    assert function_at("<no source>", 1) == ""


def test_charging_walks_from_the_newest_frame() -> None:
    """Each case: frames oldest first, as tracemalloc gives them, and the line charged."""
    import tracemalloc

    from workbench.collectors import arguments, sampler, tasks
    from workbench.collectors.charging import Charger
    from workbench.session import session

    user, lib = "/project/etl.py", "/usr/lib/python3/json/decoder.py"
    ours = {"session": session.__file__, "sampler": sampler.__file__}
    ours |= {"arguments": arguments.__file__, "tasks": tasks.__file__}
    cases: list[tuple[list[tuple[str, int]], tuple[str, int] | None]] = [
        ([(user, 1), (user, 5), (lib, 30), (lib, 40)], (user, 5)),  # what a library call made
        ([(lib, 9), (ours["session"], 2), (user, 7), (lib, 30)], (user, 7)),  # run by us
        ([(lib, 30), (lib, 40)], (lib, 40)),  # no user frame: the line that allocated
        ([(user, 5), (ours["sampler"], 3), (lib, 30)], None),  # our tick, on top of it
        ([(user, 1), (ours["session"], 2), (lib, 30)], None),  # the session's own call
        ([(user, 5), (ours["arguments"], 4), (user, 9)], None),  # user code we called
        ([(lib, 1), (ours["tasks"], 6), (lib, 30)], (lib, 30)),  # the loop's callback
        ([(lib, 1), (ours["tasks"], 6), (user, 9), (lib, 30)], (user, 9)),  # a task's step
        ([(lib, 1), (ours["tasks"], 6)], None),  # the tasks lens's own record
    ]
    charge = Charger(lambda filename: filename.startswith("/project/"))
    for frames, expected in cases:
        traceback = [tracemalloc.Frame(frame) for frame in frames]
        assert charge(traceback) == expected, frames
