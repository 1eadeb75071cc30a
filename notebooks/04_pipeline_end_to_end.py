# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · The whole pipeline: fetch -> process -> report
#
# The three refactors together: records fetched concurrently (03), enriched with cached
# parsing (02) and aggregated as they stream (01). The slow version does everything the
# straightforward way. `%architect_compare` proves both produce the same report and shows
# where the time went; the comparison, both reports and their `.prof` files are saved.

# %%
# %load_ext workbench
import asyncio
import functools
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


# %%
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


# %% [markdown]
# A compare runs each version at least 8 times, and the slow one waits 40 ms per request:
# a sample of 50 ids keeps the proof to seconds.

# %%
SAMPLE = IDS[:50]

# %%
# %architect_compare -o cmp --no-progress slow_pipeline fast_pipeline -a SAMPLE

# %%
assert cmp.equal is True
diff = cmp.diff.set_index("function")
assert diff.loc["band", "calls_before"] == len(SAMPLE)
assert diff.loc["band", "calls_after"] == 0        # every score already cached
print(f"{cmp.speedup:.0f}x faster, same report")

# %% [markdown]
# The slow version's own profile already named the first fix: its hints point at `fetch`,
# which waited on one request at a time.

# %%
hints = cmp.baseline.report.hints
assert ("concurrency", "fetch") in set(zip(hints["kind"], hints["function"], strict=True)), hints
hints[hints["kind"] == "concurrency"][["kind", "where"]]

# %% [markdown]
# ## Save the evidence
#
# `save` writes the comparison (JSON, HTML, the diff as CSV) and both reports, each with a
# `profile.prof` that `pstats` and `snakeviz` open. Nothing is ever overwritten unless
# asked.

# %%
import pstats

paths = cmp.save(folder.name)
assert pstats.Stats(str(paths["candidate_prof"])).total_calls > 0
assert workbench.Report.load(paths["baseline_json"]) == cmp.baseline.report
sorted(p.relative_to(folder.name).as_posix() for p in paths.values())

# %%
api.stop()
folder.cleanup()
assert not api.running
kernel_threads = ("zmq.", "ipykernel.", "IPython.", "jupyter_client.")  # see 03_async
left = [t for t in threading.enumerate()
        if t not in threads_before and not type(t).__module__.startswith(kernel_threads)]
assert left == [], left
