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
# # Quickstart: where does the time go, where does the memory go?
#
# A small, slow pipeline (**parse → enrich → summarize**) defined right here in the notebook,
# profiled three ways:
#
# 1. `%architect_profile` on one call: functions, the hottest lines (found automatically), the RSS timeline;
# 2. `%%architect_profile` on a whole cell with exact line times for a named function and the exact
#    `tracemalloc` heap peak;
# 3. memory per line of a function defined in a cell (what `%mprun` refuses to do);
#
# then the plain Python API, whose tables are pandas DataFrames, and a saved report that `pstats` and
# snakeviz read. Every report is shown with `display()` (never the pager), so it is saved in the
# notebook and checked by `nbval`.

# %%
# %load_ext workbench
import workbench

# %% [markdown]
# The pipeline. `tax_rate` recomputes the same rate for every record of a city: a hotspot by construction.

# %%
import random

CITIES = ["Lisbon", "Oslo", "Quito", "Hanoi", "Accra", "Perth", "Lima", "Riga"]


def make_lines(n, seed=7):
    """CSV lines `id,city,qty,price`, the same every time."""
    rng = random.Random(seed)
    return [f"{i},{rng.choice(CITIES)},{rng.randint(1, 500)},{rng.random():.4f}" for i in range(n)]


def parse(lines):
    """Stage 1: text -> records."""
    records = []
    for line in lines:
        ident, city, qty, price = line.split(",")
        records.append({"id": int(ident), "city": city, "qty": int(qty), "price": float(price)})
    return records


def tax_rate(city):
    """A slow 'lookup': recomputes the same rate for every record of a city."""
    code = sum(map(ord, city))
    h = 0
    for i in range(100):
        h = (h * 31 + i + code) % 1_000_003
    return (h % 17) / 100


def enrich(records):
    """Stage 2: add the total with tax."""
    return [r | {"total": r["qty"] * r["price"] * (1 + tax_rate(r["city"]))} for r in records]


def summarize(records):
    """Stage 3: total per city."""
    totals = {}
    for r in records:
        totals[r["city"]] = totals.get(r["city"], 0.0) + r["total"]
    return {city: round(total, 2) for city, total in sorted(totals.items())}


def run_pipeline(lines):
    return summarize(enrich(parse(lines)))


lines = make_lines(20_000)
len(lines)

# %% [markdown]
# ## 1. One call, every lens
#
# `-t 5` keeps the shown tables short; `-o first` keeps the `Report` for later cells. Line detail is
# `auto`: a CPU-time sampler finds the hottest functions of this very run and lists their lines.

# %%
# %architect_profile -t 5 -o first run_pipeline(lines)

# %%
# Deterministic facts, checked on every run of this notebook
hot = first.functions_in_user_code().iloc[0]
assert hot["function"] == "tax_rate", hot
assert hot["ncalls"] == len(lines)
assert first.lines.iloc[0]["function"] == "tax_rate"
assert first.lines.iloc[0]["source"].strip() == "h = (h * 31 + i + code) % 1_000_003"
assert first.summary.complete and first.summary.memory_source == "rss"
assert first.result == run_pipeline(lines)

# %% [markdown]
# ## 2. A whole cell, exact line times, the exact heap peak
#
# `-l tax_rate` traces every line of `tax_rate` with line_profiler (exact hits); `-m tracemalloc`
# reports the exact peak of the Python heap and the lines holding it. Variables assigned in the cell stay
# in the notebook, and the last expression is shown as usual.

# %%
# %%architect_profile -l tax_rate -m tracemalloc -t 5 -o exact
records = parse(lines)
enriched = enrich(records)
totals = summarize(enriched)
len(enriched)

# %%
tax = exact.lines[exact.lines["function"] == "tax_rate"].set_index("lineno")
hot_line = tax.index[0]  # lines are ranked by time within each function
assert tax.loc[hot_line, "source"].strip() == "h = (h * 31 + i + code) % 1_000_003"
assert tax.loc[hot_line, "hits"] == len(lines) * 100
assert totals == run_pipeline(lines)
assert exact.summary.memory_source == "tracemalloc"
assert exact.summary.peak_memory > 10 * 2**20  # 20,000 record dicts live at once
top_alloc = exact.memory.iloc[0]
assert top_alloc["user_code"] and top_alloc["file"].startswith("In[")

# %% [markdown]
# ## 3. Memory per line of a function defined in a cell
#
# `-m lines -l parse` runs memory_profiler's line mode on `parse`, with its source taken from the
# notebook (IPython's `linecache`), so no file is needed. Line *times* are not measured in this mode:
# memory tracing would distort them.

# %%
# %architect_profile -m lines -l parse -o per_line records = parse(lines)

# %%
by_line = per_line.memory.set_index("lineno")
append_line = by_line.index[by_line["source"].str.contains("records.append")][0]
assert by_line.loc[append_line, "count"] == len(lines)  # runs of that line, exactly
assert len(records) == len(lines)

# %% [markdown]
# ## 4. The plain API and its DataFrames
#
# `workbench.profile(fn, *args)` runs the call once and returns the same `Report`. Its tables are
# DataFrames: filter, sort and keep them like any other.

# %%
report = workbench.profile(run_pipeline, lines)
calls = report.functions_in_user_code()[["function", "file", "ncalls"]]
calls.sort_values("function").reset_index(drop=True)

# %%
assert report.result == first.result
assert calls.set_index("function").loc["tax_rate", "ncalls"] == len(lines)
assert list(report.lines.columns) == ["function", "file", "lineno", "hits", "samples", "time",
                                      "share", "source", "method", "where"]

# %% [markdown]
# cProfile's hook costs time on every call, so code of many small calls looks slower than it
# is. The times in `report.functions` are corrected for that cost, calibrated on this machine
# just before and after the run (the summary's *profiler cost* line says by how much); what
# cProfile measured stays in `raw_tottime` and `raw_cumtime`, and in the saved `profile.prof`.

# %%
report.summary.correction

# %%
assert (report.functions["tottime"] <= report.functions["raw_tottime"]).all()
assert (report.functions["cumtime"] >= report.functions["tottime"]).all()
assert "profiler cost" in report.to_text()

# %% [markdown]
# ## 5. Save: `.prof` for pstats and snakeviz, `.json` that loads back, `.html`
#
# Files are written atomically and never replace existing ones unless `overwrite=True`. Open the
# profile with `snakeviz <folder>/profile.prof`.

# %%
import pstats
import tempfile

folder = tempfile.TemporaryDirectory(prefix="quickstart-")   # removed by the last cell
paths = report.save(folder.name)
assert pstats.Stats(str(paths["prof"])).total_calls == report.summary.total_calls
assert workbench.Report.load(paths["json"]) == report
sorted(path.name for path in paths.values())

# %% [markdown]
# ## 6. snakeviz, inside the notebook
#
# `report.snakeviz()` serves the profile with snakeviz from this kernel, on 127.0.0.1 only
# (a free port, a secret token in the URL, nothing but the workbench's own profiles), and
# embeds its page: sunburst or icicle, zoom, the sortable stats table. The server stops with
# `workbench.stop_servers()` or when the kernel shuts down; a reopened notebook shows an
# empty frame until you run the cell again. The magic's `--snakeviz` option does the same.
# The browser must run on the kernel's machine; on a remote kernel use the saved
# `profile.prof` with `snakeviz` locally.

# %%
view = report.snakeviz(height=600)
view

# %%
assert view.error is None, view.error
assert view.url.startswith("http://127.0.0.1:")

# %%
folder.cleanup()
