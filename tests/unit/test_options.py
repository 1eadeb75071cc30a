"""Options are checked before anything runs; each error says what to do instead."""

from __future__ import annotations

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
