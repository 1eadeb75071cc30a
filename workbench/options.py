"""The options of one profiling run, validated once, before any profiler starts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from workbench.errors import OptionError

__all__ = ["MEMORY_MODES", "LineTargets", "MemoryMode", "ProfileOptions"]

MemoryMode = Literal["rss", "tracemalloc", "lines", "off"]
MEMORY_MODES: tuple[str, ...] = get_args(MemoryMode)
LineTargets = Literal["auto"] | None | tuple[Callable[..., Any], ...]


def _line_targets(lines: object) -> LineTargets:
    """Normalise the `lines` option to "auto", None or a tuple of callables."""
    if lines is None or lines == "off":
        return None
    if lines == "auto":
        return "auto"
    if callable(lines):
        return (lines,)
    if isinstance(lines, Sequence) and not isinstance(lines, str):
        targets = tuple(lines)
        for target in targets:
            if isinstance(target, str):
                raise OptionError(
                    f"lines=[{target!r}]: pass the function itself, e.g. lines=[transform], "
                    "not its name (the %architect_profile magic accepts names)"
                )
            if not callable(target):
                raise OptionError(f"lines: {target!r} is not a function; pass functions")
        return targets
    raise OptionError(f"lines={lines!r}: use 'auto', None, or a list of functions")


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
        top: how many rows the rendered tables show (the DataFrames keep every row).
        auto_functions: how many of the hottest user functions get line detail with "auto".
        sample_interval: CPU seconds between two line samples with "auto".
        rss_interval: seconds between two RSS samples.
        hints: gather the evidence for refactor hints (`report.hints`): the sampler's
            argument signatures and line samples, also with lines=None. Runs with
            "auto" or no line detail; exact line and memory-per-line runs have no
            sampler, so their hints rest on cProfile and tracemalloc alone.

    Raises:
        OptionError: for an unknown mode, a bad number, or lenses that cannot share a run.
    """

    lines: LineTargets = "auto"
    memory: MemoryMode = "rss"
    top: int = 20
    auto_functions: int = 3
    sample_interval: float = 0.001
    rss_interval: float = 0.01
    hints: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", _line_targets(self.lines))
        if self.memory not in MEMORY_MODES:
            raise OptionError(f"memory={self.memory!r}: choose one of {', '.join(MEMORY_MODES)}")
        for name in ("top", "auto_functions"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise OptionError(f"{name}={value!r}: use a whole number of at least 1")
        for name in ("sample_interval", "rss_interval"):
            if not float(getattr(self, name)) > 0:
                raise OptionError(f"{name} must be a positive number of seconds")
        if not isinstance(self.hints, bool):
            raise OptionError(f"hints={self.hints!r}: use True or False")
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
