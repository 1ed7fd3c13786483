"""The one bounded-concurrency helper that every batch in plugio runs through."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

__all__ = ["bounded_gather"]

T = TypeVar("T")


async def bounded_gather(jobs: Iterable[Callable[[], Awaitable[T]]], limit: int) -> list[T]:
    """Run ``jobs`` with at most ``limit`` in flight; their results, in order.

    A few long-lived workers take jobs from one shared iterator (taken
    between awaits, so never twice), instead of a task per job. The first
    failure cancels the jobs still running and is raised.

    Args:
        jobs: callables that each start one job.
        limit: the most jobs running at once (at least 1).
    """
    import asyncio

    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    queued = list(jobs)
    results: list[T | None] = [None] * len(queued)
    pending = iter(enumerate(queued))

    async def worker() -> None:
        for index, job in pending:
            results[index] = await job()

    if len(queued) == 1:
        await worker()
        return results  # type: ignore[return-value]
    workers = [asyncio.ensure_future(worker()) for _ in range(min(limit, len(queued)))]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    return results  # type: ignore[return-value]
