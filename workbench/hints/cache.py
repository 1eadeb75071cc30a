"""The cache hint: a pure user function called often with arguments it has seen before.

Evidence: cProfile's call count and cumulative time of the function, and the arguments
of its sampled calls (`collectors/arguments.py`). The share of sampled calls that
repeated an earlier sampled call's arguments is a lower bound on the hit rate of an
unbounded cache over the whole run; the distinct arguments seen give the upper bound
(`1 - distinct / calls`). The gain is at most the function's cumulative time times that
upper bound.

Thresholds (no hint below them): 50 calls; 10 sampled calls; a quarter of the sampled
calls repeated; 5% of the wall time (and 5 ms) in the function; its source reads as pure
(`code.impurity`).
"""

from __future__ import annotations

from workbench.hints.code import impurity, parse_function
from workbench.hints.evidence import Evidence, Hint

__all__ = ["cache_hints"]

MIN_CALLS = 50
MIN_SAMPLED = 10
MIN_REPEAT_SHARE = 0.25
MIN_TIME_SHARE = 0.05
MIN_SECONDS = 0.005


def cache_hints(evidence: Evidence) -> list[Hint]:
    """Cache hints for the sampled user functions that qualify."""
    if not evidence.arguments or evidence.wall <= 0:
        return []
    hints = []
    for code, sample in evidence.arguments.items():
        key = (code.co_filename, code.co_firstlineno, code.co_name)
        entry = evidence.stats.get(key)
        if entry is None or not evidence.index.is_user_code(code.co_filename):
            continue
        calls, cumulative = int(entry[1]), float(entry[3])
        if (
            calls < MIN_CALLS
            or sample.calls < MIN_SAMPLED
            or sample.repeats < MIN_REPEAT_SHARE * sample.calls
            or cumulative < max(MIN_TIME_SHARE * evidence.wall, MIN_SECONDS)
        ):
            continue
        function = parse_function(code.co_filename, code.co_firstlineno)
        if function is None or impurity(function) is not None:
            continue
        low = sample.repeats / sample.calls
        high = max(low, 1 - sample.distinct / calls)
        share = cumulative / evidence.wall
        evidence_text = (
            f"{calls:,} calls took {cumulative:.3g} s ({share:.0%} of wall); "
            f"{sample.calls} sampled calls had {sample.distinct} distinct arguments "
            f"({low:.0%} repeats): an unbounded cache would hit {low:.0%}-{high:.2%} "
            "of the calls"
        )
        if sample.unhashable:
            kinds = ", ".join(sorted(sample.unhashable))
            evidence_text += f"; arguments include unhashable {kinds}"
            sketch = (
                f"key a cache on a hashable form of the arguments, e.g. "
                f"tuple(...) for a list: @functools.lru_cache on a wrapper taking it, "
                f"then {code.co_name}(tuple(items))"
            )
        else:
            sketch = (
                f"@functools.lru_cache(maxsize={_size(sample.distinct, calls)}) above "
                f"def {code.co_name}(...)  (if it is pure: same arguments, same result)"
            )
        hints.append(
            Hint(
                kind="cache",
                function=code.co_name,
                filename=code.co_filename,
                line=code.co_firstlineno,
                evidence=evidence_text,
                max_gain=cumulative * high,
                unit="s",
                suggestion=sketch,
            )
        )
    return hints


def _size(distinct: int, calls: int) -> int:
    """A power of two comfortably above the distinct arguments seen (lru_cache's size)."""
    size = 128
    while size < 4 * distinct and size < calls:
        size *= 2
    return size
