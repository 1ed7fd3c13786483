"""The retry policy, applied to every storage call in one place."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar

from plugio.config import RetryPolicy
from plugio.errors import TransientStorageError
from plugio.storage._backend import Backend
from plugio.storage._translate import translate_error

__all__ = ["next_delay", "retrying"]

T = TypeVar("T")
logger = logging.getLogger("plugio.storage")


async def retrying(
    backend: Backend,
    policy: RetryPolicy,
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
            error = translate_error(exc, ref, operation, secrets)
            if error is exc:
                raise
            delay = _delay_or_none(policy, error, number, time.monotonic() - started)
            if delay is None:
                if isinstance(error, TransientStorageError):
                    error.attempts = number
                raise error from exc
            logger.warning(
                "%s (attempt %d of %d, retrying in %.2fs)",
                error,
                number,
                policy.max_attempts,
                delay,
            )
        await backend.sleep(delay)
        number += 1


def _delay_or_none(
    policy: RetryPolicy, error: Exception, number: int, elapsed: float
) -> float | None:
    if not isinstance(error, TransientStorageError) or number >= policy.max_attempts:
        return None
    delay = next_delay(policy, number, error.retry_after)
    if policy.deadline is not None and elapsed + delay > policy.deadline:
        return None
    return delay


def next_delay(policy: RetryPolicy, retry: int, retry_after: float | None = None) -> float:
    """Seconds to wait before retry number ``retry`` (1-based): full jitter,
    or the server's ``Retry-After`` when that is longer."""
    delay = random.uniform(0.0, policy.backoff_ceiling(retry))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
