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
# # 01 · Generators: stream a large log instead of holding it
#
# A daily ETL over a web server's access log: parse every request, keep the successful ones,
# and report the ten paths that served the most bytes. The first version is written the way
# a lot of pipeline code starts: `readlines()`, then a list per stage, then a sort. It is
# correct, and it holds the whole file, every parsed record and every filtered record in
# memory at once.
#
# The log is generated here, deterministically (the same bytes on every run), into a
# temporary folder that the last cell removes.

# %%
# %load_ext workbench
import heapq
import pathlib
import tempfile
from collections import Counter, defaultdict

from workbench.demo.data import write_access_log

folder = tempfile.TemporaryDirectory(prefix="awb-generators-")
LINES = 200_000
log = write_access_log(pathlib.Path(folder.name) / "access.log", LINES)
print(f"{log.stat().st_size / 1e6:.1f} MB, {LINES:,} requests")


# %%
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


# %% [markdown]
# ## 1. Where does the memory go?
#
# `-m tracemalloc` measures the exact peak of the Python heap and lists the lines that hold
# the most memory at that peak.

# %%
# %architect_profile -m tracemalloc -l off -t 6 -o lists_report top = top_paths_lists(log)

# %%
# Deterministic facts about this run (tracemalloc counts bytes exactly).
held = lists_report.memory
sources = " ".join(held["source"].head(6))
assert "readlines()" in sources and "parse(line) for line in lines" in sources, sources
assert lists_report.summary.peak_memory > 100 * 2**20   # over 100 MiB for a 33 MB log
print("the peak is held by the list of lines and the parsed records")

# %% [markdown]
# The report's **hints** point at the same place from the measurements alone: the line
# that builds `lines` holds a large share of the peak, and the source reads that list only
# once, so a generator would hold one line at a time.

# %%
hints = lists_report.hints
stream = hints[(hints["kind"] == "stream") & (hints["function"] == "top_paths_lists")]
assert list(stream["line"]) == [top_paths_lists.__code__.co_firstlineno + 2], stream  # readlines()
stream[["kind", "where", "unit"]]


# %% [markdown]
# The peak is the sum of the stages: the list of lines, the list of parsed dicts, the list
# of the successful ones. None of them is needed as a whole: every stage looks at one line
# or one record at a time, and the report needs only a running count and sum per path.
#
# ## 2. The refactor: a generator pipeline with incremental aggregation
#
# The file object already yields lines one by one; generator expressions keep every stage
# lazy; a `Counter` and a `defaultdict` aggregate as records flow past; `heapq.nlargest`
# picks the top rows without sorting everything.

# %%
def top_paths_streaming(log_path, n=10):
    counts, totals = Counter(), defaultdict(int)
    with open(log_path) as handle:
        records = (parse(line) for line in handle)
        ok = (r for r in records if r["status"] < 400)
        for record in ok:
            counts[record["path"]] += 1
            totals[record["path"]] += record["bytes"]
    return heapq.nlargest(n, ((p, counts[p], totals[p]) for p in counts), key=lambda row: row[2])


# %% [markdown]
# ## 3. The proof: same result, far less memory
#
# `%architect_compare` checks that both return the same rows, times them in alternating
# rounds, measures each peak with tracemalloc and diffs their profiles. Whether the time
# changes is reported as measured: here the work per line is the same, so expect little.
# A compare that takes more than a few seconds shows a progress bar while it runs;
# `--no-progress` keeps it out of this page's saved output.

# %%
# %architect_compare -o cmp --no-progress top_paths_lists top_paths_streaming -a log

# %%
assert cmp.equal is True
assert cmp.memory_ratio >= 10, cmp.memory_ratio
assert cmp.candidate.peak_memory < 2**20          # under 1 MiB, whatever the log's size
print(f"peak memory: {cmp.baseline.peak_memory / 2**20:,.0f} MiB -> "
      f"{cmp.candidate.peak_memory / 2**10:,.0f} KiB ({cmp.memory_ratio:,.0f}x lower)")
print(f"time: speedup {cmp.speedup:.2f}x, 95% CI {cmp.speedup_ci[0]:.2f}-{cmp.speedup_ci[1]:.2f}x")

# %% [markdown]
# ## When not to stream
#
# - You need the data more than once (several reports over the same records): a generator
#   is consumed by the first pass. Keep a list, or re-read the file.
# - You need random access, `len()` or sorting of everything: those need it all in memory.
# - The data is small: lists are simpler to debug (you can look at them).
# - A generator that is returned but never consumed does no work at all: the workbench warns
#   when profiled code returns one.

# %%
folder.cleanup()
