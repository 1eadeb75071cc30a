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
# # 02 · Caching: stop recomputing the same pure work
#
# Enriching request records: for each record, detect the browser, OS and device from its
# user-agent string with regular expressions, turn its timestamp into an hour of the day,
# and look up the tax rate of its country, which is derived from a configuration table on
# every call. Real traffic repeats itself: a handful of user agents and a few hundred
# distinct timestamps cover thousands of records, so most of this work is repeated.

# %%
# %load_ext workbench
import functools
import re
from datetime import datetime

from workbench.demo.data import enrichment_records

records = enrichment_records(20_000)
print(len(records), "records,", len({r["agent"] for r in records}), "distinct agents,",
      len({r["time"] for r in records}), "distinct timestamps")

# %%
# Browser and OS rules, tried in order, as user-agent parsers do (real ones have hundreds).
RULES = [(name, name + r"[/ ](\d+)") for name in (
    "Edg", "OPR", "Vivaldi", "Brave", "SamsungBrowser", "UCBrowser", "YaBrowser", "Silk",
    "Puffin", "QQBrowser", "Maxthon", "SeaMonkey", "PaleMoon", "Waterfox", "FxiOS", "CriOS",
    "EdgiOS", "Focus", "Klar", "DuckDuckGo", "Whale", "Falkon", "Midori", "Epiphany")]
RULES += [("Firefox", r"Firefox/(\d+)"), ("Chrome", r"Chrome/(\d+)"),
          ("Safari", r"Version/(\d+).*Safari"), ("curl", r"curl/(\d+)"),
          ("httpx", r"python-httpx/(\d+)"), ("bot", r"[Bb]ot\b")]
SYSTEMS = [(name, pattern) for name, pattern in (
    ("Windows Phone", r"Windows Phone"), ("Android", r"Android \d+"), ("iOS", r"iPhone OS \d+"),
    ("iPadOS", r"iPad; CPU OS"), ("ChromeOS", r"CrOS"), ("KaiOS", r"KAIOS"), ("Tizen", r"Tizen"),
    ("Windows", r"Windows NT \d+"), ("macOS", r"Mac OS X \d+"), ("FreeBSD", r"FreeBSD"),
    ("Linux", r"Linux"))]
DEVICES = [(name, pattern) for name, pattern in (
    ("bot", r"[Bb]ot|[Ss]pider|[Cc]rawler"), ("tablet", r"iPad|Tablet|SM-T\d+|Kindle"),
    ("phone", r"iPhone|Pixel \d+|SM-[GAN]\d+|Mobile|Windows Phone"), ("tv", r"SmartTV|Tizen|Web0S"),
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


# %% [markdown]
# ## 1. The function lens shows the repetition
#
# The call counts give it away: `parse_agent`, `hour_of` and `tax_rate` run once per record,
# although their inputs take only a few hundred distinct values.

# %%
# %architect_profile -l off -t 8 -o slow_report enriched = enrich(records)

# %%
calls = slow_report.functions_in_user_code().set_index("function")["ncalls"]
assert calls["parse_agent"] == calls["hour_of"] == calls["tax_rate"] == len(records)
calls[["parse_agent", "hour_of", "tax_rate"]]

# %% [markdown]
# The report's **hints** say the same from the measurements: `parse_agent`'s sampled calls
# keep repeating the same few arguments (a cache would hit almost every call), and its
# source calls nothing impure.

# %%
hints = slow_report.hints
assert ("cache", "parse_agent") in set(zip(hints["kind"], hints["function"], strict=True)), hints
hints[(hints["kind"] == "cache") & (hints["function"] == "parse_agent")][["kind", "where"]]


# %% [markdown]
# ## 2. The refactor: cache pure functions, hoist what never changes
#
# `functools.lru_cache` remembers the results of a pure function by its arguments (strings
# are hashable). The tax table depends only on the configuration: build it once, outside
# the loop (hoisting). A class with a derived value computed once per instance would use
# `functools.cached_property` in the same spirit.

# %%
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
    """The cached version starting from empty caches, as on a fresh process."""
    parse_agent_cached.cache_clear()
    hour_of_cached.cache_clear()
    return enrich_cached(records)


# %% [markdown]
# ## 3. The proof: same records, many times faster, and why
#
# Three versions, ranked against the first: the cached one as it runs in a long-lived
# process (caches warm from earlier calls), and the same starting from empty caches every
# call, to show that the gain does not depend on the warm-up.

# %%
# %architect_compare -o ranking --no-progress enrich enrich_cached enrich_cold -a records

# %%
warm, cold = ranking.comparisons["enrich_cached"], ranking.comparisons["enrich_cold"]
assert warm.equal is True and cold.equal is True
print(f"warm caches: {warm.speedup:.0f}x faster; cold caches: {cold.speedup:.0f}x faster")
diff = cold.diff.set_index("function")
assert diff.loc["parse_agent", "calls_before"] == len(records)
assert diff.loc["parse_agent", "calls_after"] == 8          # once per distinct agent
assert diff.loc["tax_rate", "calls_after"] == 0               # hoisted out of the loop
diff.loc[["parse_agent", "hour_of", "tax_rate"], ["calls_before", "calls_after"]]

# %% [markdown]
# ## The pitfalls
#
# - **Only hashable arguments.** `lru_cache` keys on the arguments: a list or a dict raises
#   `TypeError`. Pass a tuple, or cache on a hashable key derived from the argument.
# - **Unbounded caches grow with the input.** `maxsize=None` never forgets: a cache keyed
#   on every distinct timestamp of a year of logs is a memory leak. Bound it and watch
#   `cache_info()`: many misses and a full cache mean the cache costs more than it saves.
# - **Shared mutable results.** Every caller gets the same cached object: mutate it and
#   every later caller sees the change. Return tuples or frozen data.
# - **Impure functions.** Caching a function that reads a clock, a file or a global
#   configuration freezes the first answer.

# %%
try:
    parse_agent_cached(["not", "hashable"])
except TypeError as error:
    print("TypeError:", error)

info = parse_agent_cached.cache_info()
print(info)
assert info.currsize == 8 and info.maxsize == 1024
