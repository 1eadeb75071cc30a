"""What kind of call event each call is, and what an event costs among many functions.

Hand-built statistics with a fixed cost (exact numbers in, exact numbers out), and the
functions lens telling generators from functions by their code flags.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from tests.helpers import hook_cost
from workbench.collectors.calibration import HookCost
from workbench.collectors.functions import FunctionCollector, StatsDict, StatsKey
from workbench.collectors.hook_kernels import SPREAD
from workbench.report.correction import own_times

NS = 1e-9
# Bytecode at full speed, so own times lose the events' costs alone.
COST: HookCost = dataclasses.replace(hook_cost(), bytecode=1.0)
STAGE: StatsKey = ("pipe.py", 1, "stage")
WALK: StatsKey = ("pipe.py", 20, "walk")
HOT: StatsKey = ("pipe.py", 30, "hot")
RARE: StatsKey = ("pipe.py", 40, "rare")


def _walk(n: int) -> Iterator[int]:
    yield from range(n)


def _plain(n: int) -> int:
    return n


def test_a_generator_s_calls_are_charged_as_resumptions() -> None:
    # cProfile counts each of the 1000 resumptions of `walk` as a call.
    stats: StatsDict = {
        STAGE: (1, 1, 0.001, 0.003, {}),
        WALK: (1000, 1000, 0.002, 0.002, {STAGE: (1000, 1000, 0.002, 0.002)}),
    }
    as_calls = own_times(stats, COST)
    as_resumes = own_times(stats, COST, resumable={WALK})
    assert as_calls[WALK] == pytest.approx(0.002 - 1000 * 50 * NS)
    assert as_resumes[WALK] == pytest.approx(0.002 - 1000 * 80 * NS)
    assert as_resumes[STAGE] == pytest.approx(0.001 - 50 * NS - 1000 * 60 * NS)


def test_the_functions_lens_knows_generators_by_their_code_flags() -> None:
    lens = FunctionCollector(lambda filename: True, lambda filename: False)
    lens.start()
    try:
        sum(_walk(10)) + _plain(1)
    finally:
        lens.stop()
    names = {key[2] for key in lens.resumable}
    assert "_walk" in names
    assert "_plain" not in names


def test_an_event_costs_more_the_more_functions_share_the_calls() -> None:
    cost = dataclasses.replace(COST, spread=2.0)
    assert cost.lookup_factor(1) == 1.0  # the kernels' case: one function
    assert cost.lookup_factor(SPREAD) == pytest.approx(2.0)
    assert cost.lookup_factor(100 * SPREAD) == pytest.approx(2.0)  # held beyond
    assert 1.0 < cost.lookup_factor(8) < cost.lookup_factor(16) < 2.0
    assert COST.lookup_factor(SPREAD) == 1.0  # no spread measured: as calibrated


def test_a_rarely_called_function_pays_more_per_call_than_a_hot_one() -> None:
    # Same measured time per call; `rare` has 1 call in 1000, `hot` the rest.
    stats: StatsDict = {
        STAGE: (1, 1, 0.0, 0.2, {}),
        HOT: (999, 999, 999e-6, 999e-6, {STAGE: (999, 999, 999e-6, 999e-6)}),
        RARE: (1, 1, 1e-6, 1e-6, {STAGE: (1, 1, 1e-6, 1e-6)}),
    }
    own = own_times(stats, dataclasses.replace(COST, spread=2.0))
    per_call_hot, per_call_rare = own[HOT] / 999, own[RARE]
    assert per_call_rare < per_call_hot
    # The rare one sits log2(1000) ~ 10 levels deep: past SPREAD's 6, twice the cost.
    assert per_call_rare == pytest.approx(1e-6 - 2 * 50 * NS)
