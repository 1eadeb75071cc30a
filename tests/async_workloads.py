"""Asyncio workloads whose suspensions are known, and an HTTP fetch pipeline."""

from __future__ import annotations

import asyncio

import httpx


async def ticker(n: int, delay: float = 0.002) -> int:
    """Suspends exactly `n` times (each sleep resumes the task once)."""
    for _ in range(n):
        await asyncio.sleep(delay)
    return n


async def tickers(counts: list[int]) -> list[int]:
    """One task per count; the task running `ticker(n)` resumes exactly n times."""
    return list(await asyncio.gather(*(ticker(n) for n in counts)))


async def fetch(client: httpx.AsyncClient, url: str) -> str:
    """One GET; the body as text."""
    response = await client.get(url)
    response.raise_for_status()
    return response.text


async def fetch_sequential(client: httpx.AsyncClient, urls: list[str]) -> list[str]:
    """One request after another: the pipeline waits for each response in turn."""
    return [await fetch(client, url) for url in urls]


async def fetch_concurrent(client: httpx.AsyncClient, urls: list[str], limit: int) -> list[str]:
    """Every request as a task, at most `limit` in flight (a semaphore)."""
    gate = asyncio.Semaphore(limit)

    async def limited(url: str) -> str:
        async with gate:
            return await fetch(client, url)

    return list(await asyncio.gather(*(limited(url) for url in urls)))


def crunch(n: int) -> int:
    """CPU work between awaits."""
    return sum(i * i for i in range(n))
