"""Saving and loading against hostile files and failing disks.

Loading: whatever sits at the path (a symlink to /dev/zero, a FIFO, a folder, a sparse
file of a gigabyte, bytes that are not UTF-8, JSON nested 100,000 deep) and whatever a
document holds fails as a ReportFormatError naming the file and the field. Saving: a
folder's files are written as one unit (a full disk at any file, a rename failing midway:
the folder holds its old files, and no temporary file is left), never through a planted
symlink, with the user's umask, and never over a file unasked.
"""

from __future__ import annotations

import base64
import errno
import json
import marshal
import os
import stat
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, get_type_hints

import pandas as pd
import pytest

import workbench
from workbench.errors import ReportExistsError, ReportFormatError, SaveError
from workbench.options import Display, Plan
from workbench.report import reading
from workbench.report.schema import frame
from workbench.report.storage import FILES, report_to_json
from workbench.report.summary import ClusterFigures, Summary
from workbench.report.validation import Invalid, convert

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
ALL = tuple(FILES)
CAFE = "/tmp/caf\udce9.py"  # a file name of bytes that are not UTF-8, as Python decodes it


@pytest.fixture(scope="module")
def report() -> workbench.Report:
    """A saved run's report, with sampled stacks for the exports."""
    loaded = workbench.Report.load(FIXTURES / "sampled")
    stacks = frame(
        "stacks",
        [
            {"stack": 0, "depth": d, "function": f, "file": "app.py", "line": d + 1,
             "samples": 5, "seconds": 0.005}
            for d, f in enumerate(("main", "parse"))
        ],
    )  # fmt: skip
    return replace(loaded, stacks=stacks)


def _document(report: workbench.Report) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(report_to_json(report))
    return loaded


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# Hostile files


def test_a_symlink_to_dev_zero_is_refused_unread(tmp_path: Path) -> None:
    (tmp_path / "report.json").symlink_to("/dev/zero")
    with pytest.raises(ReportFormatError, match="it is a character device, not a file"):
        workbench.Report.load(tmp_path)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "report.json")
    with pytest.raises(ReportFormatError, match=r"a named pipe \(FIFO\), not a file"):
        workbench.Report.load(tmp_path / "report.json")


def test_a_folder_named_report_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / "report.json").mkdir()
    with pytest.raises(ReportFormatError, match="it is a folder, not a file"):
        workbench.Report.load(tmp_path)


def test_a_file_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    with path.open("wb") as sparse:  # a hole: no disk used, nothing to read
        sparse.truncate(reading.MAX_BYTES + 1)
    with pytest.raises(ReportFormatError, match="1,073,741,825 bytes, more than the"):
        workbench.Report.load(path)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_reading_stops_after_the_limit_whatever_the_size_says() -> None:
    status = Path("/proc/self/status")
    assert status.stat().st_size == 0  # a regular file that says it is empty
    assert len(reading.read_bytes(status)) > 10
    with pytest.raises(ReportFormatError, match="more bytes, more than the 10 a report"):
        reading.read_bytes(status, limit=10)


def test_bytes_that_are_not_utf8_are_refused(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_bytes(b'{"format": "\xff"}')
    with pytest.raises(ReportFormatError, match=r"not UTF-8 text \(byte 12 is b'\\xff'\)"):
        workbench.Report.load(tmp_path)


def test_a_symlink_to_a_saved_report_loads(report: workbench.Report, tmp_path: Path) -> None:
    saved = report.save(tmp_path / "real", formats=("json",))["json"]
    (tmp_path / "link.json").symlink_to(saved)
    assert workbench.Report.load(tmp_path / "link.json") == report


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "its JSON nests too deeply"),
        ('{"a": ' * 100_000 + "1" + "}" * 100_000, "its JSON nests too deeply"),
        ("1" * 5000, "Exceeds the limit"),
        ('{"format": NaN}', "NaN is not a JSON number"),
        ('{"format": -Infinity}', "-Infinity is not a JSON number"),
        ("{", "Expecting property name"),
    ],
)
def test_json_that_would_exhaust_the_parser_is_refused(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "report.json").write_text(text, encoding="ascii")
    with pytest.raises(ReportFormatError, match=message) as refused:
        workbench.Report.load(tmp_path)
    assert str(tmp_path / "report.json") in str(refused.value)


