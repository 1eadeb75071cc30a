"""Lists built by calling a library function per item, then read once: the library
allocates the items (json's decoder, urllib's parser, shlex's lexer), the user's line
holds them. Each holds a few MiB at the peak.
"""

from __future__ import annotations

import json
import shlex
from urllib.parse import parse_qs


def log_lines(n: int) -> list[str]:
    """`n` log lines: a date, a time, a level, then a JSON record."""
    return [
        f"2024-05-01 12:00:{i % 60:02d} INFO "
        + json.dumps({"id": i, "user": f"u{i % 97}", "tags": ["a", "b"]})
        for i in range(n)
    ]


def query_strings(n: int) -> list[str]:
    return [f"id={i}&user=u{i % 97}&tag=a&tag=b&page={i % 7}" for i in range(n)]


def command_lines(n: int) -> list[str]:
    return [f"cp -r 'src dir/{i}' dest/{i % 13} --mode {i % 5}" for i in range(n)]


def sum_log_ids(lines: list[str]) -> int:
    records = [json.loads(line.split(" ", 3)[3]) for line in lines]
    total = 0
    for record in records:
        total += record["id"]
    return total


def count_query_tags(queries: list[str]) -> int:
    params = [parse_qs(query) for query in queries]
    return sum(len(p["tag"]) for p in params)


def count_arguments(commands: list[str]) -> int:
    argvs = list(map(shlex.split, commands))
    return max(len(argv) for argv in argvs)


def sum_log_ids_twice(lines: list[str]) -> float:
    """The list is read twice (len and the loop): it is needed whole."""
    records = [json.loads(line.split(" ", 3)[3]) for line in lines]
    count = len(records)
    return sum(record["id"] for record in records) / count


def nest(depth: int, width: int) -> list[object]:
    """Lists nested `depth` deep, each holding `width` numbers and the next one."""
    inner: list[object] = list(range(width))
    for _ in range(depth - 1):
        inner = [*range(width), inner]
    return inner


def noop() -> None:
    """Does nothing: what a memory table shows of it is the profiler's own."""
