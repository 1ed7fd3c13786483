"""The retry policy, applied to every storage call in one place."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from plugio.errors import TransientStorageError
from plugio.storage._translate import translate_error

if TYPE_CHECKING:
    from plugio.storage._backend import Backend

__all__ = ["RetryRules", "next_delay", "retrying", "retrying_sync"]

T = TypeVar("T")


class RetryRules(Protocol):
    """What the loop reads of a policy: ``RetryPolicy``, or the same plain values."""

    @property
    def max_attempts(self) -> int: ...
    @property
    def deadline(self) -> float | None: ...
    def backoff_ceiling(self, retry: int) -> float: ...


async def retrying(
    backend: Backend,
    policy: RetryRules,
    ref: str,
    operation: str,
    secrets: Iterable[str],
    attempt: Callable[[], Coroutine[Any, Any, T]],
) -> T:
    """Run ``attempt`` until it succeeds, fails permanently or the policy gives up.

    Every failure is translated to a plugio error (raised ``from`` the
    original); only ``TransientStorageError`` is retried.
    """
    started = time.monotonic()
    number = 1
    while True:
        try:
            return await attempt()
        except Exception as exc:
            delay = _delay_or_raise(policy, exc, ref, operation, secrets, number, started)
        await backend.sleep(delay)
        number += 1


def retrying_sync(
    policy: RetryRules,
    ref: str,
    operation: str,
    secrets: Iterable[str],
    attempt: Callable[[], T],
) -> T:
    """:func:`retrying` for a blocking ``attempt``, waiting with ``time.sleep``."""
    started = time.monotonic()
    number = 1
    while True:
        try:
            return attempt()
        except Exception as exc:
            delay = _delay_or_raise(policy, exc, ref, operation, secrets, number, started)
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
    if policy.deadline is not None and elapsed + delay > policy.deadline:
        return None
    return delay


def next_delay(policy: RetryRules, retry: int, retry_after: float | None = None) -> float:
    """Seconds to wait before retry number ``retry`` (1-based): full jitter,
    or the server's ``Retry-After`` when that is longer."""
    delay = random.uniform(0.0, policy.backoff_ceiling(retry))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
