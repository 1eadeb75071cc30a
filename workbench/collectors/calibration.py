"""What cProfile's hook costs on this machine and interpreter, measured around each run.

cProfile pays a fixed cost on every call event, part charged to the caller, part to the
callee, so code of many small calls looks far slower than it is; on 3.11 its hook also
runs every bytecode unspecialised, so Python code slows as a whole. Small kernels
(`hook_kernels`), timed unprofiled and under a private cProfile, measure both: loops of
several kinds (the bytecode slowdown differs between them, 1.3-2.5x on 3.11, so their mix
is used), one kernel per kind of call event (a Python call from Python, one from a
builtin such as a `sorted` key, a generator's resumption, a builtin's call): what each
adds under the hook beyond what it adds unprofiled, split as cProfile splits it; and the
same calls spread over many functions, which cost more (`HookCost.lookup_factor`). The
old pure-Python `profile` module had the idea (`calibrate`, one per-event bias); cProfile
never had one.

The function lens measures just before the run (10-20 ms). Calls during the run cost
otherwise: the machine's speed drifts (this 2-core VM's by 2x, every 0.25-1.5 s) and calls
inside real code cost more than in kernels (1.2-1.4x on 3.11). So the sampler calls
`probe` on its ticks, the run's cProfile times those calls like any other, and
`HookCost.in_run` scales the calibration by the two probes' ratio. (A probe timed with
perf_counter in the signal handler read 1.2-2.2x off over 8 runs: not used.)
"""

from __future__ import annotations

import cProfile
import math
import statistics
import threading
import time
import tracemalloc
from dataclasses import dataclass, replace

from workbench.collectors.hook_kernels import (
    CALLEES,
    KERNELS,
    LOOPS,
    PROBE_CALLS,
    PROBED,
    SPREAD,
    SPREAD_CALLEES,
    probe,
)
from workbench.collectors.thread_filter import callback_names, keep_one_thread

__all__ = ["PROBED", "EventCost", "HookCost", "hook_cost", "measure_hook_cost", "probe"]

_ROUNDS = 3  # per measurement; the minimum of each timing is kept
_N = 1000  # iterations per kernel: ~30-60 us unprofiled, ~100-300 us profiled
_MIN_PROBED = 5 * PROBE_CALLS
_SPREAD_LIMITS = (1.0, 3.0)
_SCALE_LIMITS = (0.5, 3.0)  # beyond these the probe measured something else


@dataclass(frozen=True)
class EventCost:
    """What one kind of call event adds under cProfile, in seconds.

    Attributes:
        caller: added to the own time of the function that made the call.
        callee: added to the own time of the function called.
    """

    caller: float
    callee: float

    @property
    def total(self) -> float:
        """Caller's and callee's part together."""
        return self.caller + self.callee


@dataclass(frozen=True)
class HookCost:
    """cProfile's cost per call event and the bytecode slowdown under its hook.

    Attributes:
        bytecode: how many times slower Python bytecode runs under the hook (>= 1).
        py: a Python function called from Python code.
        from_c: a Python function called by a builtin (a key function, a callback).
        resume: a generator (or generator expression) resumed.
        c: a builtin function or method called.
        seconds: how long the measurements took.
        probed: the own time per call cProfile measured for `probe`'s callee here.
        scale: the factor `in_run` applied (1: as calibrated).
        spread: how many times more a call costs when calls spread over `SPREAD`
            distinct functions than when one function is called over and over.
    """

    bytecode: float
    py: EventCost
    from_c: EventCost
    resume: EventCost
    c: EventCost
    seconds: float = 0.0
    probed: float = 0.0
    scale: float = 1.0
    spread: float = 1.0

    def in_run(self, calls: int, seconds: float) -> HookCost:
        """The per-call costs as the run's own cProfile paid them.

        The sampler calls `probe` on its ticks inside the run; cProfile timed those
        calls (`calls` of them, `seconds` of own time in all). Calls inside a real run
        cost more than in the calibration's small kernels (1.2-1.4x measured on 3.11:
        caches the profiled code fills), and the machine's speed drifts: the ratio of
        the two probes carries the calibration over. The bytecode slowdown, a ratio of
        two speeds, stays. Unchanged with fewer than `_MIN_PROBED` calls.
        """
        if calls < _MIN_PROBED or self.probed <= 0:
            return self
        low, high = _SCALE_LIMITS
        return self._scaled(min(max(seconds / calls / self.probed, low), high))

    def lookup_factor(self, functions: float) -> float:
        """How many times the calibrated cost a call event costs when the calls spread
        over `functions` distinct functions (1: one function called over and over).

        cProfile looks every event's function up in a tree of all the functions seen
        (and the caller's own tree of callees), so the cost grows with how many share
        the calls: interpolated in the logarithm from one function (the kernels) to
        `SPREAD` (the spread kernel), and held beyond.
        """
        if functions <= 1 or self.spread <= 1:
            return 1.0
        return 1.0 + (self.spread - 1.0) * min(math.log(functions) / math.log(SPREAD), 1.0)

    def _scaled(self, factor: float) -> HookCost:
        def scaled(event: EventCost) -> EventCost:
            return EventCost(event.caller * factor, event.callee * factor)

        return replace(
            self,
            py=scaled(self.py),
            from_c=scaled(self.from_c),
            resume=scaled(self.resume),
            c=scaled(self.c),
            scale=factor,
        )

    def describe(self) -> str:
        """The figures in one phrase, for the report's summary (always the same words:
        the bytecode slowdown is 1.0x on 3.12+, and less under tracemalloc)."""
        return (
            f"{self.py.total * 1e9:.0f} ns per Python call, "
            f"{self.c.total * 1e9:.0f} ns per builtin call, "
            f"Python code {self.bytecode:.1f}x slower"
        )


