"""A long compare shows its progress and stops on Ctrl-C with what it has (issue 16, 7).

Durations come from a fake clock: "long" is what the clock says, not the machine.
"""

from __future__ import annotations

import asyncio
import re
import sys
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import workbench
from tests.helpers import FakeClock
from workbench.comparison.timing import MIN_ROUNDS


def version(clock: FakeClock, seconds: float, interrupt_at: int = 0) -> Callable[[], int]:
    """A version costing `seconds` per call; with `interrupt_at`, its call number
    `interrupt_at` (the result check is call 1) raises KeyboardInterrupt, as Ctrl-C would."""
    calls = [0]

    def run() -> int:
        calls[0] += 1
        if calls[0] == interrupt_at:
            raise KeyboardInterrupt
        clock.spend(seconds, jitter=0.02)
        return 1

    return run


def assert_hooks_restored() -> None:
    """No profile hook, no tracemalloc, no thread of tqdm's left running."""
    assert sys.getprofile() is None
    assert not tracemalloc.is_tracing()
    assert not [t for t in threading.enumerate() if "tqdm" in type(t).__module__]


def test_a_long_compare_shows_its_progress_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    clock = FakeClock()
    c = workbench.compare(version(clock, 2.0), version(clock, 1.0), clock=clock, repeat=8)
    err = capsys.readouterr().err
    total = 2 + 8 + 2  # result checks, rounds, the memory run, the profiled run
    assert "compare: timing rounds:  17%" in err  # 2 of 12 steps when the rounds begin
    assert f"2/{total}" in err
    assert "compare: peak memory" in err
    assert f"{2 + 8}/{total}" in err
    assert "compare: profiling" in err
    assert f"{2 + 8 + 1}/{total}" in err
    assert err.endswith("\r")  # erased when done (leave=False): the result says the rest
    assert c.verdict == "faster"
    assert not c.interrupted


def test_a_quick_compare_shows_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    clock = FakeClock()
    workbench.compare(version(clock, 0.01), version(clock, 0.01), clock=clock, repeat=8)
    assert capsys.readouterr().err == ""  # notebook outputs stay as they were


def test_progress_can_be_forced_or_refused(capsys: pytest.CaptureFixture[str]) -> None:
    clock = FakeClock()
    quick = version(clock, 0.01)
    workbench.compare(quick, quick, clock=clock, repeat=MIN_ROUNDS, progress=True)
    assert "compare: checking results" in capsys.readouterr().err
    slow = version(clock, 2.0)
    workbench.compare(slow, slow, clock=clock, repeat=MIN_ROUNDS, progress=False)
    assert capsys.readouterr().err == ""
    with pytest.raises(workbench.OptionError, match="progress='yes'"):
        workbench.compare(slow, slow, progress="yes")  # type: ignore[arg-type]


def test_progress_starts_once_the_compare_has_taken_long(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A version that becomes slow after its first call: the plan expected a quick compare,
    the elapsed time says otherwise."""
    clock = FakeClock()
    calls = [0]

    def slower_and_slower() -> int:
        calls[0] += 1
        clock.spend(0.01 if calls[0] == 1 else 1.0)
        return 1

    workbench.compare(slower_and_slower, version(clock, 0.01), clock=clock, repeat=8)
    err = capsys.readouterr().err
    assert "compare: timing rounds" in err
    first = re.search(r"\| (\d+)/12 ", err)
    assert first is not None
    assert int(first.group(1)) > 2  # not shown from the start: the first calls were quick


@pytest.mark.parametrize("k", [3, MIN_ROUNDS + 2])
def test_an_interrupt_at_round_k_keeps_the_k_minus_1_rounds_before(k: int) -> None:
    clock = FakeClock()
    slow = version(clock, 0.02)
    fast = version(clock, 0.01, interrupt_at=1 + k)  # call 1 is the result check
    c = workbench.compare(slow, fast, clock=clock, repeat=20)
    assert c.interrupted
    assert c.rounds == k - 1
    assert len(c.baseline.timing.samples) == len(c.candidate.timing.samples) == k - 1
    assert c.rounds_planned == 20
    assert c.baseline.peak_memory is None
    assert c.candidate.report is None
    assert c.diff.empty
    assert f"interrupted after {k - 1} of 20 rounds" in c.headline()
    assert "not profiled" in c.to_text()
    assert "not profiled" in c.to_html()
    if k - 1 < MIN_ROUNDS:
        assert c.verdict == "no significant difference"
        assert c.speedup_ci[1] == float("inf")
        assert "too few for a verdict" in c.headline()
        assert c.to_dict()["speedup_ci"] == [0.0, None]  # JSON has no infinity
    else:
        assert c.verdict == "faster"  # enough rounds for a verdict on a clear 2x
    assert_hooks_restored()


def test_an_interrupt_while_profiling_keeps_every_round() -> None:
    clock = FakeClock()
    # calls of the candidate: 1 result check, 8 rounds, 1 memory run, then the profiled one
    c = workbench.compare(
        version(clock, 0.02), version(clock, 0.01, interrupt_at=11), clock=clock, repeat=8
    )
    assert c.interrupted
    assert c.rounds == 8
    assert c.verdict == "faster"
    assert c.baseline.peak_memory is not None
    assert c.candidate.peak_memory is not None
    assert c.baseline.report is not None
    assert c.candidate.report is None
    assert_hooks_restored()


def test_an_interrupt_before_any_round_is_complete_propagates() -> None:
    clock = FakeClock()
    with pytest.raises(KeyboardInterrupt):
        workbench.compare(
            version(clock, 0.01), version(clock, 0.01, interrupt_at=2), clock=clock, repeat=8
        )
    assert_hooks_restored()


def test_compare_async_is_interrupted_the_same_way() -> None:
    clock = FakeClock()
    calls = [0]

    async def slow() -> int:
        clock.spend(0.02)
        return 1

    async def fast() -> int:
        calls[0] += 1
        if calls[0] == 5:
            raise KeyboardInterrupt
        clock.spend(0.01)
        return 1

    async def main() -> Any:
        return await workbench.compare_async(slow, fast, clock=clock, repeat=10)

    c = asyncio.run(main())
    assert c.interrupted
    assert c.rounds == 3
    assert c.rounds_planned == 10
    assert_hooks_restored()


def test_a_partial_comparison_saves_what_it_has(tmp_path: Path) -> None:
    clock = FakeClock()
    c = workbench.compare(
        version(clock, 0.02), version(clock, 0.01, interrupt_at=4), clock=clock, repeat=8
    )
    paths = c.save(tmp_path)
    assert set(paths) == {"json", "html", "csv"}
    assert '"interrupted": true' in paths["json"].read_text()
