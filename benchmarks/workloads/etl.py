"""W3: allocation-heavy ETL: materialise records, transform, group (hundreds of MB)."""

from __future__ import annotations

from collections.abc import Callable

NAME = "allocation-heavy ETL"


def extract(n: int) -> list[dict[str, object]]:
    return [{"id": i, "key": f"k{i % 1000}", "text": f"row-{i}-" + "x" * 40} for i in range(n)]


def transform(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return [row | {"upper": str(row["text"]).upper(), "len": len(str(row["text"]))} for row in rows]


def load(rows: list[dict[str, object]]) -> dict[object, int]:
    groups: dict[object, int] = {}
    for row in rows:
        groups[row["key"]] = groups.get(row["key"], 0) + int(row["len"])  # type: ignore[call-overload]
    return groups


def etl(n: int) -> int:
    rows = extract(n)
    out = transform(rows)
    return len(load(out))


def prepare(scale: float) -> Callable[[], object]:
    n = max(10, int(600_000 * scale))
    return lambda: etl(n)


def hot() -> list[Callable[..., object]]:
    return [transform, load]


def memory_target() -> Callable[..., object]:
    return etl
