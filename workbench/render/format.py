"""Number formats and the Table every renderer lays out, shared by all views."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = [
    "BAR_BLOCKS",
    "Table",
    "bar_blocks",
    "fmt_bytes",
    "fmt_seconds",
    "fmt_share",
    "records",
]

BAR_BLOCKS = 10


def bar_blocks(share: float) -> int:
    """How many of the BAR_BLOCKS blocks of a heat bar a share fills (0 below 5%)."""
    return round(max(0.0, min(share, 1.0)) * BAR_BLOCKS)


def fmt_seconds(seconds: float) -> str:
    """Seconds with a unit that keeps three significant digits (s, ms or µs)."""
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    if seconds > 0:
        return f"{seconds * 1e6:.0f} µs"
    return "0"


def fmt_bytes(size: float) -> str:
    """Bytes in binary units (B, KiB, MiB, GiB), signed when negative."""
    sign = "-" if size < 0 else ""
    size = abs(size)
    for unit in ("B", "KiB", "MiB"):
        if size < 1024:
            return f"{sign}{size:.0f} {unit}" if unit == "B" else f"{sign}{size:.1f} {unit}"
        size /= 1024
    return f"{sign}{size:.2f} GiB"


def fmt_share(share: float) -> str:
    """A fraction as a percentage with one decimal."""
    return f"{share * 100:.1f}%"


@dataclass(frozen=True)
class Table:
    """A table of strings with a heat bar per row.

    Attributes:
        title: the heading above the table ("" for none).
        headers: one per column.
        rows: the cells, formatted.
        shares: 0..1 per row, the length of its heat bar.
        align: "l" or "r" per column.
        listing: True when rows are source lines in source order (the line number is the
            first column and the source the last); False for a ranking, whose row order
            follows the measurements.
    """

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    shares: tuple[float, ...]
    align: str
    listing: bool = False


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of Python values (pandas NA stays NA)."""
    return [{str(k): v for k, v in row.items()} for row in table.to_dict("records")]
