"""Write the optimization notebooks (01-04) from the cell sources below.

Run from the repository root, then execute them so the committed outputs are fresh:

    .venv/bin/python notebooks/build.py
    cd notebooks && ../.venv/bin/jupyter nbconvert --to notebook --execute --inplace 0[1-4]*.ipynb

The notebooks are the artifact; this file only keeps their sources reviewable as text.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text.strip())


def code(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(text.strip())


GENERATORS = [
    md("""
# 01 · Generators: stream a large log instead of holding it

A daily ETL over a web server's access log: parse every request, keep the successful ones,
and report the ten paths that served the most bytes. The first version is written the way
a lot of pipeline code starts: `readlines()`, then a list per stage, then a sort. It is
correct, and it holds the whole file, every parsed record and every filtered record in
memory at once.

The log is generated here, deterministically (the same bytes on every run), into a
temporary folder that the last cell removes.
"""),
    code("""
%load_ext workbench
import heapq
import pathlib
import tempfile
from collections import Counter, defaultdict

from workbench.demo.data import write_access_log

folder = tempfile.TemporaryDirectory(prefix="awb-generators-")
LINES = 500_000
log = write_access_log(pathlib.Path(folder.name) / "access.log", LINES)
print(f"{log.stat().st_size / 1e6:.1f} MB, {LINES:,} requests")
"""),
    code('''
def parse(line):
    """One log line -> a record (client, method, path, status, bytes)."""
    head, _, rest = line.partition(' "')
    request, _, tail = rest.partition('" ')
    method, path, _ = request.split(" ")
    status, size = tail.split(" ", 2)[:2]
    return {"client": head.split(" ", 1)[0], "method": method, "path": path,
            "status": int(status), "bytes": int(size)}


def top_paths_lists(log_path, n=10):
    with open(log_path) as handle:
        lines = handle.readlines()                      # the whole file
    records = [parse(line) for line in lines]           # every record
    ok = [r for r in records if r["status"] < 400]      # most of them again
    by_path = {}
    for record in ok:
        by_path.setdefault(record["path"], []).append(record["bytes"])
    rows = [(path, len(sizes), sum(sizes)) for path, sizes in by_path.items()]
    rows.sort(key=lambda row: row[2], reverse=True)
    return rows[:n]
'''),
    md("""
## 1. Where does the memory go?

`-m tracemalloc` measures the exact peak of the Python heap and lists the lines that hold
the most memory at that peak.
"""),
    code("%architect_profile -m tracemalloc -l off -t 6 -o lists_report top = top_paths_lists(log)"),
    code("""
# Deterministic facts about this run (tracemalloc counts bytes exactly).
held = lists_report.memory
sources = " ".join(held["source"].head(6))
assert "readlines()" in sources and "parse(line) for line in lines" in sources, sources
assert lists_report.summary.peak_memory > 200 * 2**20   # hundreds of MiB for an 80 MB log
print("the peak is held by the list of lines and the parsed records")
"""),
    md("""
The report's **hints** point at the same place from the measurements alone: the line
that builds `lines` holds a large share of the peak, and the source reads that list only
once, so a generator would hold one line at a time.
"""),
    code("""
hints = lists_report.hints
stream = hints[(hints["kind"] == "stream") & (hints["function"] == "top_paths_lists")]
assert list(stream["line"]) == [top_paths_lists.__code__.co_firstlineno + 2], stream  # readlines()
stream[["kind", "where", "unit"]]
"""),
    md("""
The peak is the sum of the stages: the list of lines, the list of parsed dicts, the list
of the successful ones. None of them is needed as a whole: every stage looks at one line
or one record at a time, and the report needs only a running count and sum per path.

## 2. The refactor: a generator pipeline with incremental aggregation

The file object already yields lines one by one; generator expressions keep every stage
lazy; a `Counter` and a `defaultdict` aggregate as records flow past; `heapq.nlargest`
picks the top rows without sorting everything.
"""),
    code("""
