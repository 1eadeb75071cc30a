"""The Report: plain data about one profiled run, its tables as pandas DataFrames.

A Report is built once (`workbench.report.assemble`) and never changes. Like a pandas
DataFrame it has thin methods that hand the work to other modules, imported when called:
it renders itself (`workbench.render`: HTML for notebooks, text for terminals), saves
and loads itself (`workbench.report.storage`: `.prof` for pstats and snakeviz, `.json`
that loads back to an equal Report, `.html`) and opens in snakeviz (`workbench.snakeviz`).
"""

from __future__ import annotations

import os
import pstats
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.errors import OptionError, quoted
from workbench.options import Display
from workbench.report.schema import TABLES
from workbench.report.summary import Summary

if TYPE_CHECKING:
    from workbench.snakeviz.view import SnakevizView

__all__ = ["Report"]


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
        stacks: the CPU-time sampler's stacks of the profiled code, one row per frame,
            outermost first (empty when the sampler did not run). Columns: stack (its
            number), depth, function, file, line, samples, seconds. The sampled mode's
            function times and the exports (`save(..., formats=...)`) come from them.
        profile_data: cProfile's statistics, marshalled as `pstats` writes them.
        result: the profiled call's return value (not saved; None after `load`).
        display: how it is shown (rows per rendered table): a renderer's option, not
            data, so two reports that differ only in it are equal.
    """

    summary: Summary
    functions: pd.DataFrame
    lines: pd.DataFrame
    memory: pd.DataFrame
    timeline: pd.DataFrame
    tasks: pd.DataFrame
    hints: pd.DataFrame
    stacks: pd.DataFrame
    profile_data: bytes = field(repr=False)
    result: Any = field(default=None, repr=False)
    display: Display = field(default=Display(), repr=False, kw_only=True)

    @property
    def top(self) -> int:
        """How many rows the rendered tables show (`display.top`)."""
        return self.display.top

    def functions_in_user_code(self) -> pd.DataFrame:
        """The `functions` rows of the user's own code (cells, `__main__`, the work folder)."""
        return self.functions[self.functions["user_code"]].reset_index(drop=True)

    def pstats(self) -> pstats.Stats:
        """cProfile's statistics as a `pstats.Stats`, for its sort and print methods;
        cells named as in the report (`In[3]`), as in the saved `profile.prof`."""
        from workbench.report.exports import prof

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "profile.prof"
            path.write_bytes(prof(self))
            return pstats.Stats(str(path))

    def save(
        self,
        directory: str | Path,
        *,
        overwrite: bool = False,
        formats: tuple[str, ...] | list[str] = ("prof", "json", "html"),
    ) -> dict[str, Path]:
        """Write the report's files into `directory`.

        Parameters:
            directory: created if missing.
            overwrite: replace existing files; without it nothing is written if any exists.
            formats: which files: "prof" (profile.prof: pstats, snakeviz), "json"
                (report.json: loads back with `load`), "html" (report.html), "speedscope"
                (profile.speedscope.json: speedscope), "folded" (profile.folded:
                collapsed stacks for flamegraph.pl, speedscope, inferno). The last two
                hold the sampled stacks (`stacks`).

        Returns:
            {format: path} of the files written.

        Raises:
            ReportExistsError: a file exists and `overwrite` is False.
            SaveError: `directory` is a file (or under one), or cannot be created.
            OptionError: `directory` is not a path, or a format is unknown.
        """
        from workbench.report.storage import FILES, save_report

        if not isinstance(directory, str | os.PathLike):
            raise OptionError(f"save({quoted(directory)}): give a folder path (str or Path)")
        unknown = [kind for kind in formats if kind not in FILES]
        if unknown or not formats or isinstance(formats, str):
            raise OptionError(
                f"save(formats={quoted(formats)}): choose among {', '.join(FILES)}, "
                "e.g. formats=('prof', 'speedscope')"
            )
        return save_report(self, Path(directory), overwrite=overwrite, formats=tuple(formats))

    @classmethod
    def load(cls, path: str | Path) -> Report:
        """Read a report saved by `save` (its report.json, or the folder holding it).

        Raises:
            ReportFormatError: the file is not a saved report.
        """
        from workbench.report.storage import load_report

        return load_report(Path(path), cls)

    def snakeviz(self, *, height: int = 700) -> SnakevizView:
        """Show this profile in snakeviz: `workbench.snakeviz.show(self, height=height)`."""
        from workbench.snakeviz import show

        return show(self, height=height)

    def to_text(self, *, top: int | None = None) -> str:
        """A plain-text rendering for terminals and logs.

        Parameters:
            top: rows shown per table (default: `display.top`).

        Raises:
            OptionError: `top` is not a whole number of at least 1.
        """
        from workbench.render.text import render_text

        return render_text(self, self._shown(top))

    def to_html(self, *, top: int | None = None) -> str:
        """A self-contained HTML fragment (no scripts, no network); every name escaped.

        Parameters:
            top: rows shown per table (default: `display.top`).

        Raises:
            OptionError: `top` is not a whole number of at least 1.
        """
        from workbench.render.html import render_html

        return render_html(self, self._shown(top))

    def _shown(self, top: int | None) -> Display:
        """The display options of a rendering: `display`, or `top` rows per table."""
        return self.display if top is None else Display(top)

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
            and all(getattr(self, t).equals(getattr(other, t)) for t in TABLES)
        )

    __hash__ = None  # type: ignore[assignment]
