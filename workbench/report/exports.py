"""The sampled stacks in the formats other viewers read.

- Collapsed stacks (`profile.folded`): one line per distinct stack, frames outermost
  first joined by `;`, then a space and its sample count, as Brendan Gregg's
  stackcollapse scripts write them; flamegraph.pl, speedscope and inferno read it.
- speedscope's file format (`profile.speedscope.json`): a `sampled` profile whose frames
  carry name, file and line, weighted in seconds; speedscope.app and its CLI open it.

Both come from the report's `stacks` table, so a loaded report exports as well.
"""

from __future__ import annotations

import json

import pandas as pd

from workbench.report.stacks import stack_paths

__all__ = ["SPEEDSCOPE_SCHEMA", "folded", "speedscope"]

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
