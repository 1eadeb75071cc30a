"""Did the refactor help? Compare versions of the same work: equal, faster, leaner, why.

`run` runs the versions (`compare`, `compare_async`); `equality` checks their results,
`timing` times them in alternating rounds with a bootstrap interval, `diff` subtracts
their profiles and `ranking` orders several; `result` holds what came out.
"""

from __future__ import annotations

from workbench.comparison.result import Comparison, Ranking, Version
from workbench.comparison.run import compare, compare_async

__all__ = ["Comparison", "Ranking", "Version", "compare", "compare_async"]