# Damaged documents: the field that is wrong is named


def _base64(value: Any) -> str:
    return base64.b64encode(marshal.dumps(value)).decode("ascii")


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], Any]:
    def change(document: dict[str, Any]) -> Any:
        node = document
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value
        return document

    return change


def _delete(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], Any]:
    def change(document: dict[str, Any]) -> Any:
        node = document
        for step in path[:-1]:
            node = node[step]
        del node[path[-1]]
        return document

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: [d], "is not an Architect Workbench report: its JSON is a list"),
        (lambda d: "report", "is not an Architect Workbench report: its JSON is a string"),
        (lambda d: None, "is not an Architect Workbench report: its JSON is null"),
        (_set(("version",), True), "version True"),
        (_set(("tables",), None), "tables: expected an object of tables, got None"),
        (_set(("summary",), []), "summary: expected an object, got "),
        (_set(("summary", "total_calls"), 10**400), r"summary.total_calls: 1000.* out of range"),
        (
            _set(("summary", "wall_seconds"), "fast"),
            "summary.wall_seconds: expected a number, got 'fast'",
        ),
        (_set(("summary", "complete"), 1), "summary.complete: expected true or false, got 1"),
        (_set(("summary", "lenses"), "functions"), "summary.lenses: expected a list"),
        (_set(("summary", "lenses", 0), 3), r"summary.lenses\[0\]: expected a string, got 3"),
        (
            _set(("summary", "plan", "lines"), "all"),
            "summary.plan.lines: expected one of 'sampled'",
        ),
        (_set(("summary", "plan", "extra"), 1), "summary.plan.extra: no such field"),
        (_delete(("summary", "label")), "summary.label: missing"),
        (_set(("display", "top"), 0), "display: top=0: use a whole number of at least 1"),
        (
            _set(("tables", "functions", 0, 3), "many"),
            r"tables.functions\[0\].ncalls: expected a whole",
        ),
        (
            _set(("tables", "functions", 0, 10), None),
            r"tables.functions\[0\].user_code: expected true",
        ),
        (
            _set(("tables", "functions", 0, 5), 1e999),
            r"tables.functions\[0\].tottime: expected a finite",
        ),
        (
            _set(("tables", "functions", 0, 2), 2**64),
            r"tables.functions\[0\].line: 18446744073709551616",
        ),
        (
            _set(("tables", "functions", 0), [1]),
            r"tables.functions\[0\]: expected a row of 12 values",
        ),
        (_set(("tables", "nothing"), []), "tables.nothing: no such table"),
        (_set(("tables", "stacks"), {}), "tables.stacks: expected a list of rows"),
        (_set(("profile_data",), "!!"), "profile_data: not cProfile's statistics"),
        (_set(("profile_data",), _base64([1])), "profile_data: expected cProfile's statistics"),
        (_set(("profile_data",), _base64({("f", 1, "g"): 1})), r"profile_data\[\('f', 1, 'g'\)\]"),
        (_delete(("display",)), "display: missing"),
        (_set(("more",), 1), "'more': no such member"),
    ],
)
def test_a_damaged_document_names_what_is_wrong(
    report: workbench.Report, tmp_path: Path, change: Callable[[Any], Any], message: str
) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(change(_document(report))).replace("Infinity", "1e999"))
    with pytest.raises(ReportFormatError, match=message) as refused:
        workbench.Report.load(path)
    assert str(path) in str(refused.value)


@pytest.mark.parametrize("cls", [Summary, Plan, Display, ClusterFigures])
def test_every_field_of_the_saved_dataclasses_has_a_rule(cls: type) -> None:
    """A field added with a kind of type the checker has no rule for fails here, not as a
    TypeError in a user's load."""
    for name, hint in get_type_hints(cls).items():
        with pytest.raises(Invalid, match=name):
            convert(name, {"not": "a value"}, hint)


