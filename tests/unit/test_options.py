"""Options are checked before anything runs; each error says what to do instead."""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest

import workbench
from tests import workloads


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"memory": "heap"}, "choose one of rss, tracemalloc, lines, off"),
        ({"top": 0}, "at least 1"),
        ({"lines": ["score"]}, "pass the function itself"),
        ({"lines": [42]}, "is not a function"),
        ({"lines": 3.5}, "use 'auto', None, or a list of functions"),
        ({"memory": "lines"}, "name them, e.g. lines=\\[transform\\]"),
        ({"memory": "lines", "lines": None}, "-m lines -l transform"),
    ],
)
def test_bad_options_raise_option_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(workbench.OptionError, match=message):
        workbench.profiling(**kwargs)  # type: ignore[arg-type]


def test_builtins_cannot_get_line_detail() -> None:
    with pytest.raises(workbench.OptionError, match="no Python source"):
        workbench.profiling(lines=[len])
    with pytest.raises(workbench.OptionError, match="no Python code"):
        workbench.profiling(lines=[len], memory="lines")


def test_option_error_is_a_value_error_and_a_workbench_error() -> None:
    assert issubclass(workbench.OptionError, ValueError)
    assert issubclass(workbench.OptionError, workbench.WorkbenchError)


def test_memory_lines_mode_says_line_times_were_not_measured() -> None:
    with workbench.profiling(lines=[workloads.parse], memory="lines") as run:
        workloads.parse(10)
    assert run.report.lines.empty
    assert any("line times were not measured" in n for n in run.report.summary.notes)


class _Basket:
    def __init__(self) -> None:
        self.items = list(range(100))

    @property
    def total(self) -> int:
        return sum(self.items)

    @functools.cached_property
    def mean(self) -> float:
        return sum(self.items) / len(self.items)

    @staticmethod
    def empty() -> int:
        return 0

    @classmethod
    def make(cls) -> _Basket:
        return cls()

    nothing = property(None)


def test_class_attributes_give_the_function_that_runs() -> None:
    """`lines=[Cls.prop]` traces the getter: a property is no function, its fget is."""
    named = workbench.ProfileOptions(
        lines=[
            _Basket.total,
            _Basket.__dict__["mean"],
            _Basket.__dict__["empty"],
            _Basket.__dict__["make"],
        ]
    ).named_functions
    assert named == (
        _Basket.__dict__["total"].fget,
        _Basket.__dict__["mean"].func,
        _Basket.__dict__["empty"].__func__,
        _Basket.__dict__["make"].__func__,
    )
    assert workbench.ProfileOptions(lines=_Basket.total).plan.traced == ("_Basket.total",)
    with workbench.profiling(lines=[_Basket.total]) as run:
        _ = _Basket().total
    hits = run.report.lines.dropna(subset=["hits"])
    assert set(hits[hits["hits"] > 0]["function"]) == {"_Basket.total"}
    with pytest.raises(workbench.OptionError, match=r"\(a property without a getter\)"):
        workbench.ProfileOptions(lines=[_Basket.nothing])


HUGE = list(range(50_000))


class _Loud:
    """A callable with no Python code and a very long repr."""

    def __call__(self) -> None:
        return None

    def __repr__(self) -> str:
        return "L" * 100_000


@pytest.mark.parametrize(
    "make",
    [
        lambda: workbench.ProfileOptions(lines=[HUGE]),
        lambda: workbench.ProfileOptions(lines=["x" * 100_000]),
        lambda: workbench.ProfileOptions(lines="y" * 100_000),
        lambda: workbench.ProfileOptions(memory="z" * 100_000),  # type: ignore[arg-type]
        lambda: workbench.ProfileOptions(top=HUGE),  # type: ignore[arg-type]
        lambda: workbench.ProfileOptions(hints=HUGE),  # type: ignore[arg-type]
        lambda: workbench.Display(top=-(10**5000)),
        lambda: _report().save(HUGE),  # type: ignore[arg-type]
        lambda: _report().save("out", formats=HUGE),  # type: ignore[arg-type]
        lambda: _report().snakeviz(height=HUGE),  # type: ignore[arg-type]
        lambda: workbench.profiling(lines=[functools.partial(len, HUGE)]),
        lambda: workbench.profiling(lines=[_Loud()], memory="lines"),
    ],
)
def test_messages_quote_only_a_short_prefix_of_a_value(make: Callable[[], object]) -> None:
    with pytest.raises(workbench.OptionError) as refused:
        make()
    assert len(str(refused.value)) < 300


_REPORT: list[workbench.Report] = []


def _report() -> workbench.Report:
    if not _REPORT:
        _REPORT.append(workbench.profile(workloads.parse, 10))
    return _REPORT[0]
