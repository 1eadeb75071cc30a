"""Progress of a long compare: a bar in Jupyter, a line on stderr in a terminal.

A compare runs every version once to check its result, then in timed rounds, once under
tracemalloc and once under cProfile. Slow versions make that minutes, so a compare that
is expected to take, or has taken, `PROGRESS_AFTER` seconds shows its progress with
tqdm (`tqdm.auto`: a widget where ipywidgets is installed, else a text line). A quick
compare shows nothing, so notebook outputs stay as they were. The bar is erased when
the compare ends (`leave=False`): the result that follows says everything it said.
"""

from __future__ import annotations

import logging
import warnings
from types import TracebackType
from typing import Any

from workbench.comparison.timing import Clock

__all__ = ["PROGRESS_AFTER", "Progress"]

log = logging.getLogger(__name__)

# Seconds: a default compare (a 3 s budget) of quick functions stays under it and shows
# nothing; one whose calls take seconds each goes over it and shows its progress.
PROGRESS_AFTER = 5.0


def _bar_class() -> Any:
    """tqdm's class for this front end, without a monitor thread.

    Imported when first needed: tqdm.auto inspects the running shell at import. Without
    ipywidgets it warns and falls back to the text bar; the fallback is what we want,
    the warning is noise in the user's notebook.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm

    class Bar(tqdm):  # type: ignore[misc]  # tqdm ships no type hints: it is Any
        # tqdm's monitor thread would outlive the compare; refreshing on each step is
        # enough for steps of a second or more.
        monitor_interval = 0

    return Bar


class Progress:
    """Counts a compare's steps and shows them once the compare is (expected to be) long.

    The steps: one result-checking call per version, one per timed round, then the
    memory run and the profiled run. `show` is True (always), False (never) or None
    (when the compare is expected to take `PROGRESS_AFTER` seconds, or has taken them).
    Use as a context manager: the bar is closed whatever happens.

    Parameters:
        clock: the compare's clock (tests inject a fake one).
        show: True, False or None (automatic), as above.
        versions: how many versions are compared.
    """

    def __init__(self, clock: Clock, show: bool | None, versions: int) -> None:
        self._clock = clock
        self._show = show
        self._start = clock()
        self._done = 0
        self._total: int | None = None
        self._expected = 0.0  # seconds the whole compare should take, once planned
        self._phase = "checking results"
        self._versions = versions
        self._bar: Any = None

    def __enter__(self) -> Progress:
        if self._show:
            self._open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.close()

    def plan(self, rounds: int, per_round: float, per_call: float) -> None:
        """The timed rounds are planned: set the total and the expected duration.

        Parameters:
            rounds: the rounds to time.
            per_round: seconds one round is expected to take.
            per_call: seconds one call of every version took (the memory and the
                profiled runs take at least that each).
        """
        self._total = self._versions + rounds + 2
        self._expected = self._clock() - self._start + rounds * per_round + 2 * per_call
        if self._bar is not None:
            self._bar.total = self._total
        self.phase("timing rounds")

    def phase(self, name: str) -> None:
        """A new phase starts (the description says which)."""
        self._phase = name
        if self._bar is not None:
            self._bar.set_description(f"compare: {name}")  # refreshes the bar
        elif self._due():
            self._open()

    def step(self) -> None:
        """One step is done."""
        self._done += 1
        if self._bar is not None:
            self._bar.update(1)
        elif self._due():
            self._open()

    def _due(self) -> bool:
        if self._show is not None:
            return self._show
        return max(self._clock() - self._start, self._expected) >= PROGRESS_AFTER

    def _open(self) -> None:
        try:
            self._bar = _bar_class()(
                total=self._total,
                initial=self._done,
                desc=f"compare: {self._phase}",
                unit="step",
                leave=False,
            )
        except Exception:  # progress is a courtesy: never fail a compare over it
            log.warning("cannot show the compare's progress", exc_info=True)
            self._show = False
