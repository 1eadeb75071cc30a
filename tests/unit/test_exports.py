"""Exports of the sampled stacks: collapsed stacks and speedscope's file format.

speedscope's JSON is validated against speedscope's own published schema (`make setup`
takes it from speedscope's npm package into the venv).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

import workbench
from tests import workloads
from workbench.errors import OptionError, ReportExistsError
from workbench.report import exports
from workbench.report.schema import frame

SCHEMA = Path(
    os.environ.get(
        "SPEEDSCOPE_SCHEMA",
        Path(__file__).resolve().parents[2] / ".venv" / "speedscope" / "file-format-schema.json",
    )
)


def _schema() -> dict[str, object]:
    if not SCHEMA.exists():
        message = (
            f"speedscope's schema is missing ({SCHEMA}): run make unit (it fetches it with npm)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    loaded: dict[str, object] = json.loads(SCHEMA.read_text())
    return loaded


def _table() -> pd.DataFrame:
    rows = []
    for number, (frames, samples) in enumerate(
        [
            ([("main", "app.py", 1), ("load", "app.py", 10), ("parse;fast", "lib.py", 5)], 6),
            ([("main", "app.py", 1), ("save", "app.py", 20)], 2),
        ]
    ):
        for depth, (function, file, line) in enumerate(frames):
            rows.append(
                {
                    "stack": number,
                    "depth": depth,
                    "function": function,
                    "file": file,
                    "line": line,
                    "samples": samples,
                    "seconds": samples * 0.004,
                }
            )
    return frame("stacks", rows)


def _sampled_report() -> workbench.Report:
    with workbench.profiling(functions="sampled", memory="off", label="pipeline") as run:
        workloads.pipeline(150_000)
    return run.report


def test_collapsed_stacks_are_one_line_per_stack_outermost_first() -> None:
    text = exports.folded(_table())
    assert text == (
        "main (app.py:1);load (app.py:10);parse,fast (lib.py:5) 6\n"
        "main (app.py:1);save (app.py:20) 2\n"
    )


def test_speedscope_json_follows_speedscope_s_schema() -> None:
    document = json.loads(exports.speedscope(_table(), "a run"))
    jsonschema.validate(document, _schema())
    profile = document["profiles"][0]
    names = [f["name"] for f in document["shared"]["frames"]]
    assert [[names[i] for i in stack] for stack in profile["samples"]] == [
        ["main", "load", "parse;fast"],
        ["main", "save"],
    ]
    assert profile["weights"] == pytest.approx([0.024, 0.008])
    assert profile["endValue"] == pytest.approx(0.032)


def test_a_broken_document_fails_the_schema() -> None:
    document = json.loads(exports.speedscope(_table(), "a run"))
    del document["profiles"][0]["weights"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, _schema())


def test_a_run_saves_its_stacks_in_every_format_and_loads_them_back(tmp_path: Path) -> None:
    report = _sampled_report()
    assert not report.stacks.empty
    paths = report.save(tmp_path, formats=("json", "speedscope", "folded"))
    assert sorted(p.name for p in paths.values()) == [
        "profile.folded",
        "profile.speedscope.json",
        "report.json",
    ]
    folded = paths["folded"].read_text().splitlines()
    assert len(folded) == report.stacks["stack"].nunique()
    total = report.stacks.drop_duplicates("stack")["samples"].sum()
    assert sum(int(line.rsplit(" ", 1)[1]) for line in folded) == total
    jsonschema.validate(json.loads(paths["speedscope"].read_text()), _schema())
    loaded = workbench.Report.load(tmp_path)
    assert loaded == report
    assert loaded.stacks.equals(report.stacks)


def test_save_refuses_an_unknown_format_and_an_existing_file(tmp_path: Path) -> None:
    report = _sampled_report()
    with pytest.raises(OptionError, match="formats="):
        report.save(tmp_path, formats=("pdf",))
    report.save(tmp_path, formats=("folded",))
    with pytest.raises(ReportExistsError):
        report.save(tmp_path, formats=("folded",))
    assert report.save(tmp_path, formats=("folded",), overwrite=True)
