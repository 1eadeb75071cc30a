"""Comprehensions are lines of their function on every Python: 3.11's `<listcomp>`,
`<dictcomp>` and `<setcomp>` frames are folded into their caller, as 3.12+ inlines them."""

from __future__ import annotations

import pstats
from pathlib import Path

import workbench
from workbench.collectors.comprehensions import INLINED, fold_comprehensions
from workbench.collectors.functions import StatsDict


def square(i: int) -> int:
    return sum(k * k for k in range(i % 50))


def tables(n: int) -> int:
    squares = [square(i) for i in range(n)]
    by_key = {i: square(i) for i in range(n)}
    nested = [[square(j) for j in range(3)] for _ in range(n)]
    return sum(squares) + len(by_key) + len(nested) + len({square(i) for i in range(n)})


def test_no_comprehension_rows_and_callees_charged_to_the_function(tmp_path: Path) -> None:
    report = workbench.profiling(lines=None, memory="off").run(tables, 400)
    names = set(report.functions["function"])
    assert not names & INLINED
    rows = report.functions.set_index("function")
    assert rows.loc["square", "ncalls"] == 400 * 3 + 400 * 3
    stats = pstats.Stats(str(report.save(tmp_path / "saved")["prof"]))
    (square_key,) = [key for key in stats.stats if key[2] == "square"]  # type: ignore[attr-defined]
    callers = stats.stats[square_key][4]  # type: ignore[attr-defined]
    assert {key[2] for key in callers} == {"tables"}
    assert sum(edge[0] for edge in callers.values()) == 2400
    assert report.summary.hottest_function is not None
    assert not report.summary.hottest_function.startswith(tuple(INLINED))


def test_sampled_stacks_have_no_comprehension_frames() -> None:
    report = workbench.profiling(functions="sampled", lines=None, memory="off").run(tables, 3000)
    assert len(report.stacks)
    assert not set(report.stacks["function"]) & INLINED


def test_fold_moves_own_time_and_edges_to_the_caller() -> None:
    f, lc, inner, g = (
        ("m.py", 1, "f"),
        ("m.py", 2, "<listcomp>"),
        ("m.py", 2, "<setcomp>"),
        (
            "m.py",
            9,
            "g",
        ),
    )
    stats: StatsDict = {
        f: (1, 1, 0.1, 1.0, {}),
        lc: (1, 1, 0.3, 0.9, {f: (1, 1, 0.3, 0.9)}),
        inner: (5, 5, 0.2, 0.6, {lc: (5, 5, 0.2, 0.6)}),
        g: (10, 10, 0.4, 0.4, {inner: (10, 10, 0.4, 0.4)}),
    }
    folded = fold_comprehensions(stats)
    assert set(folded) == {f, g}
    assert abs(folded[f][2] - 0.6) < 1e-12  # 0.1 + 0.3 + 0.2
    assert folded[f][3] == 1.0
    assert folded[g][4] == {f: (10, 10, 0.4, 0.4)}
    assert stats[g][4] == {inner: (10, 10, 0.4, 0.4)}  # the input is left as it was
