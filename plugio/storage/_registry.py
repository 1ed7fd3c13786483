"""Protocols plugio knows: which package serves each, which extra installs it.

Nothing here imports a cloud SDK: a filesystem is created only when a
reference of its protocol is first used. Any other protocol fsspec knows works
too (``hdfs://``, ``sftp://``, ``http://`` ...) with the options passed for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import fsspec

from plugio._plain_settings import PlainSettings
from plugio.config import StorageConfig
from plugio.errors import ConfigurationError, MissingDependencyError
from plugio.storage._backend import (
    AsyncBackend,
    AzureBackend,
    Backend,
    GCSBackend,
    LocalBackend,
    S3Backend,
    SyncBackend,
)
from plugio.storage._direct import ObstoreIO, credential_options, s3_store_config
from plugio.storage._protocols import installed, s3_client

__all__ = ["Protocol", "create_backend"]


@dataclass(frozen=True)
class Protocol:
    """A protocol family: its module, the extra that installs it, its backend."""

    name: str
    module: str
    extra: str
    backend: type[Backend]


_S3 = Protocol("s3", "s3fs", "s3", S3Backend)
_GCS = Protocol("gcs", "gcsfs", "gcs", GCSBackend)
_AZURE = Protocol("azure", "adlfs", "azure", AzureBackend)
_FILE = Protocol("file", "fsspec", "", LocalBackend)

_KNOWN: dict[str, Protocol] = {
    "s3": _S3,
    "s3a": _S3,
    "gs": _GCS,
    "gcs": _GCS,
    "abfs": _AZURE,
    "abfss": _AZURE,
    "az": _AZURE,
    "file": _FILE,
    "local": _FILE,
}


def create_backend(
    protocol: str,
    config: StorageConfig,
    options: dict[str, Any],
    *,
    obstore: Callable[[], ObstoreIO] | None = None,
) -> tuple[Backend, dict[str, Any]]:
    """A new filesystem for ``protocol`` wrapped in its backend hooks.

    ``obstore`` gives the obstore clients to serve ``s3://`` with, when it
    chooses obstore; by default new ones from ``config``. Returns the backend
    and the storage options used (for scrubbing secrets).
    """
    family = _KNOWN.get(protocol)
    chosen = family is _S3 and s3_client(protocol, config.s3, config.protocol_options, options)
    if chosen == "obstore":
        from plugio.storage._obstore import ObstoreS3Backend

        if obstore is None:
            clients = ObstoreIO(s3_store_config(PlainSettings.from_config(config).s3))
        else:
            clients = obstore()
        return ObstoreS3Backend(clients), credential_options(clients.config)
    if family is not None and not installed(family.module):
        raise MissingDependencyError(protocol, family.extra, family.module)
    merged = _storage_options(protocol, family, config)
    merged.update(options)
    try:
        fs = fsspec.filesystem(protocol, **merged)
    except ImportError as exc:
        raise MissingDependencyError(protocol, protocol, str(exc.name or protocol)) from exc
    except ValueError as exc:
        raise ConfigurationError(f"cannot use protocol {protocol!r}: {exc}") from exc
    if family is not None:
        backend_class = family.backend
    else:
        backend_class = AsyncBackend if getattr(fs, "async_impl", False) else SyncBackend
    return backend_class(fs, protocol), merged


def _storage_options(
    protocol: str, family: Protocol | None, config: StorageConfig
) -> dict[str, Any]:
    options: dict[str, Any] = {"skip_instance_cache": True}
    if family is _S3:
        options.update(config.s3.storage_options())
        # plugio's retry policy is the only one: botocore makes one attempt
        # (s3fs's own loop is turned off by S3Backend).
        config_kwargs = options.setdefault("config_kwargs", {})
        config_kwargs.setdefault("retries", {"total_max_attempts": 1})
    elif family is _GCS:
        options.update(config.gcs.storage_options())
    elif family is _AZURE:
        options.update(config.azure.storage_options())
    elif family is _FILE:
        options["auto_mkdir"] = True
    if family in (_S3, _GCS, _AZURE):
        options["use_listings_cache"] = False
    for name in {protocol, family.name if family else protocol}:
        options.update(config.protocol_options.get(name, {}))
    return options
