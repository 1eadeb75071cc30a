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
# # 05 · Scale out: the same pipeline on a Dask cluster
#
# Notebook 04's transform stage gave every record a `band`, computed by expensive pure
# Python. Here it runs on 24,000 orders split into pandas partitions, and the
# partitions go to a Dask cluster: two worker processes of one thread each (this machine
# has two cores). The pipeline per partition is *transform* (a band per order) then
# *summarize* (count and total per country and band); *combine* adds the summaries up.
#
# Nothing to set up for the profile: when a `distributed.Client` is the default client as
# the run starts, `%architect_profile` follows the run's tasks into the workers, profiles
# them there and merges everything into one report: each row of the function and line
# tables says `where` it ran (the client, or a worker's address) and `report.tasks` holds
# the cluster's task stream. The cluster is local, so the notebook runs anywhere; it is
# closed at the end.

# %%
# %load_ext workbench
import os
import threading

import dask
import numpy as np
import pandas as pd
import psutil
from distributed import Client, LocalCluster

from workbench.demo.data import enrichment_records

threads_before = set(threading.enumerate())
PARTS, ROWS = 8, 3_000
orders = pd.DataFrame(enrichment_records(PARTS * ROWS))
orders["cents"] = (orders["amount"].astype(float) * 100).round().astype("int64")
partitions = [orders.iloc[i * ROWS : (i + 1) * ROWS] for i in range(PARTS)]
print(f"{len(orders):,} orders in {len(partitions)} partitions")

# %% [markdown]
# Two workers, in processes of their own, listening on 127.0.0.1 only. The scheduler's
# HTTP server (with the dashboard, when bokeh is installed; it is not here) takes a free
# port, so a cluster started elsewhere on the default port 8787 does not matter.

# %%
cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                       host="127.0.0.1", dashboard_address="127.0.0.1:0")
client = Client(cluster)  # the default client from now on
WORKERS = set(client.scheduler_info()["workers"])
print(len(WORKERS), "workers")

# %%
STEPS = 600


def band(cents):
    """Expensive pure work on one order (a stand-in for a scoring model)."""
    total = 0
    for k in range(STEPS):
        total += (cents * k) % 7
    return total % 5


def transform(part):
    return part.assign(band=part["cents"].apply(band))            # one order at a time


def summarize(part):
    return part.groupby(["country", "band"])["cents"].agg(["count", "sum"])


def combine(summaries):
    return pd.concat(summaries).groupby(level=[0, 1]).sum()


def on_cluster(transform, parts):
    """The pipeline as Dask tasks: transform and summarize each partition, combine."""
    summaries = [dask.delayed(summarize)(dask.delayed(transform)(p)) for p in parts]
    return dask.delayed(combine)(summaries).compute()


def locally(transform, parts):
    """The same pipeline in this process, one partition after another."""
    return combine([summarize(transform(p)) for p in parts])


# %% [markdown]
# ## 1. Which stage, which function, in which worker?
#
# A whole cell profiled with no Dask option at all: `client` is the default client, so
# the tasks of this `.compute()` are profiled in the workers (cProfile: exact call
# counts; their stacks sampled for line detail) and the scheduler's task stream is kept.
# The summary's *Dask cluster* block splits the wall time into computing, moving data and
# no task running, and names the task group that computed longest.

# %%
# %%architect_profile -t 6 -o slow_report
totals = on_cluster(transform, partitions)

# %%
cluster_figures = slow_report.summary.cluster
assert cluster_figures.slowest_group == "transform", cluster_figures
assert cluster_figures.workers == tuple(sorted(WORKERS))
tasks = slow_report.tasks
assert len(tasks) == 2 * PARTS + 1 and set(tasks["worker"]) <= WORKERS
functions = slow_report.functions
in_workers = functions[(functions["where"] != "client") & (functions["function"] == "band")]
assert len(in_workers) >= 1 and set(in_workers["where"]) <= WORKERS
assert in_workers["ncalls"].sum() == len(orders)      # every order, summed over the workers
assert "band" not in set(functions.loc[functions["where"] == "client", "function"])
assert slow_report.summary.hottest_function.startswith("band ")
assert totals["count"].sum() == len(orders)
print(f"slowest task group: {cluster_figures.slowest_group}; "
      f"band called {in_workers['ncalls'].sum():,} times in the workers")
tasks.groupby("group").size()

# %% [markdown]
# ## 2. The hot line, in the workers
#
# `-l band` restricts the line detail to `band`: in the workers each stack sample goes to
# the line of `band` it was running (wall time, sampled in each worker's task thread).

