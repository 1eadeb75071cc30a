"""Property-based checks (Hypothesis) over generated call trees, profiled for real.

Each example builds a random tree of calls among six generated functions (recursion and
repetition included), runs it under the workbench, and checks what must hold whatever
the tree: call counts equal the tree's, shares add up, cumulative time covers own time,
a saved report loads back equal, and the icicle draws the tree from a root.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench
from workbench.render.icicle import icicle_boxes

FUNCTIONS = 6
_SOURCE = "\n".join(
    f"def f{i}(children):\n    for name, grandchildren in children:\n"
    f"        TABLE[name](grandchildren)\n"
    for i in range(FUNCTIONS)
)
_namespace: dict[str, Any] = {}
exec(compile(_SOURCE, "generated_tree.py", "exec"), _namespace)
TABLE = {f"f{i}": _namespace[f"f{i}"] for i in range(FUNCTIONS)}
_namespace["TABLE"] = TABLE

Tree = tuple[str, list[Any]]
names = st.sampled_from(sorted(TABLE))
trees: st.SearchStrategy[Tree] = st.recursive(
    st.tuples(names, st.just([])),
    lambda children: st.tuples(names, st.lists(children, max_size=4)),
    max_leaves=40,
)


def expected_calls(tree: Tree) -> tuple[Counter[str], Counter[str]]:
    """(all calls, primitive calls: not below a call of the same function) per name."""
    calls: Counter[str] = Counter()
    primitive: Counter[str] = Counter()
    stack: list[tuple[Tree, frozenset[str]]] = [(tree, frozenset())]
    while stack:
        (name, children), above = stack.pop()
        calls[name] += 1
        if name not in above:
            primitive[name] += 1
        stack.extend((child, above | {name}) for child in children)
    return calls, primitive


def run(tree: Tree) -> None:
    TABLE[tree[0]](tree[1])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_reports_of_any_call_tree_are_consistent(tree: Tree) -> None:
    with workbench.profiling(lines=None, memory="off") as session:
        run(tree)
    report = session.report
    functions = report.functions
    generated = functions[functions["file"].str.endswith("generated_tree.py")]
    rows = generated.set_index("function")
    calls, primitive = expected_calls(tree)
    assert rows["ncalls"].to_dict() == dict(calls)
    assert rows["primitive_calls"].to_dict() == dict(primitive)
    assert report.summary.total_calls == functions["ncalls"].sum()
    assert functions["share"].sum() == pytest.approx(1.0, abs=1e-9)
    assert (functions["share"] >= 0).all()
    assert (functions["cumtime"] >= functions["tottime"] - 1e-9).all()
    assert list(functions["tottime"]) == sorted(functions["tottime"], reverse=True)
    with tempfile.TemporaryDirectory() as folder:
        report.save(folder)
        assert workbench.Report.load(folder) == report
    assert report.pstats().total_calls == report.summary.total_calls
    # The icicle always has a root, and each level fits in the width of the whole.
    boxes, _, _ = icicle_boxes(report.profile_data)
    assert boxes
    assert tree[0] in {box.key[2] for box in boxes if box.depth <= 1}
    for depth in {box.depth for box in boxes}:
        assert sum(box.width for box in boxes if box.depth == depth) <= 1 + 1e-9
