"""The statistics pipeline made to scale gives the figures it gave before.

cProfile's snapshot, its cleaning, the comprehensions' folding, the correction, its
propagation and the function and stack tables were rewritten to grow linearly with the
distinct functions of a profile (benchmarks/scale.py). The code they replaced is kept in
tests/reference_*.py; on generated statistics both must agree: the same keys in the same
order, the same counts, the same times (bit for bit, except where a sum's terms are now
added in another order: within 1e-12).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import reference_cleaning, reference_correction, reference_tables
from tests.helpers import hook_cost
from workbench._paths import PACKAGE_DIR, RUNNER_FILES
from workbench.collectors.cleaning import cleaned
from workbench.collectors.comprehensions import fold_comprehensions
from workbench.collectors.functions import StatsDict, StatsKey
from workbench.collectors.snapshot import Profile
from workbench.report.correction import correct, own_times
from workbench.report.function_table import functions_frame
from workbench.report.propagation import components, flow_up
from workbench.report.stacks import stack_paths, stacks_frame, stats_from_stacks
from workbench.source import SourceIndex

COST = hook_cost()
USER = [("/u/a.py", i, f"f{i}") for i in range(6)] + [("/u/a.py", 40, "<module>")]
COMPREHENSIONS = [("/u/a.py", 50 + i, name) for i, name in enumerate(("<listcomp>",) * 2)]
COMPREHENSIONS += [("/u/b.py", 60, "<dictcomp>"), ("/u/b.py", 61, "<setcomp>")]
BUILTINS = [("~", 0, f"<built-in method b{i}>") for i in range(3)]
BUILTINS.append(("~", 0, "<built-in method builtins.exec>"))
CELL = ("/tmp/ipykernel_1/0a1b.py", 1, "<module>")
OURS = [(str(PACKAGE_DIR / "report" / "x.py"), i, f"ours{i}") for i in range(2)]
OURS += [(sorted(RUNNER_FILES)[0], 10, "_run"), ("~", 0, "<method 'enable' of 'P' objects>")]
KEYS = USER + COMPREHENSIONS + BUILTINS + [CELL] + OURS
seconds = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def _is_user_code(filename: str) -> bool:
    return filename.startswith("/u/") or "ipykernel" in filename


def _is_cell(filename: str) -> bool:
    return "ipykernel" in filename


@st.composite
def raw_stats(draw: st.DrawFn, pool: list[StatsKey] = KEYS) -> StatsDict:
    """pstats' layout over `pool`: counts (some zero), times (some below zero), callers
    among the keys (some not entries)."""
    chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=14, unique=True))
    stats: StatsDict = {}
    for key in chosen:
        calls = draw(st.integers(min_value=0, max_value=1000))
        own = draw(st.floats(min_value=-1e-3, max_value=1.0))
        callers = {
            caller: (
                draw(st.integers(min_value=0, max_value=max(calls, 1))),
                draw(st.integers(min_value=0, max_value=max(calls, 1))),
                draw(seconds),
                draw(seconds),
            )
            for caller in draw(st.lists(st.sampled_from(pool), max_size=4, unique=True))
        }
        stats[key] = (calls, calls, own, own + draw(seconds), callers)
    return stats


def _same(old: Any, new: Any, exact: bool = True, where: str = "") -> None:
    """Equal values (dicts: same keys in the same order); floats bit for bit, or within
    1e-12 (relative, 1e-15 absolute) when not `exact`."""
    if isinstance(old, dict):
        assert list(old) == list(new), where
        for key in old:
            _same(old[key], new[key], exact, f"{where}/{key}")
    elif isinstance(old, tuple | list):
        assert len(old) == len(new), where
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _same(a, b, exact, f"{where}[{i}]")
    elif isinstance(old, float) and not exact:
        assert math.isclose(old, new, rel_tol=1e-12, abs_tol=1e-15), (where, old, new)
    else:
        assert type(old) is type(new), (where, old, new)
        assert old == new, (where, old, new)


@settings(max_examples=300, deadline=None)
@given(raw_stats(), st.sets(st.sampled_from(USER + BUILTINS), max_size=2))
def test_the_cleaning_keeps_what_it_kept(raw: StatsDict, transparent: set[StatsKey]) -> None:
    # Calls our entries made are now subtracted in their callers' order (the old code's
    # set order): sums of several within 1e-12.
    old = reference_cleaning.cleaned(raw, transparent, _is_user_code, _is_cell)
    _same(old, cleaned(raw, transparent, _is_user_code, _is_cell), exact=False)


@settings(max_examples=300, deadline=None)
@given(raw_stats(USER + COMPREHENSIONS + BUILTINS))
def test_folding_comprehensions_gives_the_same_statistics(stats: StatsDict) -> None:
    _same(reference_cleaning.fold_comprehensions(stats), fold_comprehensions(stats))


class SubEntry(NamedTuple):
    code: Any
    callcount: int
    reccallcount: int
    totaltime: float
    inlinetime: float


class Entry(NamedTuple):
    code: Any
    callcount: int
    reccallcount: int
    totaltime: float
    inlinetime: float
    calls: list[SubEntry] | None


def _code(name: str, line: int) -> Any:
    source = "\n" * (line - 1) + f"def {name}():\n    pass\n"
    return compile(source, "/u/gen.py", "exec").co_consts[0]


# Code objects: two pairs share a pstats name (as every dataclass's `__init__` does).
CODES: list[Any] = [_code(f"g{i}", 1 + i) for i in range(5)] + [_code("g0", 1), _code("g1", 2)]
CODES += ["<built-in method b0>", "<built-in method b1>"]


@st.composite
def entries(draw: st.DrawFn) -> list[Entry]:
    """What cProfile's `getstats` returns: one entry per code object, with its calls."""
    codes = draw(st.lists(st.sampled_from(range(len(CODES))), min_size=1, unique=True))

    def figures() -> tuple[int, int, float, float]:
        calls = draw(st.integers(min_value=1, max_value=100))
        recursive = draw(st.integers(min_value=0, max_value=calls))
        inline = draw(seconds)
        return calls, recursive, inline + draw(seconds), inline

    out = []
    for i in codes:
        called = draw(st.lists(st.sampled_from(range(len(CODES))), max_size=3, unique=True))
        subs = [SubEntry(CODES[j], *figures()) for j in called]
        out.append(Entry(CODES[i], *figures(), subs or draw(st.sampled_from([None, []]))))
    return out


