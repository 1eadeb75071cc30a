"""The correction of cProfile's bias: its arithmetic, its guarantees, and what a run shows.

The model's figures are checked on hand-built statistics (exact numbers in, exact numbers
out); its guarantees on generated ones (Hypothesis); a real run checks that the raw times
stay available and that profile.prof holds them.
"""

from __future__ import annotations

import pstats
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workbench
from tests.helpers import hook_cost
from workbench.collectors.calibration import EventCost, HookCost, measure_hook_cost
from workbench.collectors.functions import StatsDict, StatsKey
from workbench.report.correction import correct

NS = 1e-9
COST: HookCost = hook_cost()
STAGE_A: StatsKey = ("pipe.py", 1, "stage_a")
STAGE_B: StatsKey = ("pipe.py", 10, "stage_b")
HELPER: StatsKey = ("pipe.py", 20, "helper")
GEN_A: StatsKey = ("pipe.py", 2, "<genexpr>")
SUM: StatsKey = ("~", 0, "<built-in method builtins.sum>")
ROOT: StatsKey = ("pipe.py", 30, "main")


def test_own_time_loses_the_cost_of_every_call_made_and_received() -> None:
    # stage_a: 1 ms of its own work (2 ms slowed), 1000 helper calls; helper: 10 us of work.
    stats: StatsDict = {
        ROOT: (1, 1, 0.0, 0.0031 + 1000 * 150 * NS + 0.00002, {}),
        STAGE_A: (
            1,
            1,
            0.002 + 1000 * 100 * NS,
            0.0021 + 1000 * 150 * NS + 0.00002,
            {ROOT: (1, 1, 0.0, 0.0)},
        ),
        HELPER: (
            1000,
            1000,
            0.00002 + 1000 * 50 * NS,
            0.00002 + 1000 * 50 * NS,
            {STAGE_A: (1000, 1000, 0.0, 0.0)},
        ),
    }
    fixed = correct(stats, COST, {}).stats
    # Own time: minus 1000 calls made (caller's part), 1 call received (callee's part),
    # then halved (the bytecode ran twice as slow).
    assert fixed[STAGE_A][2] == pytest.approx(0.001 - 25 * NS)
    assert fixed[HELPER][2] == pytest.approx(0.00001)
    # The stage's cumulative time loses its own overhead and its helper's.
    raw_ct = stats[STAGE_A][3]
    overhead = (stats[STAGE_A][2] - fixed[STAGE_A][2]) + (stats[HELPER][2] - fixed[HELPER][2])
    assert fixed[STAGE_A][3] == pytest.approx(raw_ct - overhead)
    assert fixed[HELPER][1] == 1000  # counts never change


def test_a_shared_builtin_does_not_spread_one_stage_s_overhead_over_another() -> None:
    # Both stages call sum(); only stage A's generator calls the helper. pstats alone
    # would split the generator's overhead between the stages by sum's time.
    edge = (1, 1, 0.0, 0.05)
    stats: StatsDict = {
        ROOT: (1, 1, 0.0, 0.2, {}),
        STAGE_A: (1, 1, 0.001, 0.1, {ROOT: (1, 1, 0.0, 0.0)}),
        STAGE_B: (1, 1, 0.001, 0.1, {ROOT: (1, 1, 0.0, 0.0)}),
        SUM: (2, 2, 0.05, 0.198, {STAGE_A: edge, STAGE_B: edge}),
        GEN_A: (10000, 10000, 0.02, 0.048, {SUM: (10000, 10000, 0.02, 0.048)}),
        HELPER: (10000, 10000, 0.028, 0.028, {GEN_A: (10000, 10000, 0.028, 0.028)}),
    }
    # The sampler saw the generator and the helper under stage A only.
    stacks = {(ROOT, STAGE_A, GEN_A): 5, (ROOT, STAGE_A, GEN_A, HELPER): 7, (ROOT, STAGE_B): 9}
    fixed = correct(stats, COST, stacks).stats
    helper_overhead = stats[HELPER][2] - fixed[HELPER][2]
    gen_overhead = stats[GEN_A][2] - fixed[GEN_A][2]
    sum_overhead = stats[SUM][2] - fixed[SUM][2]
    assert helper_overhead > 0
    assert gen_overhead > 0
    # Stage B loses its own overhead and half of sum's (sum's two calls split evenly).
    b_own = stats[STAGE_B][2] - fixed[STAGE_B][2]
    assert fixed[STAGE_B][3] == pytest.approx(0.1 - b_own - sum_overhead / 2)
    a_own = stats[STAGE_A][2] - fixed[STAGE_A][2]
    assert fixed[STAGE_A][3] == pytest.approx(
        0.1 - a_own - sum_overhead / 2 - gen_overhead - helper_overhead
    )
    # Without stacks, pstats' edges are all there is: the overhead is split.
    split = correct(stats, COST, {}).stats
    assert split[STAGE_B][3] < fixed[STAGE_B][3]


