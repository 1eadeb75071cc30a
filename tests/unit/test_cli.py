"""`python -m workbench run`, run as a user runs it: in a child process, compared with the
same program run by plain `python` (its output, its exit status, its traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Prints what Python sets up for a script, and bytes that no text layer may touch.
PROGRAM = """\
import sys

def crunch(n):
    return sum(i * i % 7 for i in range(n))

print("argv", sys.argv)
print("main", __name__, __file__, __spec__, __package__, sys.path[0])
print("is __main__", sys.modules["__main__"].__dict__ is globals())
print("total", crunch(20_000))
sys.stdout.flush()
sys.stdout.buffer.write(b"raw \\x00\\xff\\r\\n and no newline at the end")
"""

FAILING = """\
def parse(text):
    return int(text)

def load(rows):
    return [parse(r) for r in rows]

print("loading")
load(["1", "2", "x"])
"""


def _env() -> dict[str, str]:
    """This checkout first on sys.path, for the child and for plain python alike."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def _python(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=_env(), capture_output=True, timeout=300
    )


def _workbench(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return _python("-m", "workbench", *args, cwd=cwd)


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "job.py"
    path.write_text(PROGRAM)
    return path


def test_a_script_runs_as_python_runs_it_and_its_output_is_untouched(script: Path) -> None:
    args = ("job.py", "a", "-t", "5", "--", "-q")  # options of ours, after the script: its own
    plain = _python(*args, cwd=script.parent)
    profiled = _workbench("run", *args, cwd=script.parent)
    assert plain.returncode == 0, plain.stderr
    assert profiled.returncode == 0, profiled.stderr
    assert profiled.stdout == plain.stdout  # byte for byte
    assert b"argv ['job.py', 'a', '-t', '5', '--', '-q']" in profiled.stdout
    report = profiled.stderr.decode()
    assert report.startswith("Architect Workbench: job.py a -t 5 -- -q  [complete]")
    assert "crunch" in report
    assert "Functions:" in report


def test_a_script_in_another_folder_gets_its_own_folder_on_sys_path(script: Path) -> None:
    elsewhere = script.parent / "elsewhere"
    elsewhere.mkdir()
    plain = _python(str(script), cwd=elsewhere)
    profiled = _workbench("run", "-q", str(script), cwd=elsewhere)
    assert profiled.stdout == plain.stdout
    assert f"{script.parent}\n".encode() in plain.stdout  # sys.path[0]: the script's folder


@pytest.mark.parametrize(
    ("call", "status", "note"),
    [
        ("sys.exit()", 0, None),
        ("sys.exit(0)", 0, None),
        ("sys.exit(3)", 3, "the program exited with status 3 (sys.exit)"),
        ("sys.exit('no input given')", 1, "the program exited with status 1 (sys.exit)"),
    ],
)
def test_the_exit_status_is_the_programs(
    tmp_path: Path, call: str, status: int, note: str | None
) -> None:
    (tmp_path / "quits.py").write_text(f"import sys\nprint('working')\n{call}\nprint('never')\n")
    plain = _python("quits.py", cwd=tmp_path)
    profiled = _workbench("run", "quits.py", cwd=tmp_path)
    assert plain.returncode == status
    assert profiled.returncode == status
    assert profiled.stdout == plain.stdout == b"working\n"
    report = profiled.stderr.decode()
    # Python's message for a non-numeric status comes first, as the program's own output.
    assert report.startswith(plain.stderr.decode() + "Architect Workbench: quits.py  [complete]")
    assert (f"note: {note}" in report) == (note is not None)


def test_an_uncaught_exception_prints_pythons_traceback_then_the_report(tmp_path: Path) -> None:
    (tmp_path / "fails.py").write_text(FAILING)
    plain = _python("fails.py", cwd=tmp_path)
    profiled = _workbench("run", "fails.py", cwd=tmp_path)
    assert plain.returncode == profiled.returncode == 1
    assert profiled.stdout == plain.stdout == b"loading\n"
    traceback = plain.stderr.decode()
    assert traceback.startswith("Traceback (most recent call last):\n")
    assert "ValueError: invalid literal for int() with base 10: 'x'" in traceback
    stderr = profiled.stderr.decode()
    assert stderr.startswith(traceback)  # the same frames, none of the workbench's
    report = stderr[len(traceback) :]
    assert report.startswith("Architect Workbench: fails.py  [INCOMPLETE: the code raised]")
    assert "parse" in report


def test_a_syntax_error_is_printed_as_python_prints_it_and_nothing_runs(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("print('ran')\nx = (\n")
    plain = _python("broken.py", cwd=tmp_path)
    profiled = _workbench("run", "broken.py", cwd=tmp_path)
    assert plain.returncode == profiled.returncode == 1
    assert profiled.stdout == plain.stdout == b""
    assert profiled.stderr == plain.stderr
    assert b"SyntaxError" in profiled.stderr


def test_c_code_runs_as_python_c_runs_it(tmp_path: Path) -> None:
    code = textwrap.dedent("""\
        import sys
        def twice(x):
            return 2 * x
        print(sys.argv, repr(sys.path[0]), __name__, twice(21))
    """)
    plain = _python("-c", code, "x", "-q", cwd=tmp_path)
    profiled = _workbench("run", "-c", code, "x", "-q", cwd=tmp_path)
    assert plain.returncode == profiled.returncode == 0
    assert profiled.stdout == plain.stdout == b"['-c', 'x', '-q'] '' __main__ 42\n"
    assert profiled.stderr.decode().startswith("Architect Workbench: -c ")
    assert "twice" in profiled.stderr.decode()


def test_c_code_is_the_users_code(tmp_path: Path) -> None:
    # The loop is spin's own bytecode: a clear hotspot (a generator expression under
    # sum() left spin's corrected own time near zero, and sum() was named hottest).
    code = (
        "def spin(n):\n    t = 0\n    for i in range(n):\n        t += i * i\n    return t\n"
        "spin(300_000)\n"
    )
    profiled = _workbench("run", "-c", code, cwd=tmp_path)
    assert profiled.returncode == 0
    hottest = next(
        line for line in profiled.stderr.decode().splitlines() if "hottest function" in line
    )
    assert "(<command line>:" in hottest


@pytest.mark.parametrize("module", ["tools.report", "tools"])
def test_m_module_runs_as_python_m_runs_it(tmp_path: Path, module: str) -> None:
    """A module, and a package (its __main__), found from the working folder."""
    show = (
        "import sys\n"
        "def total(n):\n    return sum(range(n))\n"
        "print(sys.argv, __name__, __package__, __spec__.name, __file__, sys.path[0], total(9))\n"
    )
    package = tmp_path / "tools"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "report.py").write_text(show)
    (package / "__main__.py").write_text(show)
    plain = _python("-m", module, "--fast", cwd=tmp_path)
    profiled = _workbench("run", "-m", module, "--fast", cwd=tmp_path)
    assert plain.returncode == profiled.returncode == 0, profiled.stderr
    assert profiled.stdout == plain.stdout
    assert str(package).encode() in plain.stdout
    assert profiled.stderr.decode().startswith(f"Architect Workbench: -m {module} --fast")
    assert "total" in profiled.stderr.decode()


@pytest.mark.parametrize("packed", ["app", "app.zip"])
def test_a_folder_or_zip_with_a_main_runs_as_python_runs_it(tmp_path: Path, packed: str) -> None:
    import zipfile

    main = "import sys\nprint(sys.argv, sys.path[0], __name__, __file__, __spec__.name)\n"
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__main__.py").write_text(main)
    with zipfile.ZipFile(tmp_path / "app.zip", "w") as archive:
        archive.writestr("__main__.py", main)
    plain = _python(packed, "x", cwd=tmp_path)
    profiled = _workbench("run", "-q", packed, "x", cwd=tmp_path)
    assert plain.returncode == profiled.returncode == 0, profiled.stderr
    assert profiled.stdout == plain.stdout
    assert f"{tmp_path / packed} __main__".encode() in plain.stdout


def test_the_console_script_is_the_same_command_line() -> None:
    """`architect-workbench` (pyproject's [project.scripts]) calls what `-m` calls."""
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"architect-workbench": "workbench.cli:main"}
    main_py = (ROOT / "workbench" / "__main__.py").read_text()
    assert "from workbench.cli import main" in main_py
