"""Failures on the real servers: throttling, 5xx, resets, bad credentials, a dead server.

A fault-injecting proxy sits between the store and each server, so every
failure reaches the store exactly as the SDK reports it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import azure_config, fault_proxy, gcs_config, s3_config
from faultproxy import FaultProxy
from servers import free_ports

from plugio.config import StorageConfig
from plugio.errors import (
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    TransientStorageError,
)
from plugio.storage import DataStore

ATTEMPTS = 3


@dataclass
class Proxied:
    """A store whose every request passes through ``proxy``."""

    name: str
    store: DataStore
    proxy: FaultProxy
    root: str
    make_config: Callable[..., StorageConfig]

    def ref(self, key: str) -> str:
        return f"{self.root}/faults/{key}"

    def requests_to(self, key: str) -> list[tuple[str, str]]:
        return [(method, target) for method, target in self.proxy.requests if key in target]


@pytest.fixture(params=["s3", "s3fs", "gcs", "azure"])
def proxied(request: pytest.FixtureRequest) -> Iterator[Proxied]:
    name = request.param
    server: Any = request.getfixturevalue(f"{'s3' if name == 's3fs' else name}_server")
    configs: dict[str, Callable[..., StorageConfig]] = {
        "s3": functools.partial(s3_config, client="obstore"),
        "s3fs": functools.partial(s3_config, client="s3fs"),
        "gcs": gcs_config,
        "azure": azure_config,
    }
    config_for = configs[name]
    root = {
        "s3": lambda: f"s3://{server.bucket}",
        "s3fs": lambda: f"s3://{server.bucket}",
        "gcs": lambda: f"gs://{server.bucket}",
        "azure": lambda: f"abfs://{server.container}",
    }[name]()
    with fault_proxy(server.address) as proxy:

        def make_config(**changes: Any) -> StorageConfig:
            config: StorageConfig = config_for(server, proxy.endpoint_url, **changes)
            return config

        store = DataStore(make_config(max_attempts=ATTEMPTS))
        yield Proxied(name, store, proxy, root, make_config)


def test_transient_503_succeeds_on_retry(proxied: Proxied) -> None:
    ref = proxied.ref("flaky.pb")
    proxied.store.write_bytes(ref, b"stored")
    proxied.proxy.reset_counters()
    proxied.proxy.fail_next(ATTEMPTS - 1, 503, code="SlowDown")
    assert proxied.store.read_bytes(ref, limit=100) == b"stored"
    assert proxied.proxy.failures_injected == ATTEMPTS - 1


def test_throttling_honours_retry_after(proxied: Proxied) -> None:
    import time

    if proxied.name == "gcs":
        pytest.skip("gcsfs's HttpError keeps no response headers, so no Retry-After to honour")
    if proxied.name == "s3":
        pytest.skip("obstore's errors keep no response headers, so no Retry-After to honour")
    ref = proxied.ref("throttled.pb")
    proxied.store.write_bytes(ref, b"x")
    proxied.proxy.fail_next(1, 429, code="SlowDown", retry_after=0.6)
    started = time.monotonic()
    assert proxied.store.read_bytes(ref) == b"x"
    assert time.monotonic() - started >= 0.6


def test_503_that_never_recovers_fails_after_the_policy(proxied: Proxied) -> None:
    ref = proxied.ref("down.pb")
    proxied.store.write_bytes(ref, b"kept")
    proxied.proxy.reset_counters()
    proxied.proxy.fail_always(503, code="ServiceUnavailable")
    with pytest.raises(TransientStorageError) as raised:
        proxied.store.read_bytes(ref, limit=100)
    assert raised.value.ref == ref
    assert raised.value.attempts == ATTEMPTS
    assert proxied.proxy.failures_injected == ATTEMPTS
    proxied.proxy.clear()
    assert proxied.store.read_bytes(ref) == b"kept"


def test_failed_write_leaves_the_stored_object(proxied: Proxied) -> None:
    ref = proxied.ref("precious.pb")
    proxied.store.write_bytes(ref, b"version 1")
    proxied.proxy.fail_always(500, code="InternalError")
    with pytest.raises(TransientStorageError):
        proxied.store.write_bytes(ref, b"version 2")
    proxied.proxy.clear()
    assert proxied.store.read_bytes(ref) == b"version 1"


def test_connection_reset_is_retried(proxied: Proxied) -> None:
    ref = proxied.ref("reset.pb")
    proxied.store.write_bytes(ref, b"ok")
    # aiohttp itself resends an idempotent request once after a reset, so the
    # second reset is the one the store sees and retries.
    proxied.proxy.reset_connection_next(2)
    assert proxied.store.read_bytes(ref) == b"ok"
    assert proxied.proxy.failures_injected == 2


def test_not_found_is_not_retried(proxied: Proxied) -> None:
    proxied.proxy.reset_counters()
    with pytest.raises(NotFoundError):
        proxied.store.read_bytes(proxied.ref("never-written.pb"), limit=10)
    assert len(proxied.requests_to("never-written.pb")) == 1


def test_bounded_read_is_one_request(proxied: Proxied) -> None:
    ref = proxied.ref("small.pb")
    proxied.store.write_bytes(ref, b"s" * 100)
    proxied.proxy.reset_counters()
    assert proxied.store.read_bytes(ref, limit=100) == b"s" * 100
    assert [method for method, _ in proxied.requests_to("small.pb")] == ["GET"]


def test_oversize_read_stops_early(proxied: Proxied) -> None:
    ref = proxied.ref("large.bin")
    proxied.store.write_bytes(ref, b"L" * (3 * 1024 * 1024))
    proxied.proxy.reset_counters()
    with pytest.raises(PayloadTooLargeError) as raised:
        proxied.store.read_bytes(ref, limit=1024)
    assert raised.value.size == 3 * 1024 * 1024
    # One ranged GET, then a metadata request (GCS's JSON API answers it to a
    # GET) for the size named in the error.
    metadata = "GET" if proxied.name == "gcs" else "HEAD"
    assert [method for method, _ in proxied.requests_to("large.bin")] == ["GET", metadata]


def test_server_down_is_transient_and_names_the_path(proxied: Proxied) -> None:
    proxied.proxy.close()
    ref = proxied.ref("unreachable.pb")
    with pytest.raises(TransientStorageError) as raised:
        proxied.store.read_bytes(ref)
    assert raised.value.ref == ref
    assert raised.value.attempts == ATTEMPTS


def test_nobody_listening_is_transient() -> None:
    (port,) = free_ports(1)
    from plugio.config import RetryPolicy, S3Options

    config = StorageConfig(
        s3=S3Options(endpoint_url=f"http://127.0.0.1:{port}", anonymous=True),
        retry=RetryPolicy(max_attempts=2, initial_backoff=0.01),
    )
    with pytest.raises(TransientStorageError) as raised:
        DataStore(config).read_bytes("s3://bucket/key.pb")
    assert "s3://bucket/key.pb" in str(raised.value)


def test_wrong_s3_credentials_are_refused_at_once(request: pytest.FixtureRequest) -> None:
    from pydantic import SecretStr

    from plugio.config import S3Options

    server: Any = request.getfixturevalue("s3_server")
    with fault_proxy(server.address) as proxy:
        good = s3_config(server, proxy.endpoint_url)
        wrong = good.model_copy(
            update={
                "s3": S3Options(
                    endpoint_url=proxy.endpoint_url,
                    access_key_id=SecretStr(server.access_key_id),
                    secret_access_key=SecretStr("not-the-secret-at-all"),
                )
            }
        )
        ref = f"s3://{server.bucket}/faults/creds.pb"
        DataStore(good).write_bytes(ref, b"mine")
        proxy.reset_counters()
        with pytest.raises(PermissionDeniedError) as raised:
            DataStore(wrong).read_bytes(ref)
        assert raised.value.ref == ref
        assert "not-the-secret-at-all" not in str(raised.value)
        assert len(proxy.requests) == 1
        assert DataStore(good).read_bytes(ref) == b"mine"


def test_wrong_azure_key_is_refused(request: pytest.FixtureRequest) -> None:
    import base64

    server: Any = request.getfixturevalue("azure_server")
    wrong_key = base64.b64encode(b"w" * 64).decode()
    store = DataStore(azure_config(server, key=wrong_key))
    ref = f"abfs://{server.container}/faults/creds.pb"
    with pytest.raises(PermissionDeniedError) as raised:
        store.read_bytes(ref)
    assert raised.value.ref == ref
    assert wrong_key not in str(raised.value)