def top_paths_streaming(log_path, n=10):
    counts, totals = Counter(), defaultdict(int)
    with open(log_path) as handle:
        records = (parse(line) for line in handle)
        ok = (r for r in records if r["status"] < 400)
        for record in ok:
            counts[record["path"]] += 1
            totals[record["path"]] += record["bytes"]
    return heapq.nlargest(n, ((p, counts[p], totals[p]) for p in counts), key=lambda row: row[2])
"""),
    md("""
## 3. The proof: same result, far less memory

`%architect_compare` checks that both return the same rows, times them in alternating
rounds, measures each peak with tracemalloc and diffs their profiles. Whether the time
changes is reported as measured: here the work per line is the same, so expect little.
"""),
    code("%architect_compare -o cmp -n 2 top_paths_lists top_paths_streaming -a log"),
    code("""
assert cmp.equal is True
assert cmp.memory_ratio >= 10, cmp.memory_ratio
assert cmp.candidate.peak_memory < 2**20          # under 1 MiB, whatever the log's size
print(f"peak memory: {cmp.baseline.peak_memory / 2**20:,.0f} MiB -> "
      f"{cmp.candidate.peak_memory / 2**10:,.0f} KiB ({cmp.memory_ratio:,.0f}x lower)")
print(f"time: speedup {cmp.speedup:.2f}x, 95% CI {cmp.speedup_ci[0]:.2f}-{cmp.speedup_ci[1]:.2f}x")
"""),
    md("""
## When not to stream

- You need the data more than once (several reports over the same records): a generator
  is consumed by the first pass. Keep a list, or re-read the file.
- You need random access, `len()` or sorting of everything: those need it all in memory.
- The data is small: lists are simpler to debug (you can look at them).
- A generator that is returned but never consumed does no work at all: the workbench warns
  when profiled code returns one.
"""),
    code("folder.cleanup()"),
]


CACHING = [
    md("""
# 02 · Caching: stop recomputing the same pure work

Enriching request records: for each record, detect the browser, OS and device from its
user-agent string with regular expressions, turn its timestamp into an hour of the day,
and look up the tax rate of its country, which is derived from a configuration table on
every call. Real traffic repeats itself: a handful of user agents and a few hundred
distinct timestamps cover thousands of records, so most of this work is repeated.
"""),
    code("""
%load_ext workbench
import functools
import re
from datetime import datetime

from workbench.demo.data import enrichment_records

records = enrichment_records(20_000)
print(len(records), "records,", len({r["agent"] for r in records}), "distinct agents,",
      len({r["time"] for r in records}), "distinct timestamps")
"""),
    code('''
# Browser and OS rules, tried in order, as user-agent parsers do (real ones have hundreds).
RULES = [(name, name + r"[/ ](\\d+)") for name in (
    "Edg", "OPR", "Vivaldi", "Brave", "SamsungBrowser", "UCBrowser", "YaBrowser", "Silk",
    "Puffin", "QQBrowser", "Maxthon", "SeaMonkey", "PaleMoon", "Waterfox", "FxiOS", "CriOS",
    "EdgiOS", "Focus", "Klar", "DuckDuckGo", "Whale", "Falkon", "Midori", "Epiphany")]
RULES += [("Firefox", r"Firefox/(\\d+)"), ("Chrome", r"Chrome/(\\d+)"),
          ("Safari", r"Version/(\\d+).*Safari"), ("curl", r"curl/(\\d+)"),
          ("httpx", r"python-httpx/(\\d+)"), ("bot", r"[Bb]ot\\b")]
SYSTEMS = [(name, pattern) for name, pattern in (
    ("Windows Phone", r"Windows Phone"), ("Android", r"Android \\d+"), ("iOS", r"iPhone OS \\d+"),
    ("iPadOS", r"iPad; CPU OS"), ("ChromeOS", r"CrOS"), ("KaiOS", r"KAIOS"), ("Tizen", r"Tizen"),
    ("Windows", r"Windows NT \\d+"), ("macOS", r"Mac OS X \\d+"), ("FreeBSD", r"FreeBSD"),
    ("Linux", r"Linux"))]
DEVICES = [(name, pattern) for name, pattern in (
    ("bot", r"[Bb]ot|[Ss]pider|[Cc]rawler"), ("tablet", r"iPad|Tablet|SM-T\\d+|Kindle"),
    ("phone", r"iPhone|Pixel \\d+|SM-[GAN]\\d+|Mobile|Windows Phone"), ("tv", r"SmartTV|Tizen|Web0S"),
    ("console", r"PlayStation|Xbox|Nintendo"), ("cli", r"curl|[Ww]get|httpx|requests"),
    ("desktop", r"Windows NT|Macintosh|X11"))]
CONFIG = {"vat": {"PT": 23, "NO": 25, "EC": 15, "VN": 10, "GH": 15, "AU": 10, "PE": 18, "LV": 21}}


def parse_agent(agent):
    browser = next((name for name, pattern in RULES if re.search(pattern, agent)), "other")
    system = next((name for name, pattern in SYSTEMS if re.search(pattern, agent)), "other")
    device = next((name for name, pattern in DEVICES if re.search(pattern, agent)), "other")
    return browser, system, device


def hour_of(stamp):
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z").hour


def tax_rate(country):
    table = {code: rate / 100 for code, rate in CONFIG["vat"].items()}   # rebuilt every call
    return table[country]


def enrich(records):
    out = []
    for r in records:
        browser, system, device = parse_agent(r["agent"])
        out.append({"id": r["id"], "browser": browser, "system": system, "device": device,
                    "hour": hour_of(r["time"]), "tax": round(float(r["amount"]) * tax_rate(r["country"]), 2)})
    return out
'''),
    md("""
