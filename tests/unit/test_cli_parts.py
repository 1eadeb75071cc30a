"""The command line's parts, in this process: where `run`'s options end and the program
begins, how `-l` finds functions a program has not defined yet, and that setting a
program up as __main__ is undone."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from workbench.cli.lines import choose_lines, with_traced_code
from workbench.cli.parser import Target, build_parsers, split_run
from workbench.cli.program import as_main
from workbench.errors import OptionError

RUN = build_parsers().run


@pytest.mark.parametrize(
    ("words", "ours", "program"),
    [
        (["job.py"], [], Target("script", "job.py")),
        (
            ["-l", "f", "-t5", "--memory", "off", "job.py", "-t", "5", "--", "x"],
            ["-l", "f", "-t5", "--memory", "off"],
            Target("script", "job.py", ("-t", "5", "--", "x")),
        ),
        (
            ["--top=3", "-q", "-c", "print(1)", "-q"],
            ["--top=3", "-q"],
            Target("code", "print(1)", ("-q",)),
        ),
        (["-mpkg.mod", "-l"], [], Target("module", "pkg.mod", ("-l",))),
        (["-s", "out", "-m", "pkg", "a"], ["-s", "out"], Target("module", "pkg", ("a",))),
        (["-q", "--", "-odd.py", "--"], ["-q"], Target("script", "-odd.py", ("--",))),
        (["-q", "-", "a"], ["-q"], Target("script", "-", ("a",))),
        (["-c"], [], Target("code", "")),
        (["-qs", "out", "job.py"], ["-qs", "out"], Target("script", "job.py")),
        (["-qt5", "job.py"], ["-qt5"], Target("script", "job.py")),
        (["-qc", "pass", "x"], ["-q"], Target("code", "pass", ("x",))),
        (["-qmpkg"], ["-q"], Target("module", "pkg")),
        (["-q", "-t", "5"], ["-q", "-t", "5"], None),
    ],
)
def test_run_splits_its_options_from_the_program(
    words: list[str], ours: list[str], program: Target | None
) -> None:
    assert split_run(RUN, words) == (ours, program)


SOURCE = """\
import functools

def transform(x):
    return x + 1

class Pipeline:
    def run(self, xs):
        return [transform(x) for x in xs]

    def close(self):
        return super().__repr__()

@functools.lru_cache
def cached(x):
    return x * 2

result = Pipeline().run([1, 2]), cached(3)
"""


def _code() -> types.CodeType:
    return compile(SOURCE, "/tmp/program.py", "exec", dont_inherit=True)


def _nested(code: types.CodeType) -> list[types.CodeType]:
    inner = [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return inner + [n for c in inner for n in _nested(c)]


def test_lines_names_find_the_programs_functions_before_it_runs() -> None:
    code = _code()
    choice = choose_lines(["transform", "Pipeline.run", "cached"], code, None)
    assert [f.__qualname__ for f in choice.lines] == ["transform", "Pipeline.run", "cached"]
    nested = _nested(code)
    for old, standin in choice.standins:
        assert standin.__code__ is old
        assert any(old is c for c in nested)  # the very code the program's `def` uses


def test_a_class_name_stands_for_its_methods() -> None:
    choice = choose_lines(["Pipeline"], _code(), None)
    assert [f.__qualname__ for f in choice.lines] == ["Pipeline.run", "Pipeline.close"]


def test_a_module_program_names_its_functions_with_or_without_its_prefix() -> None:
    choice = choose_lines(["jobs.nightly.transform"], _code(), "jobs.nightly")
    assert [f.__qualname__ for f in choice.lines] == ["transform"]


def test_an_importable_function_is_imported() -> None:
    import json

    choice = choose_lines(["json.dumps"], _code(), None)
    assert choice.lines == [json.dumps]
    assert choice.standins == ()


@pytest.mark.parametrize(
    ("names", "says"),
    [
        (["nowhere"], "the program defines no function 'nowhere'"),
        (["json.nowhere"], "json has no attribute 'nowhere'"),
        (["no_such_package.f"], "no module to import it from was found"),
        (["auto", "transform"], "-l auto and -l off stand alone"),
        (["transform()"], "give a function's name or dotted path"),
    ],
)
def test_a_name_that_is_not_there_is_refused_with_the_fix(names: list[str], says: str) -> None:
    with pytest.raises(OptionError, match=says.replace("(", r"\(").replace(")", r"\)")):
        choose_lines(names, _code(), None)


def test_keywords_stand_for_the_plain_options() -> None:
    assert choose_lines(None, _code(), None).lines == "auto"
    assert choose_lines(["auto"], _code(), None).lines == "auto"
    assert choose_lines(["off"], _code(), None).lines is None


def test_a_lens_that_copies_a_functions_code_gets_its_copy_run() -> None:
    """line_profiler traces a padded copy of each code it is given: the program's own
    `def` must then make functions of that copy."""
    code = _code()
    choice = choose_lines(["Pipeline.run"], code, None)
    ((old, standin),) = choice.standins
    standin.__code__ = old.replace(co_code=old.co_code + bytes(2))  # as line_profiler does
    namespace: dict[str, object] = {}
    exec(with_traced_code(code, choice), namespace)
    assert namespace["Pipeline"].run.__code__ is standin.__code__  # type: ignore[attr-defined]
    untouched = _code()
    assert with_traced_code(untouched, choose_lines(["transform"], untouched, None)) is untouched


def test_as_main_sets_the_process_up_like_python_and_undoes_it(tmp_path: Path) -> None:
    script = tmp_path / "prog.py"
    script.write_text("import sys\nseen = (sys.argv, sys.path[0], __name__, __file__)\n")
    argv, path, main = sys.argv, list(sys.path), sys.modules["__main__"]
    with as_main(Target("script", str(script), ("a",))) as program:
        assert sys.modules["__main__"].__dict__ is program.namespace
        exec(program.code, program.namespace)
        seen = program.namespace["seen"]
    assert seen == ([str(script), "a"], str(tmp_path), "__main__", str(script))
    assert (sys.argv, sys.path, sys.modules["__main__"]) == (argv, path, main)


def test_as_main_refuses_what_python_cannot_run(tmp_path: Path) -> None:
    (tmp_path / "empty_dir").mkdir()
    for target, says in [
        (Target("script", str(tmp_path / "missing.py")), "can't open file"),
        (Target("script", str(tmp_path / "empty_dir")), "can't find '__main__' module"),
        (Target("module", "no_such_module_anywhere"), "no module named"),
        (Target("module", "json"), "'json' is a package and cannot be run directly"),
    ]:
        argv = sys.argv
        with pytest.raises(OptionError, match=says), as_main(target):
            pass
        assert sys.argv is argv
