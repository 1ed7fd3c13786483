"""Configuration: constructor arguments, then ``PLUGIO_*`` environment, then defaults.

Nested fields use ``__`` in the environment: ``PLUGIO_S3__ENDPOINT_URL``,
``PLUGIO_RETRY__MAX_ATTEMPTS``, ``PLUGIO_LIMITS__MAX_PAYLOAD_BYTES``.
Credentials are ``SecretStr``: they print as ``**********`` in any repr, log
line or error message, and are revealed only when a filesystem is built.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from plugio._plain_settings import (
    MAX_PAYLOAD_BYTES,
    MIB,
    RETRY_DEADLINE,
    RETRY_INITIAL_BACKOFF,
    RETRY_MAX_ATTEMPTS,
    RETRY_MAX_BACKOFF,
    RETRY_MULTIPLIER,
    backoff_ceiling,
)
from plugio._settings import EnvSettings

__all__ = [
    "AzureOptions",
    "GCSOptions",
    "Limits",
    "RetryPolicy",
    "S3Options",
    "StorageConfig",
    "TransferConfig",
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


def _reveal(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


class S3Options(_Section):
    """Options for ``s3://``, served by obstore or s3fs."""

    client: Literal["auto", "obstore", "s3fs"] = "auto"
    """Which client makes the requests. Env: ``PLUGIO_S3__CLIENT``.

    ``auto`` uses obstore (the ``obstore`` extra) when it is installed and
    nothing needs s3fs: no ``protocol_options`` or storage options for ``s3``,
    and no named AWS profile or shared credentials file as the only source of
    credentials. Otherwise s3fs.
    """

    endpoint_url: str | None = None
    """A custom endpoint such as ``http://127.0.0.1:8333``. Env: ``PLUGIO_S3__ENDPOINT_URL``."""
    region: str | None = None
    """Region name; unset lets the SDK choose. Env: ``PLUGIO_S3__REGION``."""
    access_key_id: SecretStr | None = None
    """Env: ``PLUGIO_S3__ACCESS_KEY_ID``; unset uses the SDK's credential chain."""
    secret_access_key: SecretStr | None = None
    """Env: ``PLUGIO_S3__SECRET_ACCESS_KEY``."""
    session_token: SecretStr | None = None
    """Env: ``PLUGIO_S3__SESSION_TOKEN``."""
    anonymous: bool = False
    """Unsigned requests; only when asked for. Env: ``PLUGIO_S3__ANONYMOUS``."""

    def storage_options(self) -> dict[str, Any]:
        """The s3fs constructor arguments these options stand for."""
        options: dict[str, Any] = {}
        if self.endpoint_url:
            options["endpoint_url"] = self.endpoint_url
        if self.region:
            options.setdefault("client_kwargs", {})["region_name"] = self.region
        if self.access_key_id is not None:
            options["key"] = _reveal(self.access_key_id)
        if self.secret_access_key is not None:
            options["secret"] = _reveal(self.secret_access_key)
        if self.session_token is not None:
            options["token"] = _reveal(self.session_token)
        if self.anonymous:
            options["anon"] = True
        return options


class GCSOptions(_Section):
    """Options for ``gs://`` and ``gcs://`` (gcsfs)."""

    endpoint_url: str | None = None
    """A custom endpoint (an emulator). Env: ``PLUGIO_GCS__ENDPOINT_URL``."""
    project: str | None = None
    """Env: ``PLUGIO_GCS__PROJECT``."""
    token: SecretStr | None = None
    """A service-account file path or token; unset uses the default chain.

    Env: ``PLUGIO_GCS__TOKEN``.
    """
    anonymous: bool = False
    """Unauthenticated access; only when asked for. Env: ``PLUGIO_GCS__ANONYMOUS``."""

    def storage_options(self) -> dict[str, Any]:
        """The gcsfs constructor arguments these options stand for."""
        options: dict[str, Any] = {}
        if self.endpoint_url:
            options["endpoint_url"] = self.endpoint_url
        if self.project:
            options["project"] = self.project
        if self.anonymous:
            options["token"] = "anon"
        elif self.token is not None:
            options["token"] = _reveal(self.token)
        return options


