"""Did the refactor help? Compare versions of the same work: equal, faster, leaner, why.

`run` runs the versions (`compare`, `compare_async`); `equality` checks their results,
`calibration` measures a warm call of each, `timing` times them in alternating rounds and
gives the speedup a distribution-free interval (at least `MIN_ROUNDS` rounds), `measure`
takes tracemalloc's peak, `diff` subtracts their profiles and `ranking` orders several;
`progress` shows a long compare's progress; `assemble` and `result` hold what came out,
`quote` keeps the values quoted in messages short.
"""

from __future__ import annotations

from workbench.comparison.result import Comparison, Ranking, Version
from workbench.comparison.run import compare, compare_async

__all__ = ["Comparison", "Ranking", "Version", "compare", "compare_async"]
