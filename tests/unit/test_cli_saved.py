"""The command line in this process: saving with -s (and refusing before anything runs),
`show` and `compare` on saved reports, `-l` on the program's own functions, usage errors
(exit status 2) and help."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from workbench import Report
from workbench.cli import main

# Calls `step` as often as its first argument says; leaves a mark that it ran. `step` is a
# Python loop whose own time grows with i, so 3 -> 8 calls is the diff's largest change (a
# builtin sum() left step's corrected own time near zero and noise could outrank it).
PROGRAM = """\
import sys
from pathlib import Path

def step(i):
    total = 0
    for k in range(i * 20_000):
        total += k
    return total

def pipeline(n):
    return [step(i) for i in range(n)]

Path(__file__).with_name("ran").write_text("yes")
print(len(pipeline(int(sys.argv[1]) if len(sys.argv) > 1 else 3)))
"""


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "job.py"
    path.write_text(PROGRAM)
    return path


def test_s_saves_the_report_and_show_prints_it(
    script: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "runs" / "first"
    assert main(["run", "-s", str(out), "--formats", "json,prof,folded", str(script), "4"]) == 0
    printed = capsys.readouterr()
    assert printed.out == "4\n"
    assert sorted(p.name for p in out.iterdir()) == [
        "profile.folded",
        "profile.prof",
        "report.json",
    ]
    assert f"saved: {out / 'report.json'}" in printed.err
    report = Report.load(out)
    steps = report.functions[report.functions["function"] == "step"]
    assert steps["ncalls"].tolist() == [4]
    assert main(["show", str(out), "-t", "2"]) == 0
    shown = capsys.readouterr().out
    assert shown == report.to_text(top=2) + "\n"
    assert shown.startswith(f"Architect Workbench: {script} 4  [complete]")


def test_s_refuses_a_folder_that_is_not_empty_before_the_program_runs(
    script: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit) as exit_:
        main(["run", "-s", str(out), str(script)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "the folder is not empty (notes.txt); add --overwrite" in err
    assert not (tmp_path / "ran").exists()  # refused before the program started
    assert main(["run", "-q", "-s", str(out), "--overwrite", str(script)]) == 0
    assert (tmp_path / "ran").exists()
    assert sorted(p.name for p in out.iterdir()) == [
        "notes.txt",
        "profile.prof",
        "report.html",
        "report.json",
    ]


def test_compare_prints_the_profile_diff_of_two_saved_reports(
    script: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    assert main(["run", "-q", "-s", str(before), str(script), "3"]) == 0
    assert main(["run", "-q", "-s", str(after), str(script), "8"]) == 0
    capsys.readouterr()
    assert main(["compare", str(before), str(after)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Architect Workbench compare of two saved reports\n")
    assert f"before  {before}: {script} 3" in text
    assert f"after   {after}: {script} 8" in text
    assert "What changed: top " in text
    step_row = next(line for line in text.splitlines() if line.endswith("job.py:4"))
    assert " 3 -> 8  step " in step_row
    calls_row = next(line for line in text.splitlines() if line.lstrip().startswith("calls"))
    assert calls_row.split()[1:3] == [
        f"{Report.load(before).summary.total_calls:,}",
        f"{Report.load(after).summary.total_calls:,}",
    ]


def test_lines_of_functions_the_program_defines(
    script: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "-l", "step", "-l", "pipeline", str(script)]) == 0
    titles = [line for line in capsys.readouterr().err.splitlines() if line.startswith("Lines")]
    assert len(titles) == 2
    for title, function in zip(sorted(titles), ("pipeline", "step"), strict=True):
        assert title.startswith(f"Lines of {function}  (")
        assert title.endswith("job.py, traced by line_profiler)")
    assert main(["run", "--memory", "lines", "-l", "pipeline", str(script), "2"]) == 0
    assert "Memory per line of pipeline" in capsys.readouterr().err


def test_user_says_which_code_is_yours(tmp_path: Path) -> None:
    """--user as the magic's: '!PATH' takes a file of the program's folder out of yours."""
    (tmp_path / "helpers.py").write_text("def work(n):\n    return sorted(range(n))\n")
    (tmp_path / "main.py").write_text("import helpers\nhelpers.work(1000)\n")
    mine: dict[str, bool] = {}
    for name, words in (("default", []), ("removed", ["--user", f"!{tmp_path / 'helpers.py'}"])):
        out = tmp_path / name
        assert main(["run", "-q", "-s", str(out), *words, str(tmp_path / "main.py")]) == 0
        functions = Report.load(out).functions
        mine[name] = bool(functions.loc[functions["function"] == "work", "user_code"].item())
    assert mine == {"default": True, "removed": False}


def test_a_keyboard_interrupt_exits_as_a_shell_reports_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "stops.py").write_text("raise KeyboardInterrupt\n")
    assert main(["run", str(tmp_path / "stops.py")]) == 130
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):\n")
    assert "KeyboardInterrupt\nArchitect Workbench: " in err


@pytest.mark.parametrize(
    ("words", "says"),
    [
        ([], "give the program to profile: script.py, -c CODE or -m MODULE"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--memory", "lines"], "--memory lines traces the memory of named functions"),
        (["--memory", "heap"], "argument --memory: invalid choice: 'heap'"),
        (["-l", "nowhere"], "the program defines no function 'nowhere'"),
        (["-t", "0"], "argument -t/--top: '0': use a whole number of at least 1"),
        (["-s", "out", "--formats", "pdf"], "--formats pdf: choose among prof, json"),
        (["-f", "guess"], "argument -f/--functions: invalid choice: 'guess'"),
        (["--user", "no/such/folder"], "user_code"),
    ],
)
def test_a_bad_option_exits_2_with_the_fix_and_runs_nothing(
    script: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], words: list[str], says: str
) -> None:
    program = [str(script)] if words != [] else []
    with pytest.raises(SystemExit) as exit_:
        main(["run", *words, *program])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m workbench run [options] (script.py | -c CODE")
    assert says in err
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize(
    ("words", "says"),
    [
        (["run", "missing.py"], "can't open file"),
        (["run", "-m", "no_such_module_anywhere"], "no module named 'no_such_module_anywhere'"),
        (["run", "-c"], "argument -c: expected one argument"),
        (["show", "nowhere"], "cannot read a report from nowhere"),
        (["compare", "nowhere"], "the following arguments are required: DIR2"),
        (["profile"], "invalid choice: 'profile'"),
    ],
)
def test_a_missing_program_or_report_exits_2(
    words: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(words)
    assert exit_.value.code == 2
    assert says in capsys.readouterr().err


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    for words in (["-h"], ["run", "-h"], ["show", "-h"], ["compare", "-h"], ["--version"]):
        with pytest.raises(SystemExit) as exit_:
            main(words)
        assert exit_.value.code == 0
    out = capsys.readouterr().out
    commands = ("run       profile a script", "show      print a saved", "compare   compare two")
    for text in (*commands, "-c CODE", "-m MODULE", "--memory", "--overwrite", "--top N"):
        assert text in out
    from workbench import __version__

    assert out.endswith(f"python -m workbench {__version__}\n")


def test_the_process_is_left_as_it_was(script: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv, path, main_module = list(sys.argv), list(sys.path), sys.modules["__main__"]
    assert main(["run", "-q", str(script), "2"]) == 0
    assert (sys.argv, sys.path, sys.modules["__main__"]) == (argv, path, main_module)
