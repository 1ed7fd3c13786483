"""The retry policy, applied to every storage call in one place, on both faces.

Each attempt is bounded in time: by the smaller of the policy's
``attempt_timeout`` and the time left before its ``deadline``. An async
attempt is cancelled when its time is up; a blocking one is bounded by the
client (fsspec's async clients are cancelled on their loop, obstore's requests
time out). File transfers, which may rightly take longer than the deadline,
are bounded per request by the clients' timeouts instead.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol, TypeVar

from plugio.errors import TransientStorageError
from plugio.storage._backend import ATTEMPT_DEADLINE
from plugio.storage._translate import translate_error

__all__ = ["RetryRules", "next_delay", "retrying", "retrying_sync"]

T = TypeVar("T")


class RetryRules(Protocol):
    """What the loop reads of a ``RetryPolicy``."""

    @property
    def max_attempts(self) -> int: ...
    @property
    def deadline(self) -> float | None: ...
    def backoff_ceiling(self, retry: int) -> float: ...


class AttemptTimedOut(TimeoutError):
    """An attempt took longer than the policy allows it."""


def _attempt_seconds(policy: RetryRules, started: float) -> float | None:
    """How long the next attempt may take, or None for unbounded."""
    limit: float | None = getattr(policy, "attempt_timeout", None)
    if policy.deadline is not None:
        left = max(0.0, policy.deadline - (time.monotonic() - started))
        limit = left if limit is None else min(limit, left)
    return limit


async def retrying(
    policy: RetryRules,
    ref: str,
    operation: str,
    secrets: Iterable[str],
    attempt: Callable[[], Awaitable[T]],
    *,
    bounded: bool = True,
) -> T:
    """Await ``attempt`` until it succeeds, fails permanently or the policy gives up.

    Every failure is translated to a plugio error (raised ``from`` the
    original); only ``TransientStorageError`` is retried. With ``bounded``,
    each attempt is cancelled when its time is up.
    """
    import asyncio

    started = time.monotonic()
    number = 1
    while True:
        seconds = _attempt_seconds(policy, started) if bounded else None
        try:
            if seconds is None:
                return await attempt()
            if sys.version_info >= (3, 11):  # a timer on this task: no task per attempt
                async with asyncio.timeout(max(seconds, 0.001)):
                    return await attempt()
            return await asyncio.wait_for(attempt(), max(seconds, 0.001))
        except asyncio.TimeoutError as exc:
            timed_out = AttemptTimedOut(f"no answer within {seconds:.1f}s")
            delay = _delay_or_raise(policy, timed_out, ref, operation, secrets, number, started)
            del exc
        except Exception as exc:
            delay = _delay_or_raise(policy, exc, ref, operation, secrets, number, started)
        await asyncio.sleep(delay)
        number += 1


def retrying_sync(
    policy: RetryRules,
    ref: str,
    operation: str,
    secrets: Iterable[str],
    attempt: Callable[[], T],
    *,
    bounded: bool = True,
) -> T:
    """:func:`retrying` for a blocking ``attempt``, waiting with ``time.sleep``."""
    started = time.monotonic()
    number = 1
    while True:
        seconds = _attempt_seconds(policy, started) if bounded else None
        # Unbounded attempts (local disk, memory) leave the context alone: nothing to set up.
        token = None if seconds is None else ATTEMPT_DEADLINE.set(time.monotonic() + seconds)
        try:
            return attempt()
        except TimeoutError as exc:
            cause: Exception = exc if str(exc) else AttemptTimedOut(f"no answer within {seconds}s")
            delay = _delay_or_raise(policy, cause, ref, operation, secrets, number, started)
        except Exception as exc:
            delay = _delay_or_raise(policy, exc, ref, operation, secrets, number, started)
        finally:
            if token is not None:
                ATTEMPT_DEADLINE.reset(token)
        time.sleep(delay)
        number += 1


def _delay_or_raise(
    policy: RetryRules,
    exc: Exception,
    ref: str,
    operation: str,
    secrets: Iterable[str],
    number: int,
    started: float,
) -> float:
    """The wait before the next attempt after ``exc``, or raise its plugio error."""
    error = translate_error(exc, ref, operation, secrets)
    if error is exc:
        raise exc
    delay = _delay_or_none(policy, error, number, time.monotonic() - started)
    if delay is None:
        if isinstance(error, TransientStorageError):
            error.attempts = number
        raise error from exc
    # Imported here: logging is not needed until something goes wrong.
    import logging

    logging.getLogger("plugio.storage").warning(
        "%s (attempt %d of %d, retrying in %.2fs)", error, number, policy.max_attempts, delay
    )
    return delay


def _delay_or_none(
    policy: RetryRules, error: Exception, number: int, elapsed: float
) -> float | None:
    if not isinstance(error, TransientStorageError) or number >= policy.max_attempts:
        return None
    delay = next_delay(policy, number, error.retry_after)
    if policy.deadline is not None and elapsed + delay >= policy.deadline:
        return None
    return delay


def next_delay(policy: RetryRules, retry: int, retry_after: float | None = None) -> float:
    """Seconds to wait before retry number ``retry`` (1-based): full jitter,
    or the server's ``Retry-After`` when that is longer."""
    delay = random.uniform(0.0, policy.backoff_ceiling(retry))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