def _timings(one_thread: bool) -> tuple[dict[str, float], dict[str, float]]:
    """Per kernel, its fastest time unprofiled and its fastest (inclusive) time under a
    private cProfile (its callbacks behind a check of the thread if `one_thread`); per
    callee, its fastest own time there."""
    if one_thread:
        callback_names()  # read while no profiler is active
    clock = time.perf_counter
    plain = dict.fromkeys((k.__name__ for k in KERNELS), float("inf"))
    hooked: dict[str, float] = {}
    probed: list[float] = []
    for _ in range(_ROUNDS):
        for kernel in KERNELS:
            t0 = clock()
            kernel(_N)
            plain[kernel.__name__] = min(plain[kernel.__name__], clock() - t0)
        profile = cProfile.Profile()
        try:
            profile.enable()  # inside: a failure anywhere after it still disables
            if one_thread:
                keep_one_thread(profile, threading.get_ident())
            for kernel in KERNELS:
                kernel(_N)
            for _ in range(5):
                probe()
        finally:
            profile.disable()
        spread = 0.0
        for entry in profile.getstats():
            code = entry.code
            name = code if isinstance(code, str) else code.co_name
            if name in SPREAD_CALLEES:
                spread += entry.inlinetime
                continue
            spent = entry.inlinetime if name in CALLEES.values() else entry.totaltime
            hooked[name] = min(hooked.get(name, float("inf")), spent)
            if name == "_probed":
                probed.append(entry.inlinetime / entry.callcount)
        hooked["_ident*"] = min(hooked.get("_ident*", float("inf")), spread)
    hooked["_probed"] = sum(probed) / len(probed)
    return plain, hooked


# One measurement per process, per tracemalloc state (which slows every allocation,
# kernels included) and per thread check (see thread_filter): a calibration costs
# 10-20 ms, more than a short profile's run.
_MEASURED: dict[tuple[bool, bool], HookCost] = {}


def hook_cost(one_thread: bool = False) -> HookCost:
    """This process's calibration, measured on first use (see `measure_hook_cost`).

    Later runs reuse it: the in-run probe (`HookCost.in_run`) carries it over to the
    machine's speed of the moment, as it does for a fresh one.

    Parameters:
        one_thread: cProfile's callbacks will check the thread (3.12+, other threads
            running): each event then costs more.
    """
    key = (tracemalloc.is_tracing(), one_thread and callback_names() != {})
    if key not in _MEASURED:
        _MEASURED[key] = measure_hook_cost(key[1])
    return _MEASURED[key]


def measure_hook_cost(one_thread: bool = False) -> HookCost:
    """Measure cProfile's costs now (with its callbacks behind a check of the thread if
    `one_thread`).

    Call it while no other profiler is active (on 3.12+ cProfile refuses to share).
    """
    started = time.perf_counter()
    plain, hooked = _timings(one_thread)
    # Each kind of loop counts the same (a geometric mean): none is more typical.
    slowdowns = [hooked[k.__name__] / plain[k.__name__] for k in LOOPS]
    bytecode = max(statistics.geometric_mean(slowdowns), 1.0)

    def event(kernel: str) -> EventCost:
        # What a call adds under the hook beyond what it adds unprofiled (which slowed
        # like the rest of the bytecode: the correction divides that out). The callee
        # does next to nothing, so its own time under the hook is the callee's part.
        extra = hooked[kernel] - hooked["_bare"] - bytecode * (plain[kernel] - plain["_bare"])
        total = max(extra, 0.0) / _N
        callee = min(hooked.get(CALLEES[kernel], 0.0) / _N, total)
        return EventCost(caller=total - callee, callee=callee)

    py = event("_py_calls")
    low, high = _SPREAD_LIMITS
    spread = event("_spread_calls").total / py.total if py.total > 0 else 1.0
    return HookCost(
        bytecode=bytecode,
        py=py,
        from_c=event("_from_c"),
        resume=event("_resumes"),
        c=event("_c_calls"),
        seconds=time.perf_counter() - started,
        probed=hooked["_probed"],
        spread=min(max(spread, low), high),
    )