## 1. The function lens shows the repetition

The call counts give it away: `parse_agent`, `hour_of` and `tax_rate` run once per record,
although their inputs take only a few hundred distinct values.
"""),
    code("%architect_profile -l off -t 8 -o slow_report enriched = enrich(records)"),
    code("""
calls = slow_report.functions_in_user_code().set_index("function")["ncalls"]
assert calls["parse_agent"] == calls["hour_of"] == calls["tax_rate"] == len(records)
calls[["parse_agent", "hour_of", "tax_rate"]]
"""),
    md("""
The report's **hints** say the same from the measurements: `parse_agent`'s sampled calls
keep repeating the same few arguments (a cache would hit almost every call), and its
source calls nothing impure.
"""),
    code("""
hints = slow_report.hints
assert ("cache", "parse_agent") in set(zip(hints["kind"], hints["function"])), hints
hints[(hints["kind"] == "cache") & (hints["function"] == "parse_agent")][["kind", "where"]]
"""),
    md("""
## 2. The refactor: cache pure functions, hoist what never changes

`functools.lru_cache` remembers the results of a pure function by its arguments (strings
are hashable). The tax table depends only on the configuration: build it once, outside
the loop (hoisting). A class with a derived value computed once per instance would use
`functools.cached_property` in the same spirit.
"""),
    code("""
@functools.lru_cache(maxsize=1024)
def parse_agent_cached(agent):
    return parse_agent(agent)


@functools.lru_cache(maxsize=4096)
def hour_of_cached(stamp):
    return hour_of(stamp)


def enrich_cached(records):
    rates = {code: rate / 100 for code, rate in CONFIG["vat"].items()}   # hoisted
    out = []
    for r in records:
        browser, system, device = parse_agent_cached(r["agent"])
        out.append({"id": r["id"], "browser": browser, "system": system, "device": device,
                    "hour": hour_of_cached(r["time"]), "tax": round(float(r["amount"]) * rates[r["country"]], 2)})
    return out


def enrich_cold(records):
    \"\"\"The cached version starting from empty caches, as on a fresh process.\"\"\"
    parse_agent_cached.cache_clear()
    hour_of_cached.cache_clear()
    return enrich_cached(records)
"""),
    md("""
## 3. The proof: same records, many times faster, and why

Three versions, ranked against the first: the cached one as it runs in a long-lived
process (caches warm from earlier calls), and the same starting from empty caches every
call, to show that the gain does not depend on the warm-up.
"""),
    code("%architect_compare -o ranking -n 3 enrich enrich_cached enrich_cold -a records"),
    code("""
