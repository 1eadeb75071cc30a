"""The Report: plain data about one profiled run, its tables as pandas DataFrames.

A Report is built once by the session and never changes. It renders itself (HTML for
notebooks, text for terminals) and saves itself (`.prof` for pstats and snakeviz, `.json`
that loads back to an equal Report, `.html`); the work is done in `workbench.render` and
`workbench.storage`.
"""

from __future__ import annotations

import os
import pstats
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from workbench.render.snakeviz import SnakevizView

__all__ = ["Report", "Summary"]

TABLES = ("functions", "lines", "memory", "timeline", "tasks", "hints")


@dataclass(frozen=True)
class Summary:
    """The headline figures of one run.

    Attributes:
        label: what ran (a call or a statement).
        wall_seconds: elapsed time of the profiled code, profilers included.
        cpu_seconds: process CPU time over the same span.
        waiting_seconds: time an asyncio event loop sat blocked in its selector, waiting
            for I/O or timers; None when no event loop ran.
        peak_memory: the peak in bytes, per `memory_source`; None when no memory lens ran.
        memory_source: "rss" (the whole process's resident set, interpreter included),
            "tracemalloc" (the Python heap allocated during the run) or "none".
        memory_start: RSS at the start in bytes (RSS mode only), to read the peak against.
        total_calls: function calls cProfile counted.
        hottest_function: the user function with the most own time, as "name (file:line)".
        hottest_line: the most expensive line of the line table, as "file:line  source".
        lenses: the lenses that ran.
        python_version: the interpreter's version.
        started_at: local start time, ISO 8601.
        complete: False when the profiled code raised; the tables cover what ran.
        error: the exception as "Type: message" when not complete.
        notes: caveats about this run (for example a lens that could not run here).
        warnings: problems with what was profiled (returned a coroutine never awaited,
            a generator never consumed): the profile misses work.
    """

    label: str
    wall_seconds: float
    cpu_seconds: float
    peak_memory: int | None
    memory_source: str
    memory_start: int | None
    total_calls: int
    hottest_function: str | None
    hottest_line: str | None
    lenses: tuple[str, ...]
    python_version: str
    started_at: str
    complete: bool
    error: str | None = None
    notes: tuple[str, ...] = ()
    waiting_seconds: float | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Report:
    """Everything one profiled run measured.

    Attributes:
        summary: headline figures (`Summary`).
        functions: one row per function (cProfile), by `tottime`, highest first. Columns:
            function, file, line, ncalls, primitive_calls, tottime, cumtime, share,
            user_code. Cells show as `In[n]`.
        lines: line-level time for the functions that got line detail, grouped by
            function (hottest first) and ranked by `time` within each. Columns: function,
            file, lineno, hits (traced), samples (sampled), time, share, source, method.
        memory: where memory went by line (tracemalloc sites or memory_profiler lines).
            Columns: function, file, lineno, size, count, rss, source, user_code, method.
        timeline: RSS samples during the run: t (seconds since start), rss (bytes).
        tasks: one row per asyncio task of the profiled code, the longest waiting first.
            Columns: task, coroutine, file, line, resumptions (times it continued after
            an await that suspended), cpu (thread CPU seconds), running (seconds in its
            steps), waiting (wall - running), wall (first start to finish, or to the end
            of the run), start (seconds after the run began), state, user_code. The
            profiled code's own task is a row when it ran as a coroutine.
        hints: refactors this run's measurements point at, the most valuable first
            (`workbench.hints`). Columns: kind (cache, stream, concurrency, hoist),
            where ("function (file:line)"), evidence (the measurements, in words),
            max_gain (at most this much saved), unit ("s" or "B"), suggestion (a code
            sketch), function, file, line.
        profile_data: cProfile's statistics, marshalled as `pstats` writes them.
        top: how many rows the rendered tables show.
        result: the profiled call's return value (not saved; None after `load`).
    """

    summary: Summary
    functions: pd.DataFrame
    lines: pd.DataFrame
    memory: pd.DataFrame
    timeline: pd.DataFrame
    tasks: pd.DataFrame
    hints: pd.DataFrame
    profile_data: bytes = field(repr=False)
    top: int = 20
    result: Any = field(default=None, repr=False)

    def functions_in_user_code(self) -> pd.DataFrame:
        """The `functions` rows of the user's own code (cells, `__main__`, the work folder)."""
        return self.functions[self.functions["user_code"]].reset_index(drop=True)

    def pstats(self) -> pstats.Stats:
        """cProfile's statistics as a `pstats.Stats`, for its sort and print methods."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "profile.prof"
            path.write_bytes(self.profile_data)
            return pstats.Stats(str(path))

    def save(self, directory: str | Path, *, overwrite: bool = False) -> dict[str, Path]:
        """Write profile.prof, report.json and report.html into `directory`.

        Parameters:
            directory: created if missing.
            overwrite: replace existing files; without it nothing is written if any exists.

        Returns:
            {"prof": ..., "json": ..., "html": ...} paths.

        Raises:
            ReportExistsError: a file exists and `overwrite` is False.
            OptionError: `directory` is not a path.
        """
        from workbench.errors import OptionError
        from workbench.storage import save_report

        if not isinstance(directory, str | os.PathLike):
            raise OptionError(f"save({directory!r}): give a folder path (str or Path)")
        return save_report(self, Path(directory), overwrite=overwrite)

    @classmethod
    def load(cls, path: str | Path) -> Report:
        """Read a report saved by `save` (its report.json, or the folder holding it).

        Raises:
            ReportFormatError: the file is not a saved report.
        """
        from workbench.storage import load_report

        return load_report(Path(path))

    def snakeviz(self, *, height: int = 700) -> SnakevizView:
        """Show this profile in snakeviz, served by this process on 127.0.0.1.

        Starts the snakeviz server on first use (a free loopback port, waited for until
        it answers) and keeps it until `workbench.stop_servers()` or process exit. Only
        the profiles written for this purpose are served.

        Parameters:
            height: the height of the notebook's iframe, in CSS pixels.

        Returns:
            A view: an iframe in a notebook, the URL in a terminal. If the server cannot
            start, the view says why and shows this report's static HTML instead.
        """
        from workbench.render.snakeviz import snakeviz_view

        return snakeviz_view(self, height=height)

    def to_text(self) -> str:
        """A plain-text rendering for terminals and logs."""
        from workbench.render.text import render_text

        return render_text(self)

    def to_html(self) -> str:
        """A self-contained HTML fragment (no scripts, no network); every name escaped."""
        from workbench.render.html import render_html

        return render_html(self)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        s = self.summary
        state = "complete" if s.complete else "incomplete"
        return f"<Report {s.label!r}: {s.wall_seconds:.3f} s wall, {s.total_calls} calls, {state}>"

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.to_text())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Report):
            return NotImplemented
        return (
            self.summary == other.summary
            and self.profile_data == other.profile_data
            and self.top == other.top
            and all(getattr(self, t).equals(getattr(other, t)) for t in TABLES)
        )

    __hash__ = None  # type: ignore[assignment]
