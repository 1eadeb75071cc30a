"""A2: four standard-library stages, two pure Python and call-heavy, two mostly in C.

`read_csv` totals sales per region with `csv.DictReader` (a C parser under a Python
iterator), `spread` takes `statistics.stdev` and `median` of prices (pure Python, exact
fractions: many calls), `timestamps` parses dates with `datetime.strptime` (pure Python,
regex-driven) and `pack` compresses and encodes bytes with `zlib` and `base64` (C only).
"""

from __future__ import annotations

import base64
import csv
import datetime
import io
import random
import statistics
import zlib
from collections.abc import Callable

from benchmarks.workloads import staged

NAME = "standard library: csv, statistics, strptime, zlib"

STAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def read_csv(text: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    for row in csv.DictReader(io.StringIO(text)):
        region = row["region"]
        totals[region] = totals.get(region, 0.0) + float(row["price"]) * int(row["qty"])
    return totals


def spread(prices: list[float]) -> tuple[float, float]:
    return statistics.stdev(prices), statistics.median(prices)


def timestamps(stamps: list[str]) -> datetime.timedelta:
    parsed = [datetime.datetime.strptime(stamp, STAMP_FORMAT) for stamp in stamps]
    return max(parsed) - min(parsed)


def pack(blob: bytes) -> int:
    return len(base64.b64encode(zlib.compress(blob, 9)))


STAGES = ("read_csv", "spread", "timestamps", "pack")
# For tools that report each function's own time only (Scalene): the library's time is
# charged to the stage's lines that call it.
STAGE_PARTS = {stage: (stage,) for stage in STAGES}


def _stages(scale: float) -> list[staged.Stage]:
    rng = random.Random(2024)  # fixed seed: every run profiles the same data
    regions = ("north", "south", "east", "west")
    lines = [
        f"{i},{rng.choice(regions)},{rng.uniform(0, 500):.2f},{rng.randint(1, 40)}"
        for i in range(max(10, int(45_000 * scale)))
    ]
    text = "id,region,price,qty\n" + "\n".join(lines) + "\n"
    prices = [rng.gauss(100.0, 15.0) for _ in range(max(10, int(160_000 * scale)))]
    start = datetime.datetime(2020, 1, 1)
    stamps = [
        (start + datetime.timedelta(seconds=rng.randrange(10**8))).strftime(STAMP_FORMAT)
        for _ in range(max(10, int(16_000 * scale)))
    ]
    # strptime imports _strptime and compiles the format's regex on first use: done here,
    # outside the timed call, as a warm process would have done it.
    datetime.datetime.strptime(stamps[0], STAMP_FORMAT)
    blob = text.encode()
    return [(read_csv, text), (spread, prices), (timestamps, stamps), (pack, blob)]


def prepare(scale: float) -> Callable[[], object]:
    """All four stages once, inputs built outside the timed call."""
    stages = _stages(scale)
    return lambda: staged.run(stages)


def stage_seconds(scale: float) -> dict[str, float]:
    """The truth: each stage timed with perf_counter, unprofiled."""
    return staged.seconds(_stages(scale))
