"""Which arguments the sampled calls of each user function had: evidence for caching.

The line sampler hands every sampled stack's user frames to `ArgumentTally.observe`,
with the sample's number. A call is counted once however many samples land in it: a
sample of the same function in the very next tick, with the same frame id and the same
arguments, is taken for the same call (a long call spans many ticks). A short call whose
frame memory was reused by the next call can be mistaken for it and skipped: repeats
are then undercounted, never invented. Its arguments are reduced to a hashable signature
without running any user code (this runs in a signal handler): built-in values by value,
small lists, dicts and sets by content (noted as unhashable), plain objects by identity;
an argument with a `__hash__` of its own makes the call unknown.

The share of sampled calls whose signature was seen before is a lower bound on the hit
rate an unbounded cache would have had over the whole run: later calls only add repeats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import Any

__all__ = ["ArgumentTally", "CallSample"]

_BY_VALUE = (int, float, complex, str, bytes, bool, type(None))
_CONTAINERS = (list, dict, set)
_MAX_ITEMS = 64  # larger containers would cost too much to read in a signal handler
_MAX_CHARS = 10_000
_MAX_DISTINCT = 2_000
_NOT_CACHEABLE = 0x20 | 0x80 | 0x100 | 0x200  # generator, coroutine, async generator


class _Unknown(Exception):
    """An argument we cannot compare without running its own code."""


@dataclass
class CallSample:
    """The sampled calls of one function.

    Attributes:
        calls: sampled calls whose arguments could be read.
        repeats: sampled calls whose arguments equalled an earlier sampled call's.
        unhashable: type names of arguments `functools.lru_cache` would refuse.
        unknown: sampled calls with an argument we did not compare.
    """

    calls: int = 0
    repeats: int = 0
    unhashable: set[str] = field(default_factory=set)
    unknown: int = 0
    seen: set[int] = field(default_factory=set, repr=False)

    @property
    def distinct(self) -> int:
        """Distinct argument signatures among the sampled calls."""
        return self.calls - self.repeats


class ArgumentTally:
    """Argument signatures of sampled calls, per function (code object)."""

    def __init__(self) -> None:
        self.samples: dict[CodeType, CallSample] = {}
        self._last: dict[CodeType, tuple[int, int, int]] = {}

    def observe(self, frame: FrameType, tick: int) -> None:
        """Count the call `frame` belongs to, unless it was sampled at `tick - 1`."""
        code = frame.f_code
        if code.co_flags & _NOT_CACHEABLE or code.co_name.startswith("<"):
            return
        sample = self.samples.get(code)
        if sample is None:
            sample = self.samples[code] = CallSample()
        names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        local = frame.f_locals
        unhashable: set[str] = set()
        try:
            key = hash(tuple(_signature(local.get(n), unhashable) for n in names))
        except _Unknown:
            sample.unknown += 1
            return
        last = self._last.get(code)
        self._last[code] = (id(frame), key, tick)
        if last == (id(frame), key, tick - 1):
            return  # the same call, still running
        sample.unhashable |= unhashable
        sample.calls += 1
        if key in sample.seen:
            sample.repeats += 1
        elif len(sample.seen) < _MAX_DISTINCT:
            sample.seen.add(key)


def _signature(value: Any, unhashable: set[str], depth: int = 0) -> Any:
    """A hashable stand-in for `value` that equals another's when the values are equal."""
    kind = type(value)
    if kind in _BY_VALUE:
        if (kind is str or kind is bytes) and len(value) > _MAX_CHARS:
            # Hashing a huge text reads all of it: compared by identity instead, which
            # can only undercount repeats.
            return ("id", id(value))
        return value
    if depth > 2:
        raise _Unknown
    if kind is tuple or kind is frozenset:
        if len(value) > _MAX_ITEMS:
            raise _Unknown
        return (kind.__name__, tuple(_signature(v, unhashable, depth + 1) for v in value))
    if kind in _CONTAINERS:
        if len(value) > _MAX_ITEMS:
            raise _Unknown
        unhashable.add(kind.__name__)
        # In iteration order, not sorted (sorting could call user code): equal dicts or
        # sets iterated differently count as different, so repeats are only undercounted.
        items = list(value.items()) if kind is dict else list(value)
        return (kind.__name__, tuple(_signature(v, unhashable, depth + 1) for v in items))
    if _default_identity(kind):
        return ("id", id(value))  # equal only to itself, as lru_cache would see it
    raise _Unknown


def _default_identity(kind: type) -> bool:
    """Whether instances compare and hash by identity (object's own methods)."""
    hash_method: object = kind.__hash__
    eq_method: object = kind.__eq__
    return hash_method is object.__hash__ and eq_method is object.__eq__
