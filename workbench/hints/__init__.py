"""Refactor hints from what one run measured: cache, stream, concurrency, hoist.

Each kind has its own module with a function `(Evidence) -> list[Hint]`. The rules are
the same for all of them:

- a hint names the measurement behind it, in words, with this run's numbers;
- `max_gain` never exceeds the time or memory the hint targets (it is an upper bound);
- below a stated threshold there is no hint: a false hint is worse than none.

`rank_hints` runs them all and returns the hints, most valuable first (the gain as a
share of the wall time, or of the peak memory for memory hints); the report makes them
its `hints` table.
"""

from __future__ import annotations

from collections.abc import Callable

from workbench.hints import cache, concurrency, hoist, stream
from workbench.hints.evidence import Evidence, Hint

__all__ = ["Evidence", "Hint", "rank_hints"]


def rank_hints(evidence: Evidence) -> list[Hint]:
    """Every hint the evidence supports, most valuable first."""
    rules: list[Callable[[Evidence], list[Hint]]] = [
        cache.cache_hints,
        stream.stream_hints,
        concurrency.concurrency_hints,
        hoist.hoist_hints,
    ]
    hints = [hint for rule in rules for hint in rule(evidence)]

    def value(hint: Hint) -> float:
        whole = evidence.wall if hint.unit == "s" else float(evidence.peak or 0)
        return hint.max_gain / whole if whole > 0 else 0.0

    return sorted(hints, key=lambda h: (-value(h), h.kind, h.function))