def test_time_the_workbench_spent_inside_a_function_leaves_its_cumulative_time() -> None:
    stats: StatsDict = {ROOT: (1, 1, 0.01, 0.012, {})}
    fixed = correct(stats, COST, {}, hidden={ROOT: 0.002}).stats
    assert fixed[ROOT][3] == pytest.approx(fixed[ROOT][2])


def test_without_a_calibration_the_times_are_the_measured_ones() -> None:
    stats: StatsDict = {ROOT: (1, 1, 0.01, 0.012, {})}
    result = correct(stats, None, {})
    assert result.stats == stats
    assert result.slowdown == 1.0


keys = st.sampled_from(
    [("a.py", i, f"f{i}") for i in range(6)]
    + [("~", 0, f"<built-in method b{i}>") for i in range(3)]
)
seconds = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def statistics(draw: st.DrawFn) -> tuple[StatsDict, dict[tuple[StatsKey, ...], int]]:
    chosen = draw(st.lists(keys, min_size=1, max_size=9, unique=True))
    stats: StatsDict = {}
    for key in chosen:
        calls = draw(st.integers(min_value=1, max_value=10**6))
        tottime = draw(seconds)
        cumtime = tottime + draw(seconds)
        callers = {
            caller: (
                draw(st.integers(min_value=1, max_value=calls)),
                1,
                draw(seconds),
                draw(seconds),
            )
            for caller in draw(st.lists(st.sampled_from(chosen), max_size=3, unique=True))
        }
        stats[key] = (calls, calls, tottime, cumtime, callers)
    stacks = {
        tuple(stack): draw(st.integers(min_value=1, max_value=50))
        for stack in draw(
            st.lists(st.lists(st.sampled_from(chosen), min_size=1, max_size=6), max_size=5)
        )
    }
    return stats, stacks


per_event = st.floats(min_value=0.0, max_value=1e-6)
events = st.builds(EventCost, per_event, per_event)
costs = st.builds(
    HookCost,
    bytecode=st.floats(min_value=1.0, max_value=4.0),
    py=events,
    from_c=events,
    resume=events,
    c=events,
)


@settings(max_examples=200, deadline=None)
@given(statistics(), costs)
def test_the_correction_keeps_every_time_sane(
    generated: tuple[StatsDict, dict[tuple[StatsKey, ...], int]], cost: HookCost
) -> None:
    stats, stacks = generated
    result = correct(stats, cost, stacks)
    for key, (cc, nc, tt, ct, callers) in result.stats.items():
        raw = stats[key]
        assert (cc, nc) == (raw[0], raw[1])
        assert 0.0 <= tt <= raw[2]
        assert tt <= ct <= max(raw[3], raw[2])
        assert set(callers) == set(raw[4])
        assert all(edge[2] >= 0 and edge[3] >= 0 for edge in callers.values())
    assert 0.0 <= result.seconds <= result.raw_seconds
    assert result.slowdown >= 1.0


def test_calibration_measures_positive_costs() -> None:
    cost = measure_hook_cost()
    assert cost.bytecode >= 1.0
    for event in (cost.py, cost.from_c, cost.resume, cost.c):
        assert min(event.caller, event.callee) >= 0.0
    assert cost.py.total > 0  # a hook that costs nothing was not measured


def _calls(n: int) -> int:
    total = 0
    for i in range(n):
        total += _one(i)
    return total


def _one(i: int) -> int:
    return i % 3


def test_the_estimate_names_whose_cost_it_is() -> None:
    """The slowdown estimate is cProfile's: with tracemalloc on, whose cost is not
    estimated, the sentence must not claim it is the whole profile's."""
    plain = workbench.profiling(memory="off").run(_calls, 2000).summary.correction
    assert plain is not None
    assert plain.startswith("profiling made this code about ")
    heap = workbench.profiling(memory="tracemalloc").run(_calls, 2000).summary.correction
    assert heap is not None
    assert heap.startswith("cProfile made this code about ")
    assert "and tracemalloc's cost per allocation on top: not estimated" in heap


def test_a_run_keeps_the_raw_times_and_profile_prof_holds_them() -> None:
    report = workbench.profiling(memory="off").run(_calls, 20000)
    functions = report.functions.set_index("function")
    assert (report.functions["raw_tottime"] >= report.functions["tottime"]).all()
    assert functions.loc["_one", "ncalls"] == 20000
    # 20,000 calls cost the hook far more than the modulo they make: the correction
    # takes most of the helper's measured time out.
    assert functions.loc["_one", "tottime"] < functions.loc["_one", "raw_tottime"]
    assert report.summary.slowdown is not None
    assert report.summary.slowdown > 1.0
    assert report.summary.correction
    assert "raw_tottime" in report.summary.correction
    assert "profiler cost" in report.to_text()
    assert "profiler cost" in report.to_html()
    with tempfile.TemporaryDirectory() as folder:
        report.save(folder)
        saved = pstats.Stats(str(Path(folder) / "profile.prof")).stats  # type: ignore[attr-defined]
    raw = {key[2]: entry[2] for key, entry in saved.items()}
    assert raw["_one"] == pytest.approx(functions.loc["_one", "raw_tottime"])
    assert report.functions["share"].sum() == pytest.approx(1.0)
    # The session's own clock reads (after the lenses start) are not the user's calls.
    assert not report.functions["function"].str.contains("perf_counter|process_time").any()


