"""cProfile's profiler with a snapshot that keeps every code object's calls.

`Profile` keeps the entries `create_stats` read (the code flags come from the same pass)
and sums code objects that share one pstats name instead of keeping the last.
"""

from __future__ import annotations

import _lsprof
import cProfile
import inspect
import operator
from types import CodeType
from typing import TYPE_CHECKING

from workbench.collectors.dynamic_code import DYNAMIC, label
from workbench.collectors.gc_pause import paused_gc

if TYPE_CHECKING:  # functions.py imports this module
    from workbench.collectors.functions import StatsDict, StatsKey

__all__ = ["Profile", "resumable"]


# Code whose every call but the first resumes a suspended frame (a generator, a
# coroutine): each resumption is a call event to cProfile, which costs less than a call.
_RESUMABLE = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


def resumable(entries: list[_lsprof.profiler_entry]) -> set[StatsKey]:
    """The profiled generators and coroutines, by pstats' names (from their code flags)."""
    return {
        label(entry.code)
        for entry in entries
        if not isinstance(entry.code, str) and entry.code.co_flags & _RESUMABLE
    }


class Profile(cProfile.Profile):
    """cProfile's profiler, keeping the entries its `create_stats` read: the code flags
    come from the same pass (a second `getstats` took 6.5 ms on 2,688 functions)."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[_lsprof.profiler_entry] = []

    def getstats(self) -> list[_lsprof.profiler_entry]:
        with paused_gc():  # 1.76 s -> 0.42 s for 200,000 functions on 3.11 (gc_pause.py)
            self.entries = super().getstats()
        return self.entries

    def snapshot_stats(self) -> None:
        """cProfile's `snapshot_stats`, except that code objects sharing one pstats name
        are summed: cProfile's keeps the last. Every dataclass's generated `__init__` is
        `<string>:2(__init__)`; one of ours, made while the run stops, replaced the
        user's 3,000 calls to theirs with our 1."""
        with paused_gc():
            self.stats = self._summed(self.getstats())  # type: ignore[assignment]

    @staticmethod
    def _summed(entries: list[_lsprof.profiler_entry]) -> StatsDict:
        """pstats' layout of `entries`, code objects that share a name summed (in their
        order: each one's figures added to the sum so far, as cProfile's pstats does).

        Read column by column (`zip`), the few names that repeat summed apart: a loop of
        attribute reads and dict updates per entry took 0.6 s on 200,000 functions,
        this 0.45 s (most of it the edges' loop, one tuple per edge).
        """
        if not entries:
            return {}
        codes, calls, recursive, totals, inlines, subcalls = zip(*entries, strict=True)
        keys = [_name(code) for code in codes]
        # Per entry: primitive calls, calls, tottime, cumtime.
        figures = [list(map(operator.sub, calls, recursive)), list(calls), list(inlines)]
        figures.append(list(totals))
        repeated = _repeated(keys)
        names, slot_of = keys, list(range(len(keys)))  # a slot per name, first seen first
        if repeated:
            firsts = {key: at[0] for key, at in repeated.items()}
            kept = [i for i, key in enumerate(keys) if firsts.get(key, i) == i]
            names = [keys[i] for i in kept]
            slots = dict(zip(names, range(len(names)), strict=True))
            slot_of = [slots[key] for key in keys]
            by_slot = [[column[i] for i in kept] for column in figures]
            for key, at in repeated.items():
                total = [column[at[0]] for column in figures]
                for i in at[1:]:  # this entry's figures plus the sum so far
                    total = [
                        column[i] + so_far for column, so_far in zip(figures, total, strict=True)
                    ]
                for column, value in zip(by_slot, total, strict=True):
                    column[slots[key]] = value
            figures = by_slot
        edges_of: list[dict[StatsKey, tuple[int, int, float, float]]] = [{} for _ in names]
        position = dict(zip(map(id, codes), slot_of, strict=True))
        twice = [key in repeated for key in names] if repeated else [False] * len(names)
        for func, subs in zip(keys, subcalls, strict=True):
            summing = bool(repeated) and func in repeated
            for sub_code, n, sub_recursive, sub_ct, sub_tt in subs or ():
                slot = position.get(id(sub_code))
                if slot is None:
                    continue
                edges = edges_of[slot]
                # (calls, primitive calls, tottime, cumtime): pstats' order. A pair of
                # names met once needs no sum (0 + x is x for these figures).
                if summing or twice[slot]:
                    pn, pcc, ptt, pct = edges.get(func, (0, 0, 0.0, 0.0))
                    edges[func] = (pn + n, pcc + n - sub_recursive, ptt + sub_tt, pct + sub_ct)
                else:
                    edges[func] = (n, n - sub_recursive, sub_tt, sub_ct)
        return dict(zip(names, zip(*figures, edges_of, strict=True), strict=True))


def _repeated(keys: list[StatsKey]) -> dict[StatsKey, list[int]]:
    """The names more than one code object has, each with its entries' positions."""
    if len(set(keys)) == len(keys):
        return {}
    where: dict[StatsKey, list[int]] = {}
    for i, key in enumerate(keys):
        where.setdefault(key, []).append(i)
    return {key: at for key, at in where.items() if len(at) > 1}


def _name(code: CodeType | str) -> StatsKey:
    """`label` of an entry's code, without its calls for the common kinds."""
    if isinstance(code, str):
        return ("~", 0, code)  # cProfile.label's name of a builtin
    if code.co_filename != DYNAMIC:
        return (code.co_filename, code.co_firstlineno, code.co_name)
    return label(code)
