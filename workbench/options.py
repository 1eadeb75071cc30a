"""The options of one profiling run, checked once and decoded once into a `Plan`.

`ProfileOptions` is what a caller asks for (the API's keywords, the magics' flags);
`ProfileOptions.plan` is what that means: which lenses run and how. The plan is the one
value every later stage reads (the session's wiring, the report's assembly, the hints,
the renderers), and the report's `Summary` records it, so a saved report still says how
it was measured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, get_args

from workbench.cluster.mode import DASK_MODES, DaskMode, dask_mode
from workbench.errors import OptionError, quoted
from workbench.source.user_code import Rule, from_environment, parse_entries

__all__ = [
    "FUNCTION_MODES",
    "LINE_METHODS",
    "MEMORY_MODES",
    "Display",
    "FunctionMode",
    "LineMethod",
    "LineTargets",
    "MemoryMode",
    "Plan",
    "ProfileOptions",
    "kind_of",
    "line_function",
]

FunctionMode = Literal["exact", "sampled"]
FUNCTION_MODES: tuple[str, ...] = get_args(FunctionMode)
MemoryMode = Literal["rss", "tracemalloc", "lines", "off"]
MEMORY_MODES: tuple[str, ...] = get_args(MemoryMode)
LineMethod = Literal["sampled", "traced", "off"]
LINE_METHODS: tuple[str, ...] = get_args(LineMethod)
LineTargets = Literal["auto"] | None | tuple[Callable[..., Any], ...]


def line_function(target: object) -> object:
    """The function whose lines `target` stands for, as a class attribute gives it.

    `Cls.prop` is a property: its getter runs. A `functools.cached_property` gives its
    function, a staticmethod or classmethod object (from a class's `__dict__`) its
    `__func__`. Anything else is returned as it is (a property without a getter gives
    None, which is no function).
    """
    if isinstance(target, property):
        return target.fget
    if isinstance(target, cached_property):
        return target.func
    if isinstance(target, staticmethod | classmethod):
        return target.__func__
    return target


def _line_targets(lines: object) -> LineTargets:
    """Normalise the `lines` option to "auto", None or a tuple of callables."""
    if lines is None or lines == "off":
        return None
    if lines == "auto":
        return "auto"
    if not isinstance(lines, str) and (callable(lines) or line_function(lines) is not lines):
        lines = [lines]
    if isinstance(lines, Sequence) and not isinstance(lines, str):
        targets: list[Callable[..., Any]] = []
        for given in lines:
            if isinstance(given, str):
                raise OptionError(
                    f"lines=[{quoted(given)}]: pass the function itself, e.g. "
                    "lines=[transform], not its name (the %architect_profile magic accepts "
                    "names)"
                )
            target = line_function(given)
            if not callable(target):
                raise OptionError(
                    f"lines: {quoted(given)} ({kind_of(given)}) is not a function; pass "
                    "functions, e.g. lines=[transform, Pipeline.run]"
                )
            targets.append(target)
        return tuple(targets)
    raise OptionError(
        f"lines={quoted(lines)}: use 'auto', None, or a list of functions, e.g. lines=[transform]"
    )


def kind_of(value: object) -> str:
    """What `value` is, for messages: "a list", "a property without a getter"."""
    if isinstance(value, property) and value.fget is None:
        return "a property without a getter"
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _one_of(name: str, value: object, choices: tuple[str, ...]) -> None:
    """Raise OptionError unless `value` is one of `choices`."""
    if value not in choices:
        raise OptionError(f"{name}={quoted(value)}: choose one of {', '.join(choices)}")


def _whole_number(name: str, value: object) -> None:
    """Raise OptionError unless `value` is an int of at least 1 (not a bool)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise OptionError(f"{name}={quoted(value)}: use a whole number of at least 1")


def _name(target: Callable[..., Any]) -> str:
    return str(getattr(target, "__qualname__", None) or getattr(target, "__name__", target))


@dataclass(frozen=True)
class Plan:
    """How one run measures, decoded once from its options; the Summary records it.

    Attributes:
        lines: how line times are measured: "sampled" (a CPU-time sampler, for the
            hottest user functions of the run), "traced" (line_profiler, on the named
            functions) or "off".
        memory: the memory lens: "rss" (the process's resident set, sampled), "tracemalloc"
            (the Python heap, exact), "lines" (memory per line of the named functions,
            memory_profiler; the RSS timeline runs too) or "off".
        traced: the functions traced line by line (lines "traced" or memory "lines").
        sampled_functions: with sampled lines, at most this many of the hottest user
            functions get line detail.
        evidence: whether the sampler gathers the hints' evidence (argument signatures
            and line samples of sampled calls).
        hints: whether refactor hints are built.
        functions: how function times are measured: "exact" (cProfile: every call
            counted, its cost corrected) or "sampled" (the CPU-time sampler's stacks: no
            hook on calls, no call counts).
        dask: whether the run follows its Dask tasks into the workers: "auto" (the
            default client, if there is one when the run starts), "client" (a client
            given) or "off".
    """

    lines: LineMethod
    memory: MemoryMode
    traced: tuple[str, ...] = ()
    sampled_functions: int = 3
    evidence: bool = False
    hints: bool = False
    functions: FunctionMode = "exact"
    dask: DaskMode = "off"

    def __post_init__(self) -> None:
        _one_of("dask", self.dask, DASK_MODES)
        _one_of("lines", self.lines, LINE_METHODS)
        _one_of("memory", self.memory, MEMORY_MODES)
        _one_of("functions", self.functions, FUNCTION_MODES)

    @property
    def sampler(self) -> bool:
        """Whether the CPU-time timer runs: it samples lines and, in the sampled functions
        mode, whole stacks; gathers the hints' evidence and times the heap lens's
        snapshots."""
        return (
            self.lines == "sampled"
            or self.memory == "tracemalloc"
            or self.evidence
            or self.functions == "sampled"
        )

    @property
    def rss(self) -> bool:
        """Whether the RSS timeline runs (beside memory per line too)."""
        return self.memory != "off"


@dataclass(frozen=True)
class Display:
    """How a report is shown: a renderer's option, not part of what was measured.

    Attributes:
        top: rows shown per rendered table (the DataFrames keep every row).
    """

    top: int = 20

    def __post_init__(self) -> None:
        _whole_number("top", self.top)


@dataclass(frozen=True)
class ProfileOptions:
    """What one run collects.

    Attributes:
        lines: line-level time detail: "auto" (the hottest user functions of this run,
            found by a CPU-time sampler), None (no line detail), or functions to trace
            exactly with line_profiler.
        memory: "rss" (process RSS timeline and peak), "tracemalloc" (exact Python heap
            peak and top allocating lines), "lines" (memory per line of the `lines`
            functions, memory_profiler's line mode) or "off".
        functions: "exact" (cProfile: exact call counts, times corrected for its cost)
            or "sampled" (the CPU-time sampler's stacks: a fraction of the cost, no call
            counts).
        top: how many rows the rendered tables show (the DataFrames keep every row).
        auto_functions: how many of the hottest user functions get line detail with "auto".
        sample_interval: CPU seconds between two line samples with "auto".
        rss_interval: seconds between two RSS samples.
        hints: gather the evidence for refactor hints (`report.hints`): the sampler's
            argument signatures and line samples, also with lines=None. Runs with
            "auto" or no line detail; exact line and memory-per-line runs have no
            sampler, so their hints rest on cProfile and tracemalloc alone.
        user_code: folders, files, module names or modules to count as the user's code
            beyond the default rule, or (a string prefixed with "!") not to; after the
            `WORKBENCH_USER_CODE` environment variable's entries (see `workbench.source.user_code`).
        user_rule: `user_code` resolved (set from it; not an argument).
        dask: follow the run's Dask tasks into the workers and profile them there:
            "auto" (the default client when the run starts, if distributed is in use),
            a `distributed.Client`, or "off" (also False).

    Raises:
        OptionError: for an unknown mode, a bad number, lenses that cannot share a run, or
            a `user_code` entry that is neither a path nor an importable module.
    """

    lines: LineTargets = "auto"
    memory: MemoryMode = "rss"
    functions: FunctionMode = "exact"
    top: int = 20
    auto_functions: int = 3
    sample_interval: float = 0.001
    rss_interval: float = 0.01
    hints: bool = True
    user_code: Sequence[object] = ()
    dask: object = "auto"
    user_rule: Rule = field(default=(), init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", _line_targets(self.lines))
        entries = self.user_code
        if isinstance(entries, (str, bytes)) or not isinstance(entries, Sequence):
            entries = (entries,)  # one folder or module given alone
        object.__setattr__(self, "user_code", tuple(entries))
        object.__setattr__(self, "user_rule", from_environment() + parse_entries(entries))
        _one_of("memory", self.memory, MEMORY_MODES)
        _one_of("functions", self.functions, FUNCTION_MODES)
        dask_mode(self.dask)
        _whole_number("top", self.top)
        _whole_number("auto_functions", self.auto_functions)
        for name in ("sample_interval", "rss_interval"):
            if not float(getattr(self, name)) > 0:
                raise OptionError(f"{name} must be a positive number of seconds")
        if not isinstance(self.hints, bool):
            raise OptionError(f"hints={quoted(self.hints)}: use True or False")
        if self.memory == "lines" and not isinstance(self.lines, tuple):
            raise OptionError(
                "memory='lines' traces the memory of named functions line by line, and "
                "'auto' only finds the hot functions while the code runs, too late to trace "
                "them: name them, e.g. lines=[transform] (magic: -m lines -l transform)"
            )

    @property
    def named_functions(self) -> tuple[Callable[..., Any], ...]:
        """The functions named in `lines` (empty for "auto" and None)."""
        return self.lines if isinstance(self.lines, tuple) else ()

    @property
    def plan(self) -> Plan:
        """The options decoded: which lenses run and how.

        Memory per line and exact line times both need the one trace hook, and line
        times taken beside memory_profiler's trace would mean nothing: with
        memory="lines" the lines are not timed. The hints' evidence comes from the
        sampler, which runs beside "auto" or no line detail, never beside tracing.
        """
        named = self.named_functions
        lines: LineMethod
        if self.memory == "lines":
            lines = "off"
        elif named:
            lines = "traced"
        else:
            lines = "sampled" if self.lines == "auto" else "off"
        return Plan(
            lines=lines,
            memory=self.memory,
            traced=tuple(_name(target) for target in named),
            sampled_functions=self.auto_functions,
            evidence=self.hints and not named,
            hints=self.hints,
            functions=self.functions,
            dask=dask_mode(self.dask),
        )

    @property
    def display(self) -> Display:
        """How the run's report is shown."""
        return Display(top=self.top)
