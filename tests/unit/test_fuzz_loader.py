"""The loader fuzzed: a damaged report.json loads as a Report that renders, or fails with
ReportFormatError, never anything else.

Each example starts from a real saved document (the fixtures' reports saved again by
this version, with stacks, asyncio and Dask tasks and cluster figures added, and one
version 1 file as it was saved) and applies one to three mutations at any of its paths:
a value of the wrong type, a huge, negative, tiny or out-of-range number, a lone
surrogate, a removed key, an added key, a list for an object, rows cut or repeated,
another version number, and raw JSON text: nesting 100,000 deep, NaN and Infinity,
1e999, an integer of 5,000 digits. Bounded and derandomized, so a run is repeatable.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench
from tests.cluster_reports import FIGURES
from workbench.report.schema import frame
from workbench.report.storage import report_to_json

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
RAW = "\x00raw\x00"  # a string value standing for raw JSON text (see `_text`)
RAW_TEXTS = (
    "[" * 100_000 + "]" * 100_000,
    '{"a": ' * 50_000 + "1" + "}" * 50_000,
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "-1e999",
    "1" * 5000,
    "1" * 4000,
    "18446744073709551616",
    "-9223372036854775809",
    "9223372036854775807",
)
NUMBERS = (0, -1, 1, 2**31, 2**63 - 1, 2**63, -(2**63), 10**400, -(10**400))
FLOATS = (0.0, -0.0, -1.0, 5e-324, 1e-300, 1e300, 1.7976931348623157e308, -1e308, 0.5)


def _stacks() -> Any:
    """A small sampled `stacks` table: two stacks of a main that calls two helpers."""
    rows = []
    for number, (inner, samples) in enumerate((("parse", 30), ("score", 12))):
        for depth, (function, line) in enumerate((("main", 1), (inner, 10 + number))):
            rows.append(
                {"stack": number, "depth": depth, "function": function, "file": "app.py",
                 "line": line, "samples": samples, "seconds": samples / 1000}
            )  # fmt: skip
    return frame("stacks", rows)


def _documents() -> list[dict[str, Any]]:
    """The documents the mutations start from (fixed: the fixtures' numbers never change)."""
    sampled = workbench.Report.load(FIXTURES / "sampled")
    full = replace(
        sampled,
        summary=replace(sampled.summary, cluster=FIGURES, slowdown=1.5, correction="corrected"),
        tasks=workbench.Report.load(FIXTURES / "async").tasks,
        memory=workbench.Report.load(FIXTURES / "traced").memory,
        stacks=_stacks(),
    )
    raised = workbench.Report.load(FIXTURES / "raised")
    version_1 = json.loads((FIXTURES / "raised" / "report.json").read_text(encoding="utf-8"))
    return [json.loads(report_to_json(full)), json.loads(report_to_json(raised)), version_1]


DOCUMENTS = _documents()


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path (keys and indexes) into `value`, `value` itself first."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):  # the first rows stand for the others
            yield from _paths(item, (*prefix, index))


PATHS = [list(_paths(document)) for document in DOCUMENTS]

texts = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=12),
    st.sampled_from(["fast", "", "sampled", "client", "In[3]", "caf\udce9.py", "\ud800"]),
    st.sampled_from(["x" * 10_000, "\n" * 50, "<script>", "a;b c", "\x00"]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(NUMBERS),
    st.integers(),
    st.sampled_from(FLOATS),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
mutations = st.tuples(
    st.sampled_from(
        ["like", "like", "like", "replace", "replace", "delete", "add", "shape", "raw", "rows"]
    ),
    st.integers(min_value=0),
    values,
    st.sampled_from(RAW_TEXTS),
    st.one_of(st.sampled_from(NUMBERS), st.integers()),
    st.one_of(st.sampled_from(FLOATS), st.floats(allow_nan=False, allow_infinity=False)),
    texts,
)


def _mutate(document: Any, paths: list[tuple[Any, ...]], mutation: tuple[Any, ...]) -> Any:
    """`document` with one mutation applied at one of `paths` (those that still exist):
    "like" puts a value of the same JSON type (a number for a number, a string for a
    string), the others anything."""
    kind, choice, value, _, integer, number, text = mutation
    path = paths[choice % len(paths)]
    parent: Any = None
    node = document
    for step in path:
        if not isinstance(node, dict | list):
            return document  # an earlier mutation replaced it
        try:
            parent, node = node, node[step]
        except (KeyError, IndexError, TypeError):
            return document  # an earlier mutation removed it
    replacement: Any = {
        "replace": value,
        "raw": RAW,
        "shape": [node]
        if isinstance(node, dict)
        else dict(enumerate(node if isinstance(node, list) else [node])),
    }.get(kind, node)
    if kind == "like":
        like = {bool: not node, int: integer, float: number, str: text, type(None): number}
        replacement = like.get(type(node), node)
    if kind == "rows" and isinstance(node, list):
        replacement = node[: choice % 3] if choice % 2 else node + node[:1]
    if kind == "add" and isinstance(node, dict):
        replacement = {**node, "extra": value}
    if kind == "delete" and parent is not None:
        del parent[path[-1]]
        return document
    if parent is None:
        return replacement
    parent[path[-1]] = replacement
    return document


def _text(document: Any, raw: list[str]) -> str:
    """The document's JSON text, each RAW string replaced by the next raw text."""
    text = json.dumps(document)
    marker = json.dumps(RAW)
    for piece in raw:
        text = text.replace(marker, piece, 1)
    return text


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    which=st.integers(min_value=0, max_value=len(DOCUMENTS) - 1),
    changes=st.lists(mutations, min_size=1, max_size=3),
)
def test_a_damaged_report_loads_and_renders_or_fails_clearly(
    folder: Path, which: int, changes: list[tuple[Any, ...]]
) -> None:
    document: Any = json.loads(json.dumps(DOCUMENTS[which]))
    for change in changes:
        document = _mutate(document, PATHS[which], change)
    path = folder / "report.json"
    path.write_text(_text(document, [c[3] for c in changes if c[0] == "raw"]), encoding="utf-8")
    try:
        report = workbench.Report.load(path)
    except workbench.ReportFormatError as error:
        refused = str(error)
    else:
        refused = ""
    if refused:
        assert str(path) in refused
        return
    assert report.to_text()
    assert report.to_html()


@pytest.mark.parametrize("which", range(len(DOCUMENTS)))
def test_the_documents_fuzzed_load_and_render(folder: Path, which: int) -> None:
    path = folder / "report.json"
    path.write_text(json.dumps(DOCUMENTS[which]), encoding="utf-8")
    report = workbench.Report.load(path)
    assert report.to_text()
    assert report.to_html()
