"""Protocols plugio knows: which package serves each, which extra installs it.

Nothing here imports a cloud SDK: a filesystem is created only when a
reference of its protocol is first used. Any other protocol fsspec knows works
too (``hdfs://``, ``sftp://``, ``http://`` ...) with the options passed for it.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from typing import Any

import fsspec

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
from plugio.storage._obstore import obstore_forked

__all__ = ["Protocol", "canonical_protocol", "create_backend"]


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


def canonical_protocol(protocol: str) -> str:
    """The fsspec protocol name used for ``protocol`` (``s3a`` → ``s3``)."""
    protocol = protocol.lower()
    known = _KNOWN.get(protocol)
    if known is None:
        return protocol
    return {"s3": "s3", "gcs": "gs", "azure": "abfs", "file": "file"}[known.name]


def create_backend(
    protocol: str, config: StorageConfig, options: dict[str, Any]
) -> tuple[Backend, dict[str, Any]]:
    """A new filesystem for ``protocol`` wrapped in its backend hooks.

    Returns the backend and the storage options used (for scrubbing secrets).
    """
    family = _KNOWN.get(protocol)
    if family is _S3 and _s3_client(protocol, config, options) == "obstore":
        from plugio.storage._obstore import ObstoreS3Backend, obstore_settings

        settings = obstore_settings(config.s3)
        return ObstoreS3Backend(settings), _secret_named(settings)
    if family is not None and not _installed(family.module):
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


def _s3_client(protocol: str, config: StorageConfig, options: dict[str, Any]) -> str:
    """``obstore`` or ``s3fs``: the client that serves ``s3://`` under ``config``."""
    choice = config.s3.client
    forked = obstore_forked()
    if choice == "obstore":
        if not _installed("obstore"):
            raise MissingDependencyError(protocol, "obstore", "obstore")
        if forked:
            raise ConfigurationError(
                "obstore cannot run in a process forked after it was used (its Rust runtime"
                " does not survive fork): start workers with the 'spawn' method, or set"
                " s3.client='s3fs'"
            )
        if options or config.protocol_options.get(protocol) or config.protocol_options.get("s3"):
            raise ConfigurationError(
                "s3 storage options are s3fs arguments; with s3.client='obstore' use the"
                " typed s3 settings (endpoint_url, region, credentials) instead"
            )
        return "obstore"
    if choice == "s3fs" or forked or not _installed("obstore"):
        return "s3fs"
    if options or config.protocol_options.get(protocol) or config.protocol_options.get("s3"):
        return "s3fs"
    return "s3fs" if _needs_shared_profile(config) else "obstore"


def _needs_shared_profile(config: StorageConfig) -> bool:
    """Whether credentials can only come from an AWS profile (which obstore cannot read)."""
    s3 = config.s3
    if s3.anonymous or s3.access_key_id is not None:
        return False
    if os.environ.get("AWS_PROFILE"):
        return True
    if any(
        os.environ.get(name)
        for name in (
            "AWS_ACCESS_KEY_ID",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        )
    ):
        return False
    home = os.path.expanduser("~/.aws")
    shared = (
        os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join(home, "credentials"),
        os.environ.get("AWS_CONFIG_FILE") or os.path.join(home, "config"),
    )
    return any(os.path.exists(path) for path in shared)


def _secret_named(settings: dict[str, Any]) -> dict[str, Any]:
    """obstore's credential settings under the names the store scrubs from errors."""
    names = {"access_key_id": "key", "secret_access_key": "secret", "token": "token"}
    return {names.get(name, name): value for name, value in settings.items()}


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a blocked or half-installed module
        return False


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
