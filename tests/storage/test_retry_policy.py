"""The retry policy's arithmetic: backoff ceilings, jitter, Retry-After, deadline."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from plugio.config import RetryPolicy
from plugio.errors import NotFoundError, TransientStorageError
from plugio.storage._retry import next_delay, retrying, retrying_sync


class Sleeps:
    """The waits between attempts, recorded instead of slept."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sleeps: list[float] = []
        monkeypatch.setattr(time, "sleep", self.sleeps.append)

        async def record(seconds: float) -> None:
            self.sleeps.append(seconds)

        monkeypatch.setattr(asyncio, "sleep", record)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    return Sleeps(monkeypatch)


def test_backoff_ceiling_grows_and_caps() -> None:
    policy = RetryPolicy(initial_backoff=0.1, multiplier=2, max_backoff=0.5)
    assert [policy.backoff_ceiling(n) for n in (1, 2, 3, 4, 5)] == [0.1, 0.2, 0.4, 0.5, 0.5]


def test_delay_is_jittered_within_ceiling() -> None:
    policy = RetryPolicy(initial_backoff=1, multiplier=2, max_backoff=8)
    delays = [next_delay(policy, 3) for _ in range(200)]
    assert all(0 <= delay <= 4 for delay in delays)
    assert len(set(delays)) > 100


def test_retry_after_wins_when_longer() -> None:
    policy = RetryPolicy(initial_backoff=0.01, max_backoff=0.01)
    assert next_delay(policy, 1, retry_after=2.0) == 2.0


def run(policy: RetryPolicy, failures: list[BaseException]) -> tuple[Any, int]:
    calls = 0

    def attempt() -> str:
        nonlocal calls
        calls += 1
        if failures:
            raise failures.pop(0)
        return "ok"

    return retrying_sync(policy, "memory://x", "read", [], attempt), calls


def test_transient_failures_are_retried_until_success(sleeps: Sleeps) -> None:
    failures: list[BaseException] = [ConnectionResetError() for _ in range(3)]
    result, calls = run(RetryPolicy(max_attempts=5), failures)
    assert (result, calls, len(sleeps.sleeps)) == ("ok", 4, 3)


@pytest.mark.usefixtures("sleeps")
def test_gives_up_after_max_attempts_with_count() -> None:
    with pytest.raises(TransientStorageError) as raised:
        run(RetryPolicy(max_attempts=3), [ConnectionResetError() for _ in range(10)])
    assert raised.value.attempts == 3
    assert isinstance(raised.value.__cause__, ConnectionResetError)


def test_not_found_is_not_retried() -> None:
    with pytest.raises(NotFoundError):
        run(RetryPolicy(max_attempts=5), [FileNotFoundError("x")])


def test_deadline_stops_retries_early() -> None:
    policy = RetryPolicy(max_attempts=100, initial_backoff=10, max_backoff=10, deadline=0.001)
    with pytest.raises(TransientStorageError) as raised:
        # A delay that would pass the deadline is never slept.
        run(policy, [TimeoutError() for _ in range(101)])
    assert raised.value.attempts < 100


def test_async_twin_uses_the_same_policy(sleeps: Sleeps) -> None:
    failures: list[BaseException] = [ConnectionResetError(), ConnectionResetError()]

    async def attempt() -> int:
        if failures:
            raise failures.pop(0)
        return 7

    async def main() -> int:
        policy = RetryPolicy(max_attempts=3, initial_backoff=0)
        return await retrying(policy, "m://x", "read", [], attempt)

    assert asyncio.run(main()) == 7
    assert len(sleeps.sleeps) == 2