def test_the_older_indented_layout_still_loads(report: workbench.Report, tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(_document(report), indent=1))
    assert workbench.Report.load(path) == report


def test_each_row_is_a_line_of_its_own(report: workbench.Report) -> None:
    text = report_to_json(report)
    rows = sum(len(getattr(report, name)) for name in ("functions", "lines", "timeline", "hints"))
    rows += len(report.stacks)
    assert sum(line.startswith("   [") for line in text.splitlines()) == rows
    assert json.loads(text) == json.loads(json.dumps(_document(report), indent=1))


# Names that are not UTF-8, figures JSON cannot hold


def test_a_file_name_that_is_not_utf8_saves_in_every_format(
    report: workbench.Report, tmp_path: Path
) -> None:
    stacks = report.stacks.assign(file=CAFE)
    named = replace(
        report,
        summary=replace(report.summary, label=f"run({CAFE})"),
        functions=report.functions.assign(file=CAFE),
        stacks=stacks,
    )
    paths = named.save(tmp_path, formats=ALL)
    assert b"/tmp/caf\xe9.py" in paths["folded"].read_bytes()  # the name's own bytes
    assert "caf\\udce9" in paths["html"].read_text(encoding="utf-8")
    paths["speedscope"].read_bytes().decode("ascii")
    assert workbench.Report.load(tmp_path) == named


def test_an_infinite_table_figure_saves_as_null(report: workbench.Report, tmp_path: Path) -> None:
    shares = report.functions["share"].copy()
    shares.iloc[0] = float("inf")
    infinite = replace(report, functions=report.functions.assign(share=shares))
    loaded = workbench.Report.load(infinite.save(tmp_path, formats=("json",))["json"])
    assert pd.isna(loaded.functions["share"].iloc[0])


def test_a_summary_figure_that_is_not_finite_is_a_save_error(
    report: workbench.Report, tmp_path: Path
) -> None:
    broken = replace(report, summary=replace(report.summary, wall_seconds=float("nan")))
    with pytest.raises(SaveError, match="cannot save the report as JSON"):
        broken.save(tmp_path / "out")
    assert not (tmp_path / "out").exists()  # rendered before any folder was made


# Failing disks: the folder holds its old files or its new ones