warm, cold = ranking.comparisons["enrich_cached"], ranking.comparisons["enrich_cold"]
assert warm.equal is True and cold.equal is True
print(f"warm caches: {warm.speedup:.0f}x faster; cold caches: {cold.speedup:.0f}x faster")
diff = cold.diff.set_index("function")
assert diff.loc["parse_agent", "calls_before"] == len(records)
assert diff.loc["parse_agent", "calls_after"] == 8          # once per distinct agent
assert diff.loc["tax_rate", "calls_after"] == 0               # hoisted out of the loop
diff.loc[["parse_agent", "hour_of", "tax_rate"], ["calls_before", "calls_after"]]
"""),
    md("""
## The pitfalls

- **Only hashable arguments.** `lru_cache` keys on the arguments: a list or a dict raises
  `TypeError`. Pass a tuple, or cache on a hashable key derived from the argument.
- **Unbounded caches grow with the input.** `maxsize=None` never forgets: a cache keyed
  on every distinct timestamp of a year of logs is a memory leak. Bound it and watch
  `cache_info()`: many misses and a full cache mean the cache costs more than it saves.
- **Shared mutable results.** Every caller gets the same cached object: mutate it and
  every later caller sees the change. Return tuples or frozen data.
- **Impure functions.** Caching a function that reads a clock, a file or a global
  configuration freezes the first answer.
"""),
    code("""
try:
    parse_agent_cached(["not", "hashable"])
except TypeError as error:
    print("TypeError:", error)

info = parse_agent_cached.cache_info()
print(info)
assert info.currsize == 8 and info.maxsize == 1024
"""),
]


ASYNC = [
    md("""
# 03 · Async I/O: stop waiting for one response at a time

Fetching a few hundred JSON records from an HTTP API. The API here is real HTTP, served
by a small local server that this notebook starts on 127.0.0.1 (a free port) and stops at
the end: every answer takes 40 ms, and every tenth request is refused with
*503 Service Unavailable*, so clients must retry.

The first version uses `httpx.Client` and asks for one record after another.
"""),
    code("""
%load_ext workbench
import asyncio
import threading
import time

import httpx

from workbench.demo.api import DemoAPI, record

threads_before = set(threading.enumerate())
api = DemoAPI(latency=0.04, fail_every=10).start()
IDS = list(range(200))


def requests_served():
    return httpx.get(f"{api.url}/stats").json()
"""),
    code("""
def get_with_retry(client, i, attempts=5):
    for attempt in range(attempts):
        response = client.get(f"/records/{i}")
        if response.status_code != 503:
            response.raise_for_status()
            return response.json()
        time.sleep(0.01 * 2**attempt)              # exponential backoff
    raise RuntimeError(f"record {i}: still 503 after {attempts} attempts")


def fetch_sequential(ids):
    with httpx.Client(base_url=api.url) as client:
        return [get_with_retry(client, i) for i in ids]
"""),
    md("""
## 1. Where does the time go?

Profiling a sample of 50 records is enough to see it: the wall time is many times the
CPU time. The process is not computing, it is waiting for the server, one request at a
time. The report's hints say so too, and name `fetch_sequential` as the loop to change.
"""),
    code("%architect_profile -l off -t 6 -o seq_report sample = fetch_sequential(IDS[:50])"),
    code("""
s = seq_report.summary
assert sample == [record(i) for i in IDS[:50]]
print(f"CPU is {s.cpu_seconds / s.wall_seconds:.0%} of the wall time")
hints = seq_report.hints
assert ("concurrency", "fetch_sequential") in set(zip(hints["kind"], hints["function"]))
"""),
    md("""
## 2. `async` alone does not help

Swapping in `httpx.AsyncClient` but still awaiting one response before asking for the
next changes nothing: the magic runs this `await` code on the kernel's own event loop,
and the async lens shows the loop sitting idle, *waiting*, for most of the wall time.
"""),
    code("""
async def fetch_awaiting_each(ids):
    async with httpx.AsyncClient(base_url=api.url) as client:
        out = []
        for i in ids:
            response = await client.get(f"/records/{i}")
            while response.status_code == 503:
                response = await client.get(f"/records/{i}")
            out.append(response.json())
        return out
