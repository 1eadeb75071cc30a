"""The concurrency hint: the run mostly waited, one request (or sleep) at a time.

Synchronous code: cProfile times built-in calls by the wall clock, so the own time of
the blocking primitives (socket receive/connect/send, `select`, `time.sleep`, TLS reads)
is the time spent blocked. That time is followed up the callers to the nearest user
function (the repeated unit, e.g. `get(url)`), then up to the user function that calls it
in a loop (the first called once). Asynchronous code: the event loop sat idle most of
the run while the user's tasks never overlapped, so every await waited alone.

The gain is at most the waiting time less one unit's share of it (even run all at once,
the slowest request still has to be waited for): waiting x (1 - 1/units).

Thresholds: wall time at least twice the CPU time; blocked (or idle) for 40% of the wall
time or more; 4 repeated units or more; no two of the user's tasks ran at once, and no
thread started by the code (its waits may be for those threads' work, already side by
side). Threads the code did not start (a server thread of the same process, a kernel's)
do not count: `stats` hold the profiled thread's calls alone on every version (see
collectors/thread_filter.py), so their waits are not in it.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

from workbench.hints.code import parse_function
from workbench.hints.evidence import Evidence, Hint, StatsKey

__all__ = ["concurrency_hints"]

MIN_WAIT_SHARE = 0.40
MIN_UNITS = 4
_BLOCKING = (
    "recv", "connect", "sendall", "'send'", "accept", "getaddrinfo", "time.sleep",
    "select.select", "'poll' of", "'select' of", "epoll", "_SSLSocket",
)  # fmt: skip
_SYNC_SKETCH = (
    "run the {n} calls of {unit} concurrently: "
    "with ThreadPoolExecutor(max_workers=16) as pool: results = list(pool.map({unit}, items)) "
    "for a blocking client, or httpx.AsyncClient with asyncio.gather and an "
    "asyncio.Semaphore(16) around each request"
)
_SYNC_INSIDE_SKETCH = (
    "make the waits inside {unit} overlap: move one request (or sleep) into a function "
    "one(item) and run with ThreadPoolExecutor(max_workers=16) as pool: "
    "results = list(pool.map(one, items)) for a blocking client, or use httpx.AsyncClient "
    "with asyncio.gather and an asyncio.Semaphore(16) around each request"
)
_ASYNC_SKETCH = (
    "start the awaits together instead of one after another: "
    "results = await asyncio.gather(*(fetch(item) for item in items)), with an "
    "asyncio.Semaphore(16) held around each request to bound the load"
)


def concurrency_hints(evidence: Evidence) -> list[Hint]:
    """A concurrency hint, if the run waited on I/O one thing at a time."""
    wall = evidence.wall
    if wall <= 0 or evidence.cpu > wall / 2:
        return []
    if evidence.waiting is not None:
        return _async_hint(evidence)
    return _sync_hints(evidence)


def _blocked_by_user_function(evidence: Evidence) -> dict[StatsKey, tuple[float, int]]:
    """(seconds blocked, blocking calls) in primitives, charged to the nearest user
    function up the callers (a caller's share follows its edge's cumulative time)."""
    stats, user = evidence.stats, evidence.index.is_user_code
    seconds: dict[StatsKey, float] = defaultdict(float)
    calls: dict[StatsKey, float] = defaultdict(float)
    pending: dict[StatsKey, list[float]] = {}
    for key in stats:  # the names first: an entry of the corrected stats is made when read
        if key[0] == "~" and any(b in key[2] for b in _BLOCKING):
            entry = stats[key]
            pending[key] = [float(entry[2]), float(entry[1])]
    rounds = 0
    while pending and rounds < 100_000:  # merged per function: no path explosion
        rounds += 1
        key, (time, count) = pending.popitem()
        if time < 1e-7:
            continue
        if key[0] != "~" and user(key[0]) and not key[2].startswith("<"):
            seconds[key] += time
            calls[key] += count
            continue
        callers = {c: e for c, e in stats.get(key, (0, 0, 0, 0, {}))[4].items() if c in stats}
        total = sum(float(e[3]) for e in callers.values())
        for caller, edge in callers.items():
            share = float(edge[3]) / total if total > 0 else 1 / len(callers)
            flow = pending.setdefault(caller, [0.0, 0.0])
            flow[0] += time * share
            flow[1] += count * share
    return {key: (seconds[key], round(calls[key])) for key in seconds}


def _loop_owner(evidence: Evidence, unit: StatsKey) -> StatsKey:
    """The user function that calls `unit` repeatedly: up the user callers to one called once."""
    stats, user = evidence.stats, evidence.index.is_user_code
    current, seen = unit, {unit}
    while int(stats[current][1]) > 1 or current[2].startswith("<"):
        callers = [c for c in stats[current][4] if c in stats and user(c[0]) and c not in seen]
        if not callers:
            break
        current = max(callers, key=lambda c: float(stats[current][4][c][3]))
        seen.add(current)
    return current


def _sync_hints(evidence: Evidence) -> list[Hint]:
    if evidence.threads:
        return []  # the waits may be for the code's own threads, already side by side
    charged = _blocked_by_user_function(evidence)
    hints = []
    for unit, (seconds, waits) in sorted(charged.items(), key=lambda item: -item[1][0]):
        # The repeated unit: the user function's calls, or the waits inside one call.
        calls = int(evidence.stats[unit][1])
        units = calls if calls > 1 else waits
        if seconds < MIN_WAIT_SHARE * evidence.wall or units < MIN_UNITS:
            continue
        owner = _loop_owner(evidence, unit)
        place = f"{evidence.index.label(unit[0])}:{unit[1]}"
        under = f"{calls:,} calls of {unit[2]}" if calls > 1 else f"{unit[2]} ({place})"
        text = (
            f"blocked {seconds:.3g} s ({seconds / evidence.wall:.0%} of wall) in {waits:,} "
            f"I/O waits under {under}, one at a time; CPU was "
            f"{evidence.cpu / evidence.wall:.0%} of wall"
        )
        if calls > 1:
            sketch = _SYNC_SKETCH.format(n=f"{calls:,}", unit=unit[2])
        else:
            sketch = _SYNC_INSIDE_SKETCH.format(unit=unit[2])
        hints.append(_at(owner, text, seconds * (1 - 1 / units), sketch))
        break  # one loop owner is the place to start; the next hint would overlap it
    return hints


def _async_hint(evidence: Evidence) -> list[Hint]:
    waiting = evidence.waiting or 0.0
    if waiting < MIN_WAIT_SHARE * evidence.wall:
        return []
    tasks = evidence.tasks[evidence.tasks["user_code"]]
    spans = sorted(zip(tasks["start"], tasks["start"] + tasks["wall"], strict=True))
    if any(later[0] < earlier[1] - 1e-6 for earlier, later in itertools.pairwise(spans)):
        return []  # the user's tasks overlapped: already concurrent
    resumptions = int(tasks["resumptions"].sum()) if len(tasks) else 0
    named = [
        key
        for key in evidence.stats  # the names first, as above
        if evidence.index.is_user_code(key[0]) and not key[2].startswith("<")
    ]
    coroutines = [
        (key, entry)
        for key in named
        if int((entry := evidence.stats[key])[1]) >= MIN_UNITS and _is_async(key)
    ]
    if resumptions < MIN_UNITS or not coroutines:
        return []
    # The outermost: the one no other coroutine of the user's awaits.
    async_keys = {key for key, _ in coroutines}
    outermost = [
        (key, entry) for key, entry in coroutines if not set(entry[4]) & async_keys - {key}
    ]
    key, _ = max(outermost or coroutines, key=lambda item: float(item[1][3]))
    text = (
        f"the event loop sat idle {waiting:.3g} s ({waiting / evidence.wall:.0%} of wall) "
        f"while one task of yours ran at a time ({resumptions:,} resumptions, each after "
        "an await that waited alone)"
    )
    return [_at(key, text, waiting * (1 - 1 / resumptions), _ASYNC_SKETCH)]


def _at(key: StatsKey, evidence: str, gain: float, sketch: str) -> Hint:
    """A concurrency hint at the function `key`."""
    return Hint("concurrency", key[2], key[0], key[1], evidence, gain, "s", sketch)


def _is_async(key: StatsKey) -> bool:
    function = parse_function(key[0], key[1])
    return function is not None and function.node.__class__.__name__ == "AsyncFunctionDef"