@settings(max_examples=300, deadline=None)
@given(entries())
def test_the_snapshot_sums_code_objects_sharing_a_name_as_before(got: list[Entry]) -> None:
    _same(reference_cleaning.summed(got), Profile._summed(got))  # type: ignore[arg-type]


def _stacks(
    draw: Callable[[st.SearchStrategy[Any]], Any], keys: list[StatsKey]
) -> dict[tuple[StatsKey, ...], int]:
    stacks = draw(st.lists(st.lists(st.sampled_from(keys), min_size=1, max_size=8), max_size=6))
    return {tuple(s): draw(st.integers(min_value=1, max_value=50)) for s in stacks}


@settings(max_examples=300, deadline=None)
@given(raw_stats(USER + BUILTINS), st.data())
def test_the_correction_gives_the_same_times(stats: StatsDict, data: st.DataObject) -> None:
    stacks = _stacks(data.draw, [*stats, USER[0]])
    hidden = {key: 1e-4 for key in list(stats)[:2]}
    resumable = set(list(stats)[-1:])
    old = reference_correction.correct(stats, COST, stacks, hidden, resumable)
    new = correct(stats, COST, stacks, hidden, resumable)
    # With stacks, a function's overhead now reaches its callers by a running sum per
    # stack: the same terms, added in another order.
    _same(old.stats, dict(new.stats.items()), exact=not stacks)
    _same((old.raw_seconds, old.seconds), (new.raw_seconds, new.seconds))
    _same(reference_correction.own_times(stats, COST, resumable), own_times(stats, COST, resumable))
    assert reference_correction.components(stats) == components(stats)
    overhead = {key: entry[2] / 3 for key, entry in stats.items()}
    # Same seconds, bit for bit; the old mapping listed the functions callees first.
    assert reference_correction.flow_up(stats, overhead) == flow_up(stats, overhead)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_the_sampled_statistics_and_the_stacks_table_are_the_same(data: st.DataObject) -> None:
    keys = USER + BUILTINS
    stacks = _stacks(data.draw, keys)
    weights = {stack: data.draw(seconds) for stack in stacks}
    carriers = data.draw(st.sets(st.sampled_from(keys), max_size=1))
    _same(
        reference_tables.stats_from_stacks(weights, carriers), stats_from_stacks(weights, carriers)
    )
    index = SourceIndex()
    old = reference_tables.stacks_frame(stacks, weights, index, carriers)
    table = stacks_frame(stacks, weights, index, carriers)
    _frames_equal(old, table)
    _same(reference_tables.stack_paths(table), stack_paths(table))


@settings(max_examples=200, deadline=None)
@given(raw_stats(USER + BUILTINS), st.booleans())
def test_the_functions_table_is_the_same(raw: StatsDict, corrected: bool) -> None:
    index = SourceIndex()
    # Ties in own and cumulative time (ranked by name, then as listed) are common.
    raw = {key: (cc, nc, round(tt, 1), round(ct, 1), c) for key, (cc, nc, tt, ct, c) in raw.items()}
    stats = correct(raw, COST, {}).stats if corrected else raw
    more = reference_tables.functions_rows(dict(stats.items()), index, raw, where="w:1")
    old = reference_tables.functions_frame(dict(stats.items()), index, raw, list(more))
    _frames_equal(old, functions_frame(stats, index, raw, [dict(row) for row in more]))


def _frames_equal(old: pd.DataFrame, new: pd.DataFrame) -> None:
    assert list(old.dtypes) == list(new.dtypes)
    pd.testing.assert_frame_equal(old, new, check_exact=True)


def test_the_references_are_what_the_tests_compare_with() -> None:
    """A guard against comparing the new code with itself."""
    checks: list[Callable[..., Any]] = [
        reference_cleaning.cleaned,
        reference_correction.correct,
        reference_tables.functions_frame,
    ]
    assert all(check.__module__.startswith("tests.reference_") for check in checks)