def _fib(n: int) -> int:
    if n < 2:
        return n
    return _fib(n - 1) + _fib(n - 2)


def test_a_recursive_function_s_samples_land_on_its_body_not_its_def_line() -> None:
    # A signal is handled at a function's first instruction: before the fix every sample
    # of a recursive function without loops landed on its `def` line.
    lines = None
    # Larger until the sampler has seen enough to speak of shares (about 250 samples per
    # CPU second: fib(26) under cProfile gave 19 on a busy machine); fib(30) always does.
    for size in (22, 24, 26, 28, 30):
        report = workbench.profiling(memory="off").run(_fib, size)
        lines = report.lines[report.lines["function"] == "_fib"]
        if lines["samples"].sum() >= 40:
            break
    assert lines is not None
    assert lines["samples"].sum() > 0
    first = _fib.__code__.co_firstlineno
    by_line = lines.set_index("lineno")["samples"]
    assert by_line.get(first, 0) <= 0.05 * by_line.sum()
    assert by_line[by_line.index > first].sum() >= 0.95 * by_line.sum()


def test_the_clocks_bracket_the_profiled_code_not_the_lenses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    from workbench.collectors.functions import FunctionCollector
    from workbench.session import finishing as session_module

    events: list[str] = []

    class Clock:
        def perf_counter(self) -> float:
            events.append("clock")
            return time.perf_counter()

        def process_time(self) -> float:
            return time.process_time()

        def time(self) -> float:
            return time.time()

    start, stop = FunctionCollector.start, FunctionCollector.stop

    def logged_start(self: FunctionCollector) -> None:
        events.append("start")
        start(self)

    def logged_stop(self: FunctionCollector) -> None:
        events.append("stop")
        stop(self)

    monkeypatch.setattr(session_module, "time", Clock())
    monkeypatch.setattr(FunctionCollector, "start", logged_start)
    monkeypatch.setattr(FunctionCollector, "stop", logged_stop)
    with workbench.profiling() as run:
        events.append("code")
    assert events == ["start", "clock", "code", "clock", "stop"]
    assert run.report.summary.wall_seconds >= 0


def test_overhead_flows_up_pstats_edges_through_recursion_once() -> None:
    from workbench.report.propagation import components, flow_up

    rec: StatsKey = ("pipe.py", 40, "walk")  # calls itself and is called by stage A
    stats: StatsDict = {
        ROOT: (1, 1, 0.0, 1.0, {}),
        STAGE_A: (1, 1, 0.0, 0.6, {ROOT: (1, 1, 0.0, 0.6)}),
        STAGE_B: (1, 1, 0.0, 0.4, {ROOT: (1, 1, 0.0, 0.4)}),
        rec: (9, 1, 0.5, 0.5, {STAGE_A: (1, 1, 0.1, 0.5), rec: (8, 0, 0.4, 0.4)}),
        HELPER: (4, 4, 0.4, 0.4, {STAGE_A: (1, 1, 0.1, 0.1), STAGE_B: (3, 3, 0.3, 0.3)}),
    }
    groups = components(stats)
    order = [key for group in groups for key in group]
    assert order.index(rec) < order.index(STAGE_A) < order.index(ROOT)  # callees first
    under = flow_up(stats, {rec: 0.2, HELPER: 0.4})[0]
    assert under[rec] == pytest.approx(0.2)  # its own only, counted once
    # The helper's overhead splits by its edges' time: a quarter to A, the rest to B.
    assert under[STAGE_A] == pytest.approx(0.2 + 0.1)
    assert under[STAGE_B] == pytest.approx(0.3)
    assert under[ROOT] == pytest.approx(0.6)


def test_the_run_s_own_probe_scales_the_calibration() -> None:
    probed = COST.__class__(**{**COST.__dict__, "probed": 50 * NS})
    assert probed.in_run(0, 0.0) is probed  # no probe: as calibrated
    doubled = probed.in_run(1000, 1000 * 100 * NS)
    assert doubled.scale == pytest.approx(2.0)
    assert doubled.py.caller == pytest.approx(2 * COST.py.caller)
    assert doubled.c.callee == pytest.approx(2 * COST.c.callee)
    assert doubled.bytecode == COST.bytecode  # a ratio: unchanged
    # A probe far off is taken as noise, not as a 100x slower machine.
    assert probed.in_run(1000, 1000 * 5000 * NS).scale == pytest.approx(3.0)


def test_the_sampler_s_probe_never_shows_in_the_function_table() -> None:
    report = workbench.profile(_fib, 22)
    # The probe's calls are the workbench's: never in the table.
    assert not report.functions["function"].isin(["_probed", "probe"]).any()
