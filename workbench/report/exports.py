"""The report in the formats other viewers read.

- cProfile's statistics (`profile.prof`), for pstats and snakeviz: what cProfile
  measured, with notebook cells named as the report names them (`In[3]`), not by the
  temporary file name they were compiled under.
- Collapsed stacks (`profile.folded`): one line per distinct stack, frames outermost
  first joined by `;`, then a space and its sample count, as Brendan Gregg's
  stackcollapse scripts write them; flamegraph.pl, speedscope and inferno read it.
- speedscope's file format (`profile.speedscope.json`): a `sampled` profile whose frames
  carry name, file and line, weighted in seconds; speedscope.app and its CLI open it.

The last two come from the report's `stacks` table, so a loaded report exports as well.
"""

from __future__ import annotations

import json
import marshal
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.report.stacks import stack_paths
from workbench.source import SourceIndex

if TYPE_CHECKING:  # storage and snakeviz pass a Report in; only its type is imported
    from workbench.report.report import Report

__all__ = ["SPEEDSCOPE_SCHEMA", "folded", "prof", "speedscope"]

Key = tuple[str, int, str]  # pstats' (file, line, function)

SPEEDSCOPE_SCHEMA = "https://www.speedscope.app/file-format-schema.json"


def _label(file: str, line: int, function: str) -> str:
    # `;` separates frames and the last space the count: neither may appear inside one.
    where = f"{file}:{line}" if file else "built-in"
    return f"{function} ({where})".replace(";", ",").replace("\n", " ")


def folded(table: pd.DataFrame) -> str:
    """The collapsed-stack text of a `stacks` table (empty text for no samples)."""
    lines = [
        ";".join(_label(*frame) for frame in frames) + f" {samples}"
        for frames, samples, _ in stack_paths(table)
    ]
    return "".join(line + "\n" for line in lines)


def speedscope(table: pd.DataFrame, name: str) -> str:
    """speedscope's JSON for a `stacks` table: one sampled profile, weights in seconds.

    Parameters:
        table: the report's `stacks`.
        name: the profile's title (the report's label).
    """
    frames: list[dict[str, object]] = []
    numbers: dict[tuple[str, int, str], int] = {}
    samples: list[list[int]] = []
    weights: list[float] = []
    for stack, _, seconds in stack_paths(table):
        for frame in stack:
            if frame not in numbers:
                numbers[frame] = len(frames)
                file, line, function = frame
                frames.append({"name": function, "file": file, "line": line})
        samples.append([numbers[frame] for frame in stack])
        weights.append(seconds)
    document = {
        "$schema": SPEEDSCOPE_SCHEMA,
        "shared": {"frames": frames},
        "profiles": [
            {
                "type": "sampled",
                "name": name,
                "unit": "seconds",
                "startValue": 0,
                "endValue": sum(weights),
                "samples": samples,
                "weights": weights,
            }
        ],
        "name": name,
        "activeProfileIndex": 0,
        "exporter": "Architect Workbench",
    }
    return json.dumps(document)


def prof(report: Report) -> bytes:
    """The bytes of `profile.prof`: `report.profile_data` with its cells renamed.

    A cell's code carries the file name it was compiled under (`<tmp>/ipykernel_<pid>/
    <hash>.py` in a kernel, `<ipython-input-3-...>` in a terminal); pstats and snakeviz
    would show that. Each is renamed to the report's label for it (`In[3]`); real files
    keep their paths, so viewers can still open their source.
    """
    try:
        stats: dict[Key, Any] = marshal.loads(report.profile_data)
    except (EOFError, ValueError, TypeError):
        return report.profile_data
    names = _cell_names(stats, report.functions)
    if not names:
        return report.profile_data

    def renamed(key: Key) -> Key:
        return (names.get(key[0], key[0]), key[1], key[2])

    return marshal.dumps(
        {
            renamed(key): (cc, nc, tt, ct, {renamed(c): v for c, v in callers.items()})
            for key, (cc, nc, tt, ct, callers) in stats.items()
        }
    )


def _cell_names(stats: dict[Key, Any], functions: pd.DataFrame) -> dict[str, str]:
    """{cell file name: the report's label for it} for the cells among `stats`' files.

    The functions table has one row per entry of the statistics, labelled: a cell's
    label is the one every one of its entries shares in the table. When two cells hold
    the very same functions at the very same lines, the running shell names it instead.
    A label that would merge two files' entries leaves the file's name as it is.
    """
    index = SourceIndex()
    labels: defaultdict[tuple[str, int], set[str]] = defaultdict(set)
    for function, file, line in zip(
        functions["function"], functions["file"], functions["line"], strict=True
    ):
        labels[(str(function), int(line))].add(str(file))
    places: defaultdict[str, list[tuple[str, int]]] = defaultdict(list)
    for file, line, function in stats:
        places[file].append((function, line))
    names: dict[str, str] = {}
    for file, where in places.items():
        if not index.is_cell(file):
            continue
        shared = set.intersection(*(labels.get(place, set()) for place in where))
        label = shared.pop() if len(shared) == 1 else index.label(file)
        if label != file and label not in places and label not in names.values():
            names[file] = label
    return names