def _full_disk_at(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make os.write fail with ENOSPC for the temporary file of `name`."""
    real = os.write

    def write(fd: int, data: Any) -> int:
        if Path(os.readlink(f"/proc/self/fd/{fd}")).name.startswith(f".{name}."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)

    monkeypatch.setattr(os, "write", write)


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize("name", list(FILES.values()))
def test_a_full_disk_at_any_file_leaves_the_old_files(
    report: workbench.Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    replace(report, display=Display(top=3)).save(tmp_path, formats=ALL)
    before = _files(tmp_path)
    _full_disk_at(monkeypatch, name)
    with pytest.raises(SaveError) as refused:
        report.save(tmp_path, formats=ALL, overwrite=True)
    message = str(refused.value)
    assert "the disk is full (ENOSPC: No space left on device) while writing" in message
    assert f"{tmp_path / name}; nothing in {tmp_path} was changed" in message
    assert _files(tmp_path) == before  # all old, no temporary file


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize("name", list(FILES.values()))
def test_a_full_disk_in_a_first_save_leaves_no_file(
    report: workbench.Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    _full_disk_at(monkeypatch, name)
    with pytest.raises(SaveError, match="the disk is full"):
        report.save(tmp_path, formats=ALL)
    assert _files(tmp_path) == {}


@pytest.mark.parametrize("failing", [1, 2, 3])
def test_a_rename_failing_midway_puts_the_old_files_back(
    report: workbench.Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: int
) -> None:
    report.save(tmp_path, formats=("prof", "json", "html"))
    before = _files(tmp_path)
    real, calls = os.replace, []

    def replace_file(source: Any, target: Any) -> None:
        calls.append(target)
        if len(calls) == failing:
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(source))
        real(source, target)

    monkeypatch.setattr(os, "replace", replace_file)
    with pytest.raises(SaveError, match=r"I/O error.*nothing in .* was changed"):
        replace(report, display=Display(top=2)).save(tmp_path, formats=ALL, overwrite=True)
    assert _files(tmp_path) == before


def test_an_overwrite_removes_the_files_of_another_run(
    report: workbench.Report, tmp_path: Path
) -> None:
    report.save(tmp_path, formats=ALL)
    report.save(tmp_path, formats=("json",), overwrite=True)
    assert sorted(_files(tmp_path)) == ["report.json"]


def test_without_overwrite_a_file_of_any_format_refuses(
    report: workbench.Report, tmp_path: Path
) -> None:
    report.save(tmp_path, formats=("html",))
    before = _files(tmp_path)
    with pytest.raises(ReportExistsError, match=r"report\.html exist"):
        report.save(tmp_path, formats=("json",))
    assert _files(tmp_path) == before


def test_a_dangling_symlink_counts_as_a_file(report: workbench.Report, tmp_path: Path) -> None:
    nowhere = tmp_path / "nowhere"
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.html").symlink_to(nowhere)
    with pytest.raises(ReportExistsError, match=r"report\.html exist"):
        report.save(tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.html"]
    report.save(tmp_path / "out", overwrite=True)
    assert not (tmp_path / "out" / "report.html").is_symlink()
    assert not os.path.lexists(nowhere)  # the link was replaced, not written through


def test_a_symlink_to_a_file_is_replaced_not_written_through(
    report: workbench.Report, tmp_path: Path
) -> None:
    target = tmp_path / "keep.txt"
    target.write_text("keep me")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.json").symlink_to(target)
    report.save(tmp_path / "out", overwrite=True)
    assert target.read_text() == "keep me"
    assert not (tmp_path / "out" / "report.json").is_symlink()
    assert workbench.Report.load(tmp_path / "out") == report


def test_a_folder_at_a_file_name_refuses(report: workbench.Report, tmp_path: Path) -> None:
    (tmp_path / "profile.prof").mkdir()
    with pytest.raises(SaveError, match=r"profile\.prof is a folder"):
        report.save(tmp_path, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["profile.prof"]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_files_get_the_users_umask(
    report: workbench.Report, tmp_path: Path, umask: int, mode: int
) -> None:
    old = os.umask(umask)
    try:
        paths = report.save(tmp_path, formats=ALL)
    finally:
        os.umask(old)
    assert {stat.S_IMODE(p.stat().st_mode) for p in paths.values()} == {mode}


def test_an_interrupt_between_two_renames_is_undone(
    report: workbench.Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report.save(tmp_path, formats=ALL)
    before = _files(tmp_path)
    real, calls = os.replace, []

    def replace_file(source: Any, target: Any) -> None:
        calls.append(target)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real(source, target)

    monkeypatch.setattr(os, "replace", replace_file)
    with pytest.raises(KeyboardInterrupt):
        replace(report, display=Display(top=2)).save(tmp_path, formats=ALL, overwrite=True)
    assert _files(tmp_path) == before


def test_a_folder_without_hard_links_refuses_before_changing_anything(
    report: workbench.Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report.save(tmp_path, formats=("json", "html"))
    before = _files(tmp_path)
    real = os.link

    def link(source: Any, target: Any, **options: Any) -> None:
        if str(target).endswith(".old"):  # a backup: this file system has no hard links
            raise OSError(errno.EPERM, os.strerror(errno.EPERM))
        real(source, target, **options)

    monkeypatch.setattr(os, "link", link)
    with pytest.raises(SaveError, match=r"not permitted .* while keeping a copy of .*report"):
        report.save(tmp_path, overwrite=True)
    assert _files(tmp_path) == before
