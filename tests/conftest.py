"""Session fixtures: real storage servers on 127.0.0.1 and the backend rig.

Each server is started once per session on free ports and stopped at the end.
A missing server binary skips its backend locally, and fails the run under
``CI=true``, where every backend must be exercised.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, TypeVar

import pytest
import servers
from faultproxy import FaultProxy
from pydantic import SecretStr
from rig import BACKENDS, Rig

from plugio.config import AzureOptions, GCSOptions, RetryPolicy, S3Options, StorageConfig
from plugio.storage import DataStore

servers.configure_client_environment()

T = TypeVar("T")

#: Fast retries so fault tests take milliseconds; same policy shape as production.
TEST_RETRY = RetryPolicy(max_attempts=4, initial_backoff=0.01, max_backoff=0.05, deadline=30)


def _start(factory: Callable[[], contextlib.AbstractContextManager[T]]) -> Iterator[T]:
    try:
        manager = factory()
        value = manager.__enter__()
    except servers.ServerUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"storage server unavailable in CI: {exc}")
        pytest.skip(str(exc))
    try:
        yield value
    finally:
        manager.__exit__(None, None, None)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[servers.S3Server]:
    yield from _start(servers.seaweedfs_server)


@pytest.fixture(scope="session")
def gcs_server() -> Iterator[servers.GCSServer]:
    yield from _start(servers.fake_gcs_server)


@pytest.fixture(scope="session")
def azure_server() -> Iterator[servers.AzureServer]:
    yield from _start(servers.azurite_server)


def s3_config(
    server: servers.S3Server,
    endpoint: str | None = None,
    client: Literal["auto", "obstore", "s3fs"] = "auto",
    **retry: Any,
) -> StorageConfig:
    """Settings for SeaweedFS (or a proxy in front of it at ``endpoint``).

    ``auto`` is obstore here: the test extra installs it.
    """
    return StorageConfig(
        s3=S3Options(
            client=client,
            endpoint_url=endpoint or server.endpoint_url,
            access_key_id=SecretStr(server.access_key_id),
            secret_access_key=SecretStr(server.secret_access_key),
        ),
        retry=TEST_RETRY.model_copy(update=retry),
    )


def gcs_config(
    server: servers.GCSServer, endpoint: str | None = None, **retry: Any
) -> StorageConfig:
    """Settings for fake-gcs-server (anonymous: the emulator has no auth)."""
    return StorageConfig(
        gcs=GCSOptions(
            endpoint_url=endpoint or server.endpoint_url, project=server.project, anonymous=True
        ),
        retry=TEST_RETRY.model_copy(update=retry),
    )


def azure_config(
    server: servers.AzureServer, endpoint: str | None = None, key: str | None = None, **retry: Any
) -> StorageConfig:
    """Settings for Azurite (through ``endpoint`` and with ``key`` when given)."""
    blob_endpoint = f"{endpoint}/{server.account_name}" if endpoint else server.endpoint_url
    connection = servers.azure_connection_string(blob_endpoint, key or server.account_key)
    return StorageConfig(
        azure=AzureOptions(connection_string=SecretStr(connection)),
        retry=TEST_RETRY.model_copy(update=retry),
    )


@pytest.fixture(scope="session")
def stores(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], Rig]:
    """A factory of rigs, creating each backend's store (and server) on first use."""
    cache: dict[str, tuple[DataStore, str, dict[str, Any]]] = {}

    def build(name: str) -> tuple[DataStore, str, dict[str, Any]]:
        if name == "memory":
            flags = {"has_etag": False}
            return DataStore(StorageConfig(retry=TEST_RETRY)), "memory://plugio-test", flags
        if name == "local":
            root = str(tmp_path_factory.mktemp("local-store"))
            return DataStore(StorageConfig(retry=TEST_RETRY)), root, {}
        if name in ("s3", "s3fs"):
            s3: servers.S3Server = request.getfixturevalue("s3_server")
            client: Literal["auto", "s3fs"] = "auto" if name == "s3" else "s3fs"
            return DataStore(s3_config(s3, client=client)), f"s3://{s3.bucket}", {}
        if name == "gcs":
            gcs: servers.GCSServer = request.getfixturevalue("gcs_server")
            flags = {"checks_credentials": False}
            return DataStore(gcs_config(gcs)), f"gs://{gcs.bucket}", flags
        azure: servers.AzureServer = request.getfixturevalue("azure_server")
        return DataStore(azure_config(azure)), f"abfs://{azure.container}", {}

    def rig(name: str) -> Rig:
        if name not in cache:
            cache[name] = build(name)
        store, root, flags = cache[name]
        return Rig(name=name, store=store, root=root, **flags)

    return rig


@pytest.fixture(params=BACKENDS)
def rig(request: pytest.FixtureRequest, stores: Callable[[str], Rig]) -> Rig:
    """One backend's store with a prefix of this test's own."""
    return stores(request.param)


@pytest.fixture
def local_dir(tmp_path: Path) -> Path:
    """A scratch folder for files to upload or download."""
    return tmp_path


@contextlib.contextmanager
def fault_proxy(address: tuple[str, int]) -> Iterator[FaultProxy]:
    """A fault-injecting proxy in front of a server, closed afterwards."""
    proxy = FaultProxy(address)
    try:
        yield proxy
    finally:
        proxy.close()