"""),
    code("%architect_profile -l off -t 5 -o one_by_one sample = await fetch_awaiting_each(IDS[:50])"),
    code("""
s = one_by_one.summary
assert sample == [record(i) for i in IDS[:50]]
print(f"waiting: {s.waiting_seconds / s.wall_seconds:.0%} of the wall time")
hints = one_by_one.hints
assert ("concurrency", "fetch_awaiting_each") in set(zip(hints["kind"], hints["function"]))
"""),
    md("""
## 3. The refactor: many requests in flight, politely

`httpx.AsyncClient` and `asyncio.gather` send the requests concurrently; an
`asyncio.Semaphore` keeps at most 25 in flight (rate limiting, so the API is not
flooded); a 503 is retried after an exponentially growing pause (`asyncio.sleep`, which
lets the other requests go on).
"""),
    code("""
async def get_with_retry_async(client, gate, i, attempts=5):
    for attempt in range(attempts):
        async with gate:
            response = await client.get(f"/records/{i}")
        if response.status_code != 503:
            response.raise_for_status()
            return response.json()
        await asyncio.sleep(0.01 * 2**attempt)     # exponential backoff, without blocking
    raise RuntimeError(f"record {i}: still 503 after {attempts} attempts")


async def fetch_concurrent(ids, limit=25):
    gate = asyncio.Semaphore(limit)
    async with httpx.AsyncClient(base_url=api.url) as client:
        return await asyncio.gather(*(get_with_retry_async(client, gate, i) for i in ids))
"""),
    md("""
Now 25 requests are in flight at a time. The tasks table lists every request's task with
its resumptions and its waiting time; the loop now spends most of its time running
httpx's code, not idling.
"""),
    code("""
%%architect_profile -l off -t 5 -o async_report
before = requests_served()
records_async = await fetch_concurrent(IDS)
after = requests_served()
"""),
    code("""
assert records_async == [record(i) for i in IDS]
# every 10th request is refused, so 200 records take exactly 222 requests, 22 of them 503s
assert after["requests"] - before["requests"] == 222
assert after["failures"] - before["failures"] == 22
tasks = async_report.tasks
assert (tasks["coroutine"] == "get_with_retry_async").sum() == len(IDS)
"""),
    md("""
## 4. The proof: the same records, many times sooner
"""),
    code("%architect_compare -o cmp -n 2 fetch_sequential fetch_concurrent -a IDS"),
    code("""
assert cmp.equal is True
print(f"{cmp.speedup:.0f}x faster (95% CI {cmp.speedup_ci[0]:.1f}-{cmp.speedup_ci[1]:.1f}x)")
"""),
    md("""
## When not to go async

- CPU-bound work gains nothing: one event loop runs one coroutine at a time.
- A blocking call inside a coroutine (`requests`, `time.sleep`, a slow parser) stalls
  every task: the tasks table shows it as *running* time far above its CPU time.
- Unbounded concurrency overloads the server (and gets you 503s or bans): keep the
  semaphore.

Stop the server; nothing this notebook started is left running.
"""),
    code("""
api.stop()
assert not api.running
# Threads started since the first cell, except the kernel's own messaging (pyzmq starts
# a garbage-collector thread with the first large output): none may be left.
kernel_threads = ("zmq.", "ipykernel.", "IPython.", "jupyter_client.")
left = [t for t in threading.enumerate()
        if t not in threads_before and not type(t).__module__.startswith(kernel_threads)]
assert left == [], left
print("server stopped; no thread left behind")
"""),
]


PIPELINE = [
    md("""
# 04 · The whole pipeline: fetch -> process -> report

The three refactors together: records fetched concurrently (03), enriched with cached
parsing (02) and aggregated as they stream (01). The slow version does everything the
straightforward way. `%architect_compare` proves both produce the same report and shows
where the time went; the comparison, both reports and their `.prof` files are saved.
"""),
    code("""
%load_ext workbench
import asyncio
import functools
import pathlib
import tempfile
import threading
from collections import Counter, defaultdict

