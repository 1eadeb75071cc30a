"""The table of a many-way compare: every version against the first, fastest first."""

from __future__ import annotations

import pandas as pd

from workbench.comparison.result import Comparison, Version

__all__ = ["RANKING_COLUMNS", "ranking_table"]

RANKING_COLUMNS: dict[str, str] = {
    "name": "str",
    "median": "float64",
    "min": "float64",
    "spread": "float64",
    "speedup": "float64",
    "ci_low": "float64",
    "ci_high": "float64",
    "verdict": "str",
    "peak_memory": "Int64",  # nullable: an interrupted compare may not have measured it
    "memory_ratio": "float64",
    "equal": "boolean",
}


def ranking_table(baseline: Version, comparisons: dict[str, Comparison]) -> pd.DataFrame:
    """One row per version (the baseline's speedup is 1), sorted by speedup, highest first."""
    equal = next(iter(comparisons.values())).equal if comparisons else None
    rows = [
        {
            "name": baseline.name,
            "median": baseline.timing.median,
            "min": baseline.timing.min,
            "spread": baseline.timing.spread,
            "speedup": 1.0,
            "ci_low": 1.0,
            "ci_high": 1.0,
            "verdict": "baseline",
            "peak_memory": baseline.peak_memory,
            "memory_ratio": None if baseline.peak_memory is None else 1.0,
            "equal": equal,
        }
    ]
    for name, c in comparisons.items():
        t = c.candidate.timing
        rows.append(
            {
                "name": name,
                "median": t.median,
                "min": t.min,
                "spread": t.spread,
                "speedup": c.speedup,
                "ci_low": c.speedup_ci[0],
                "ci_high": c.speedup_ci[1],
                "verdict": c.verdict,
                "peak_memory": c.candidate.peak_memory,
                "memory_ratio": c.memory_ratio,
                "equal": c.equal,
            }
        )
    table = pd.DataFrame(rows, columns=list(RANKING_COLUMNS)).astype(RANKING_COLUMNS)
    return table.sort_values("speedup", ascending=False, kind="stable").reset_index(drop=True)
