"""What the snakeviz child puts into snakeviz's page: checked statistics, script-safe JSON.

snakeviz's template (viz.html) writes its two data values with `{% raw %}` inside
`<script>` blocks, and tornado's raw writes a list or dict as Python's `str()` of it: a
function named `x</script><script>...` would close the block and run on the server's
origin. Here the statistics are read and checked first (a saved folder's profile.prof
can hold anything marshal can), their names made visible as the workbench's own pages
show them, and the values handed to the template as ready strings of script-safe JSON
(`workbench.render.escape.script_json`).

In the page, snakeviz escapes what reaches HTML itself: the table's
`filename:lineno(function)` column (tornado's xhtml_escape), the info panel and the call
stack (lodash's `<%- %>`); the other table columns are the numbers checked here.
"""

from __future__ import annotations

import marshal
import numbers
from pstats import Stats
from typing import Any

from workbench.render.escape import script_json, visible

__all__ = ["InvalidProfile", "load_stats", "page_arguments", "snakeviz_name"]

Key = tuple[str, int, str]  # pstats' (file, line, function)
Entry = tuple[Any, Any, Any, Any, dict[Key, Any]]


class InvalidProfile(ValueError):
    """The bytes are not cProfile statistics that snakeviz can show."""


def snakeviz_name(text: str) -> str:
    """A file or function name as the snakeviz page shows it: `visible`, on one line.

    snakeviz's info panel splits a function's "file:line(name)" with
    /^(.*):(\\d+)\\((.*)\\)$/, whose `.` stops at any line break: a name holding one
    would leave the panel empty.

    Parameters:
        text: a name from the statistics (lone surrogates and all).

    Returns:
        `visible(text, one_line=True)`: line breaks too written as escapes (`\\x0a`).
    """
    return visible(text, one_line=True)


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_key(key: object) -> bool:
    return (
        isinstance(key, tuple)
        and len(key) == 3
        and isinstance(key[0], str)
        and isinstance(key[1], int)
        and not isinstance(key[1], bool)
        and isinstance(key[2], str)
    )


def _check(data: object) -> dict[Key, Entry]:
    """`data` when it has the shape of pstats' statistics, else InvalidProfile."""
    if not isinstance(data, dict) or not data:
        raise InvalidProfile("no function statistics in the profile")
    for key, entry in data.items():
        if not _is_key(key):
            raise InvalidProfile("a function is not named (file, line, name)")
        if not isinstance(entry, tuple) or len(entry) != 5:
            raise InvalidProfile("a function's statistics are not (cc, nc, tt, ct, callers)")
        *counts, callers = entry
        if not all(_is_number(v) for v in counts) or not isinstance(callers, dict):
            raise InvalidProfile("a function's statistics are not numbers")
        for caller, edge in callers.items():
            if not _is_key(caller) or not isinstance(edge, tuple):
                raise InvalidProfile("a caller is not named (file, line, name)")
            if len(edge) != 4 or not all(_is_number(v) for v in edge):
                raise InvalidProfile("a caller's statistics are not numbers")
    return data


def _renamed(stats: dict[Key, Entry]) -> dict[Key, Entry]:
    """`stats` with every name as `snakeviz_name` writes it; unchanged when that would
    make two functions one (a name spelled out as its own escape beside the original)."""
    keys = set(stats) | {caller for *_, callers in stats.values() for caller in callers}

    def new(key: Key) -> Key:
        return (snakeviz_name(key[0]), key[1], snakeviz_name(key[2]))

    if len({new(key) for key in keys}) != len(keys):
        return stats
    return {
        new(key): (cc, nc, tt, ct, {new(c): edge for c, edge in callers.items()})
        for key, (cc, nc, tt, ct, callers) in stats.items()
    }


def load_stats(profile_data: bytes) -> dict[Key, Entry]:
    """The checked statistics of a `.prof` file's bytes, names made visible.

    Parameters:
        profile_data: what cProfile (or pstats' dump_stats) wrote.

    Returns:
        {(file, line, function): (cc, nc, tt, ct, callers)}.

    Raises:
        InvalidProfile: the bytes are not marshalled pstats statistics.
    """
    try:
        data = marshal.loads(profile_data)
    except (EOFError, ValueError, TypeError) as error:
        raise InvalidProfile(f"not a marshalled profile: {error}") from None
    return _renamed(_check(data))


class _Loaded:
    """What pstats.Stats reads statistics from besides a file (as from a Profile)."""

    def __init__(self, stats: dict[Key, Entry]) -> None:
        self.stats = stats

    def create_stats(self) -> None:
        """Nothing to do: the statistics are ready (pstats calls this first)."""


def page_arguments(profile_data: bytes) -> dict[str, str]:
    """The data arguments of snakeviz's viz.html, as script-safe JSON text.

    Parameters:
        profile_data: the bytes of a `.prof` file.

    Returns:
        {"table_rows": ..., "callees": ...}: snakeviz's own `table_rows` and
        `json_stats` of the statistics, each as `script_json` text for `{% raw %}`.

    Raises:
        InvalidProfile: the bytes are not marshalled pstats statistics.
    """
    from snakeviz.stats import json_stats, table_rows  # the child's import, not the kernel's

    stats = Stats(_Loaded(load_stats(profile_data)))  # type: ignore[arg-type]
    return {
        "table_rows": script_json(table_rows(stats)),
        "callees": script_json(json_stats(stats)),
    }