import httpx

import workbench
from workbench.demo.api import DemoAPI

threads_before = set(threading.enumerate())
api = DemoAPI(latency=0.04, fail_every=10).start()
folder = tempfile.TemporaryDirectory(prefix="awb-pipeline-")
IDS = list(range(150))
"""),
    code('''
def band(score):
    """Expensive pure work on each record (a stand-in for parsing, lookups...)."""
    return sum((score * k) % 7 for k in range(2000)) % 5


def fetch(ids):
    records = []
    with httpx.Client(base_url=api.url) as client:
        for i in ids:
            response = client.get(f"/records/{i}")
            while response.status_code == 503:
                response = client.get(f"/records/{i}")
            records.append(response.json())
    return records


def slow_pipeline(ids):
    records = fetch(ids)                                          # one at a time
    enriched = [dict(r, band=band(r["score"])) for r in records]  # recomputed per record
    by_band = {}
    for r in enriched:
        by_band.setdefault(r["band"], []).append(r["score"])
    return sorted((b, len(s), sum(s)) for b, s in by_band.items())


async def fetch_async(ids, limit=25):
    gate = asyncio.Semaphore(limit)

    async def one(client, i):
        while True:
            async with gate:
                response = await client.get(f"/records/{i}")
            if response.status_code != 503:
                return response.json()
            await asyncio.sleep(0.01)

    async with httpx.AsyncClient(base_url=api.url) as client:
        return await asyncio.gather(*(one(client, i) for i in ids))


band_cached = functools.lru_cache(maxsize=256)(band)


async def fast_pipeline(ids):
    records = await fetch_async(ids)                              # concurrently
    counts, totals = Counter(), defaultdict(int)
    for r in records:                                             # streamed, aggregated
        b = band_cached(r["score"])                               # cached: 101 scores
        counts[b] += 1
        totals[b] += r["score"]
    return sorted((b, counts[b], totals[b]) for b in counts)
'''),
    code("%architect_compare -o cmp -n 2 slow_pipeline fast_pipeline -a IDS"),
    code("""
assert cmp.equal is True
diff = cmp.diff.set_index("function")
assert diff.loc["band", "calls_before"] == len(IDS)
assert diff.loc["band", "calls_after"] == 0        # every score already cached
print(f"{cmp.speedup:.0f}x faster, same report")
"""),
    md("""
The slow version's own profile already named the first fix: its hints point at `fetch`,
which waited on one request at a time.
"""),
    code("""
hints = cmp.baseline.report.hints
assert ("concurrency", "fetch") in set(zip(hints["kind"], hints["function"])), hints
hints[hints["kind"] == "concurrency"][["kind", "where"]]
"""),
    md("""
## Save the evidence

`save` writes the comparison (JSON, HTML, the diff as CSV) and both reports, each with a
`profile.prof` that `pstats` and `snakeviz` open. Nothing is ever overwritten unless
asked.
"""),
    code("""
import pstats

paths = cmp.save(folder.name)
assert pstats.Stats(str(paths["candidate_prof"])).total_calls > 0
assert workbench.Report.load(paths["baseline_json"]) == cmp.baseline.report
sorted(p.relative_to(folder.name).as_posix() for p in paths.values())
"""),
    code("""
api.stop()
folder.cleanup()
assert not api.running
kernel_threads = ("zmq.", "ipykernel.", "IPython.", "jupyter_client.")  # see 03_async
left = [t for t in threading.enumerate()
        if t not in threads_before and not type(t).__module__.startswith(kernel_threads)]
assert left == [], left
"""),
]


def write(name: str, cells: list[nbformat.NotebookNode]) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = cells
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.write(notebook, HERE / name)


def main() -> None:
    books = {
        "01_generators.ipynb": GENERATORS,
        "02_caching.ipynb": CACHING,
        "03_async.ipynb": ASYNC,
        "04_pipeline_end_to_end.ipynb": PIPELINE,
    }
    for name in sys.argv[1:] or books:
        write(name, books[name])


if __name__ == "__main__":
    main()
