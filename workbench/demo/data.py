"""Deterministic demo data for the notebooks: no download, the same bytes on every run.

`write_access_log` writes a web server access log (the combined log format) of any size;
`enrichment_records` makes records whose user-agent and timestamp strings repeat, as
real traffic does, so caching their parsing pays.
"""

from __future__ import annotations

import random
from pathlib import Path

__all__ = ["AGENTS", "PATHS", "enrichment_records", "write_access_log"]

PATHS = (
    "/",
    "/index.html",
    "/products",
    "/products/42",
    "/products/7",
    "/cart",
    "/checkout",
    "/api/v1/items",
    "/api/v1/items/9",
    "/api/v1/search",
    "/static/app.js",
    "/static/style.css",
    "/images/logo.png",
    "/blog/2026/11/profiling",
    "/blog/2026/10/generators",
    "/login",
    "/logout",
    "/account/orders",
    "/help",
    "/robots.txt",
)
_WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"
_SAFARI = "AppleWebKit/605.1.15 (KHTML, like Gecko)"
AGENTS = (
    f"Mozilla/5.0 (X11; Linux x86_64) {_WEBKIT} Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    f"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) {_SAFARI} Version/18.1 Safari/605.1.15",
    f"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) {_SAFARI} Mobile/15E148",
    f"Mozilla/5.0 (Linux; Android 15; Pixel 9) {_WEBKIT} Chrome/131.0 Mobile Safari/537.36",
    "curl/8.11.0",
    "python-httpx/0.28.1",
    "Googlebot/2.1 (+http://www.google.com/bot.html)",
)
_METHODS = ("GET",) * 8 + ("POST", "HEAD")
_STATUSES = (200,) * 14 + (301, 304, 404, 404, 500, 503)
_CHUNK = 20_000


def _line(rng: random.Random, i: int) -> str:
    ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    seconds = i // 10  # ten requests a second, from midnight
    stamp = f"26/Nov/2026:{seconds // 3600 % 24:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    method, path = rng.choice(_METHODS), rng.choice(PATHS)
    status, size = rng.choice(_STATUSES), rng.randrange(200, 50_000)
    agent = rng.choice(AGENTS)
    return f'{ip} - - [{stamp} +0000] "{method} {path} HTTP/1.1" {status} {size} "-" "{agent}"\n'


def write_access_log(path: str | Path, lines: int, *, seed: int = 0) -> Path:
    """Write `lines` access-log lines to `path` (about 190 bytes a line).

    Parameters:
        path: the file to create; it must not exist.
        lines: how many requests.
        seed: the same seed writes the same bytes.

    Returns:
        The path.

    Raises:
        FileExistsError: `path` exists (nothing is overwritten).
    """
    target = Path(path)
    rng = random.Random(seed)
    with target.open("x", encoding="ascii", newline="\n") as handle:
        for start in range(0, lines, _CHUNK):
            stop = min(start + _CHUNK, lines)
            handle.write("".join(_line(rng, i) for i in range(start, stop)))
    return target


def enrichment_records(n: int, *, seed: int = 0) -> list[dict[str, str]]:
    """`n` request records with a user agent and an ISO timestamp string each.

    Only a few hundred distinct timestamps (to the minute) and the eight user agents
    occur, so most parsing work repeats.
    """
    rng = random.Random(seed)
    return [
        {
            "id": str(i),
            "agent": rng.choice(AGENTS),
            "time": f"2026-11-26T{rng.randrange(6, 12):02d}:{rng.randrange(60):02d}:00+00:00",
            "country": rng.choice(("PT", "NO", "EC", "VN", "GH", "AU", "PE", "LV")),
            "amount": f"{rng.randrange(100, 100_000) / 100:.2f}",
        }
        for i in range(n)
    ]
