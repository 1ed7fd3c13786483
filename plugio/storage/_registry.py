"""Protocols plugio knows: which client serves each, which extra installs it.

Nothing here imports a cloud SDK: a client is created only when a reference
of its protocol is first used. Any other protocol fsspec knows works too
(``hdfs://``, ``sftp://``, ``http://`` ...) with the options passed for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from plugio.errors import ConfigurationError, MissingDependencyError
from plugio.storage._backend import Backend
from plugio.storage._protocols import installed, s3_client

if TYPE_CHECKING:
    from plugio.config import StorageConfig

__all__ = ["Family", "create_backend"]


class Family(NamedTuple):
    """A protocol family: its fsspec module, the extra that installs it, its backend."""

    name: str
    module: str
    extra: str
    backend: str


_S3 = Family("s3", "s3fs", "s3", "S3fsBackend")
_GCS = Family("gcs", "gcsfs", "gcs", "GCSBackend")
_AZURE = Family("azure", "adlfs", "azure", "AzureBackend")
_KNOWN: dict[str, Family] = {"s3": _S3, "gs": _GCS, "abfs": _AZURE}


def create_backend(
    protocol: str, config: StorageConfig, options: dict[str, Any]
) -> tuple[Backend, dict[str, Any]]:
    """A new client for ``protocol`` (a canonical name) as a backend.

    Returns the backend and the options it was built with (for scrubbing
    secrets from errors).
    """
    if protocol == "file":
        from plugio.storage._local import LocalBackend

        return LocalBackend(), {}
    if protocol == "s3" and s3_client(protocol, config.s3, config.protocol_options, options) == (
        "obstore"
    ):
        from plugio.storage._obstore import ObstoreBackend

        store_config = _obstore_config(config.s3)
        connect, attempt = _timeouts(config)
        sweeper = config.s3.storage_options()
        backend = ObstoreBackend(store_config, connect, attempt, sweeper_options=sweeper)
        return backend, store_config
    return _fsspec_backend(protocol, config, options)


def _obstore_config(s3: Any) -> dict[str, Any]:
    """The ``S3Store`` settings of ``S3Options`` (credentials revealed)."""
    config: dict[str, Any] = {}
    if s3.endpoint_url:
        config["endpoint"] = s3.endpoint_url
    if s3.region:
        config["region"] = s3.region
    for key, value in (
        ("access_key_id", s3.access_key_id),
        ("secret_access_key", s3.secret_access_key),
        ("token", s3.session_token),
    ):
        if value is not None:
            config[key] = value.get_secret_value()
    if s3.anonymous:
        config["skip_signature"] = True
    return config


def _fsspec_backend(
    protocol: str, config: StorageConfig, options: dict[str, Any]
) -> tuple[Backend, dict[str, Any]]:
    family = _KNOWN.get(protocol)
    if family is not None and not installed(family.module):
        raise MissingDependencyError(protocol, family.extra, family.module)
    import fsspec

    from plugio.storage import _fsspec
    from plugio.storage._redact import install

    install()  # the SDKs log requests, headers included, at DEBUG

    merged = _storage_options(protocol, family, config)
    merged.update(options)
    try:
        fs = fsspec.filesystem(protocol, **merged)
    except ImportError as exc:
        raise MissingDependencyError(protocol, protocol, str(exc.name or protocol)) from exc
    except ValueError as exc:
        raise ConfigurationError(f"cannot use protocol {protocol!r}: {exc}") from exc
    backend_class: type[Any]
    if family is not None:
        backend_class = getattr(_fsspec, family.backend)
    elif protocol == "memory":
        backend_class = _fsspec.MemoryBackend
    elif getattr(fs, "async_impl", False):
        backend_class = _fsspec.AsyncFsspecBackend
    else:
        backend_class = _fsspec.SyncFsspecBackend
    if issubclass(backend_class, _fsspec.AsyncFsspecBackend):

        def make(**loop_options: Any) -> Any:
            return fsspec.filesystem(protocol, **merged, **loop_options)

        return backend_class(fs, protocol, make), merged
    backend: Backend = backend_class(fs, protocol)
    return backend, merged


def _timeouts(config: StorageConfig) -> tuple[float, float | None]:
    """Connect and request timeouts for clients that take them, from the retry policy.

    A request never outlasts the whole operation's deadline: a blocking call
    that the client alone can bound (obstore's) then ends when the deadline
    does.
    """
    retry = config.retry
    connect = float(getattr(retry, "connect_timeout", 10.0))
    attempt: float | None = getattr(retry, "attempt_timeout", 60.0)
    if retry.deadline is not None:
        attempt = retry.deadline if attempt is None else min(attempt, retry.deadline)
        connect = min(connect, retry.deadline)
    return connect, attempt


def _storage_options(protocol: str, family: Family | None, config: StorageConfig) -> dict[str, Any]:
    options: dict[str, Any] = {"skip_instance_cache": True}
    connect, read = _timeouts(config)
    if family is _S3:
        options.update(config.s3.storage_options())
        # plugio's retry policy is the only one: botocore makes one attempt
        # (s3fs's own loop is turned off by the backend), and every request
        # is bounded by the policy's timeouts.
        config_kwargs = options.setdefault("config_kwargs", {})
        config_kwargs.setdefault("retries", {"total_max_attempts": 1})
        config_kwargs.setdefault("connect_timeout", connect)
        if read is not None:
            config_kwargs.setdefault("read_timeout", float(read))
    elif family is _GCS:
        options.update(config.gcs.storage_options())
    elif family is _AZURE:
        options.update(config.azure.storage_options())
        options.setdefault("connection_timeout", connect)
        if read is not None:
            options.setdefault("read_timeout", float(read))
    if family is not None:
        options["use_listings_cache"] = False
    for name in {protocol, family.name if family else protocol}:
        options.update(config.protocol_options.get(name, {}))
    return options
