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
# # 03 · Async I/O: stop waiting for one response at a time
#
# Fetching a few hundred JSON records from an HTTP API. The API here is real HTTP, served
# by a small local server that this notebook starts on 127.0.0.1 (a free port) and stops at
# the end: every answer takes 40 ms, and every tenth request is refused with
# *503 Service Unavailable*, so clients must retry.
#
# The first version uses `httpx.Client` and asks for one record after another.

# %%
# %load_ext workbench
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


# %%
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


# %% [markdown]
# ## 1. Where does the time go?
#
# Profiling a sample of 50 records is enough to see it: the wall time is many times the
# CPU time. The process is not computing, it is waiting for the server, one request at a
# time. The report's hints say so too, and name `fetch_sequential` as the loop to change.

# %%
# %architect_profile -l off -t 6 -o seq_report sample = fetch_sequential(IDS[:50])

# %%
s = seq_report.summary
assert sample == [record(i) for i in IDS[:50]]
print(f"CPU is {s.cpu_seconds / s.wall_seconds:.0%} of the wall time")
hints = seq_report.hints
assert ("concurrency", "fetch_sequential") in set(zip(hints["kind"], hints["function"], strict=True))


# %% [markdown]
# ## 2. `async` alone does not help
#
# Swapping in `httpx.AsyncClient` but still awaiting one response before asking for the
# next changes nothing: the magic runs this `await` code on the kernel's own event loop,
# and the async lens shows the loop sitting idle, *waiting*, for most of the wall time.

# %%
async def fetch_awaiting_each(ids):
    async with httpx.AsyncClient(base_url=api.url) as client:
        out = []
        for i in ids:
            response = await client.get(f"/records/{i}")
            while response.status_code == 503:
                response = await client.get(f"/records/{i}")
            out.append(response.json())
        return out


# %%
# %architect_profile -l off -t 5 -o one_by_one sample = await fetch_awaiting_each(IDS[:50])

# %%
s = one_by_one.summary
assert sample == [record(i) for i in IDS[:50]]
print(f"waiting: {s.waiting_seconds / s.wall_seconds:.0%} of the wall time")
hints = one_by_one.hints
assert ("concurrency", "fetch_awaiting_each") in set(zip(hints["kind"], hints["function"], strict=True))


# %% [markdown]
# ## 3. The refactor: many requests in flight, politely
#
# `httpx.AsyncClient` and `asyncio.gather` send the requests concurrently; an
# `asyncio.Semaphore` keeps at most 25 in flight (rate limiting, so the API is not
# flooded); a 503 is retried after an exponentially growing pause (`asyncio.sleep`, which
# lets the other requests go on).

# %%
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


# %% [markdown]
# Now 25 requests are in flight at a time. The tasks table lists every request's task with
# its resumptions and its waiting time; the loop now spends most of its time running
# httpx's code, not idling.

# %%
# %%architect_profile -l off -t 5 -o async_report
before = requests_served()
records_async = await fetch_concurrent(IDS)
after = requests_served()

# %%
assert records_async == [record(i) for i in IDS]
# every 10th request is refused, so 200 records take exactly 222 requests, 22 of them 503s
assert after["requests"] - before["requests"] == 222
assert after["failures"] - before["failures"] == 22
tasks = async_report.tasks
assert (tasks["coroutine"] == "get_with_retry_async").sum() == len(IDS)

# %% [markdown]
# ## 4. The proof: the same records, many times sooner
#
# A compare runs each version at least 8 times, and the sequential one waits 40 ms per
# request: on a sample of 60 records the proof takes seconds, not minutes.

# %%
# %architect_compare -o cmp --no-progress fetch_sequential fetch_concurrent -a "IDS[:60]"

# %%
assert cmp.equal is True
print(f"{cmp.speedup:.0f}x faster (95% CI {cmp.speedup_ci[0]:.1f}-{cmp.speedup_ci[1]:.1f}x)")

# %% [markdown]
# ## When not to go async
#
# - CPU-bound work gains nothing: one event loop runs one coroutine at a time.
# - A blocking call inside a coroutine (`requests`, `time.sleep`, a slow parser) stalls
#   every task: the tasks table shows it as *running* time far above its CPU time.
# - Unbounded concurrency overloads the server (and gets you 503s or bans): keep the
#   semaphore.
#
# Stop the server; nothing this notebook started is left running.

# %%
api.stop()
assert not api.running
# Threads started since the first cell, except the kernel's own messaging (pyzmq starts
# a garbage-collector thread with the first large output): none may be left.
kernel_threads = ("zmq.", "ipykernel.", "IPython.", "jupyter_client.")
left = [t for t in threading.enumerate()
        if t not in threads_before and not type(t).__module__.startswith(kernel_threads)]
assert left == [], left
print("server stopped; no thread left behind")