# %%
# %architect_profile -l band -t 3 -o band_report totals = on_cluster(transform, partitions)

# %%
lines = band_report.lines
band_lines = lines[(lines["where"] != "client") & (lines["function"] == "band")]
assert set(band_lines["method"]) == {"sampled (wall)"}
for worker, rows in band_lines.groupby("where"):
    hottest = rows.sort_values("time", ascending=False).iloc[0]
    assert hottest["source"].strip() == "total += (cents * k) % 7", (worker, hottest)
print(band_lines.sort_values("time", ascending=False).iloc[0]["source"].strip())

# %% [markdown]
# ## 3. The refactor: the same arithmetic over a whole column
#
# `band` runs its loop once per order, in Python. The loop itself is fine; running it
# 24,000 times is not. Over a NumPy column, each of the 600 steps is one vectorized
# operation on all the orders of a partition at once, and the result is the same integers.

# %%
def band_column(cents):
    """`band` for a whole column (a NumPy array of cents) at once."""
    total = np.zeros(len(cents), dtype=np.int64)
    for k in range(STEPS):
        total += (cents * k) % 7
    return total % 5


def transform_vectorized(part):
    return part.assign(band=band_column(part["cents"].to_numpy()))


# %% [markdown]
# `%architect_compare` runs both on the cluster, checks that they return the same table,
# times them in alternating rounds and profiles one call of each (in the workers too).

# %%
# %architect_compare -o cmp --no-progress "on_cluster(transform, partitions)" "on_cluster(transform_vectorized, partitions)"

# %%
assert cmp.equal is True
before = cmp.baseline.report.functions
after = cmp.candidate.report.functions


def calls_in_workers(functions, name):
    return functions.loc[(functions["where"] != "client") & (functions["function"] == name),
                         "ncalls"].sum()


assert calls_in_workers(before, "band") == len(orders)
assert calls_in_workers(after, "band") == 0
assert calls_in_workers(after, "band_column") == PARTS      # once per partition
print(f"{cmp.speedup:.1f}x faster on the cluster, same table")

# %% [markdown]
# ## 4. Did the cluster help? The same pipeline in this process
#
# The vectorized pipeline on the same partitions, once with plain pandas in this process
# and once on the cluster. The cluster pays for every task it schedules and for every
# partition it pickles and sends to a worker; with 8 partitions of about 15 ms of work
# each (in one process), does the second core make up for that?

# %%
# %architect_compare -o where_cmp --no-progress "locally(transform_vectorized, partitions)" "on_cluster(transform_vectorized, partitions)"

# %%
assert where_cmp.equal is True
print(f"on the cluster: {where_cmp.verdict} ({where_cmp.speedup:.2f}x the local speed)")
on_it = where_cmp.candidate.report.summary
computing = on_it.cluster.compute_seconds / on_it.wall_seconds
print(f"tasks computing in its profiled call: {computing:.0%} of the wall time")

# %% [markdown]
# No: in the committed run plain pandas in one process was 2.4x faster than the cluster
# (speedup 0.42x, 95% CI 0.39-0.44x), and in the cluster version's profiled call a task
# was computing for 39% of the wall time. The rest is the cost of a cluster: the
# client pickling the partitions and waiting (`acquire`, the first row of the changes
# above), the scheduler, the messages. A cluster pays off when each task holds far more
# work than it costs to schedule it and to ship its data, or when the data does not fit
# in one machine. Profile first: here the big gain was the vectorized `band`, and it
# needed no cluster at all.
#
# ## Close the cluster
#
# Nothing is left running: the client, the workers and the scheduler stop.

# %%
worker_pids = client.run(os.getpid)  # address -> the pid of each worker's process
client.close()
cluster.close()
assert cluster.status.name == "closed"
assert not any(psutil.pid_exists(pid) for pid in worker_pids.values()), worker_pids
kernel_threads = ("zmq.", "ipykernel.", "IPython.", "jupyter_client.")  # see 03_async
left = [t for t in threading.enumerate()
        if t not in threads_before and not type(t).__module__.startswith(kernel_threads)]
# The scheduler ran in this process: its threads end as it closes. distributed keeps one
# thread pool of its own ("Dask-Offload") for the process's lifetime, idle now.
for thread in left:
    if not thread.name.startswith("Dask-Offload"):
        thread.join(timeout=10)
left = [t for t in left if t.is_alive() and not t.name.startswith("Dask-Offload")]
assert left == [], left
print(f"cluster closed: {len(worker_pids)} worker processes stopped")