class AzureOptions(_Section):
    """Options for ``abfs://``, ``az://`` and ``abfss://`` (adlfs)."""

    account_name: str | None = None
    """Env: ``PLUGIO_AZURE__ACCOUNT_NAME``."""
    account_key: SecretStr | None = None
    """Env: ``PLUGIO_AZURE__ACCOUNT_KEY``."""
    connection_string: SecretStr | None = None
    """A full connection string (holds the key). Env: ``PLUGIO_AZURE__CONNECTION_STRING``."""
    sas_token: SecretStr | None = None
    """Env: ``PLUGIO_AZURE__SAS_TOKEN``."""
    anonymous: bool = False
    """Anonymous access to public containers; only when asked for.

    Env: ``PLUGIO_AZURE__ANONYMOUS``.
    """

    def storage_options(self) -> dict[str, Any]:
        """The adlfs constructor arguments these options stand for."""
        options: dict[str, Any] = {}
        if self.account_name:
            options["account_name"] = self.account_name
        for name in ("account_key", "connection_string", "sas_token"):
            value = getattr(self, name)
            if value is not None:
                options[name] = _reveal(value)
        if self.anonymous:
            options["anon"] = True
        elif "account_key" in options or "connection_string" in options or "sas_token" in options:
            options["anon"] = False
        return options


class Limits(_Section):
    """Size limits on control files."""

    max_payload_bytes: int | None = Field(default=MAX_PAYLOAD_BYTES, ge=0)
    """Largest inputs/outputs/error file read, in bytes; ``None`` is unlimited.

    A file is too large only when its size is strictly greater. Env:
    ``PLUGIO_LIMITS__MAX_PAYLOAD_BYTES`` (``null`` for unlimited).
    """


class RetryPolicy(_Section):
    """How transient failures (throttling, 5xx, resets, timeouts) are retried.

    Not-found, permission and bad-request errors are never retried. The delay
    before retry ``n`` (from 1) is drawn uniformly from
    ``[0, min(max_backoff, initial_backoff * multiplier ** (n - 1))]`` ("full
    jitter"), or the server's ``Retry-After`` when it is larger, and no retry
    starts after ``deadline`` seconds from the first attempt.
    """

    max_attempts: int = Field(default=RETRY_MAX_ATTEMPTS, ge=1)
    """Attempts in all, the first included. Env: ``PLUGIO_RETRY__MAX_ATTEMPTS``."""
    initial_backoff: float = Field(default=RETRY_INITIAL_BACKOFF, ge=0)
    """Seconds. Env: ``PLUGIO_RETRY__INITIAL_BACKOFF``."""
    max_backoff: float = Field(default=RETRY_MAX_BACKOFF, ge=0)
    """Seconds. Env: ``PLUGIO_RETRY__MAX_BACKOFF``."""
    multiplier: float = Field(default=RETRY_MULTIPLIER, ge=1)
    """Env: ``PLUGIO_RETRY__MULTIPLIER``."""
    deadline: float | None = Field(default=RETRY_DEADLINE, gt=0)
    """Seconds for all attempts together; ``None`` for no deadline.

    Env: ``PLUGIO_RETRY__DEADLINE``.
    """

    def backoff_ceiling(self, retry: int) -> float:
        """The largest delay before retry number ``retry`` (1-based)."""
        return backoff_ceiling(self.initial_backoff, self.multiplier, self.max_backoff, retry)


class TransferConfig(_Section):
    """Bulk transfers (``get`` / ``put`` of directories, large files)."""

    concurrency: int = Field(default=64, ge=1)
    """Files moved at once (to and from object stores; local copies go one by one).

    A file of up to ``chunk_size`` bytes goes in one request, held whole, so
    uploads hold at most about ``concurrency * chunk_size`` bytes. Env:
    ``PLUGIO_TRANSFER__CONCURRENCY``."""
    chunk_size: int = Field(default=8 * MIB, ge=5 * MIB)
    """Bytes per part of a multipart upload and per streamed read (5 MiB at least,
    S3's smallest part). Env: ``PLUGIO_TRANSFER__CHUNK_SIZE``."""


class StorageConfig(EnvSettings):
    """Everything a ``DataStore`` needs; built from arguments, environment, defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    s3: S3Options = S3Options()
    """Env: ``PLUGIO_S3__*``."""
    gcs: GCSOptions = GCSOptions()
    """Env: ``PLUGIO_GCS__*``."""
    azure: AzureOptions = AzureOptions()
    """Env: ``PLUGIO_AZURE__*``."""
    protocol_options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Extra fsspec options per protocol, applied over the typed ones.

    Env: ``PLUGIO_PROTOCOL_OPTIONS`` as JSON, e.g. ``{"s3": {"use_ssl": false}}``.
    """
    limits: Limits = Limits()
    """Env: ``PLUGIO_LIMITS__*``."""
    retry: RetryPolicy = RetryPolicy()
    """Env: ``PLUGIO_RETRY__*``."""
    transfer: TransferConfig = TransferConfig()
    """Env: ``PLUGIO_TRANSFER__*``."""

    @field_validator("protocol_options")
    @classmethod
    def _lower_protocols(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {protocol.lower(): dict(options) for protocol, options in value.items()}
