"""Configuration: constructor arguments, then ``PLUGIO_*`` environment, then defaults.

Nested fields use ``__`` in the environment: ``PLUGIO_S3__ENDPOINT_URL``,
``PLUGIO_RETRY__MAX_ATTEMPTS``, ``PLUGIO_LIMITS__MAX_PAYLOAD_BYTES``. Names are
case-insensitive, ``null`` stands for None, and a whole section may be one JSON
object (``PLUGIO_RETRY='{"max_attempts": 2}'``). A bad value, or an unknown
field in a section, raises ``ConfigurationError`` naming the variable (or the
argument path, ``s3.region``), never the value; an unknown ``PLUGIO_*`` variable
that looks like a misspelt setting gives a ``ConfigurationWarning``.

Credentials are secrets (``SecretStr``, or any object with
``get_secret_value()``, pydantic's included): they print as ``**********`` in
any repr, log line or error message, and are revealed only when a client is
built.

The settings are frozen dataclasses checked by hand (``plugio._settings``)
rather than pydantic models: a task container builds them on its way to its
first read of ``inputs.pb``, and ``import plugio.config`` with
``StorageConfig()`` loads neither pydantic, fsspec nor asyncio.
"""

# No ``from __future__ import annotations`` here: the field types are evaluated
# once, as the classes are made, instead of compiled from their text by the
# first ``StorageConfig()``, in every task's start.
from collections.abc import Mapping
from dataclasses import field
from functools import cache
from typing import Any, Literal

from plugio._environment import PREFIX, gather, warn_misspelt
from plugio._settings import Secret, SecretStr, field_hints, section_of, settings_class
from plugio._settings import Settings as _Settings
from plugio.generation import FlyteGeneration

__all__ = [
    "AzureOptions",
    "GCSOptions",
    "Limits",
    "RetryPolicy",
    "S3Options",
    "Secret",
    "SecretStr",
    "StorageConfig",
    "TransferConfig",
]

MIB = 1024 * 1024
MAX_PAYLOAD_BYTES = 2 * MIB


@settings_class(frozen=True)
class S3Options(_Settings):
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
    access_key_id: Secret | None = None
    """Env: ``PLUGIO_S3__ACCESS_KEY_ID``; unset uses the SDK's credential chain."""
    secret_access_key: Secret | None = None
    """Env: ``PLUGIO_S3__SECRET_ACCESS_KEY``."""
    session_token: Secret | None = None
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
            options["key"] = self.access_key_id.get_secret_value()
        if self.secret_access_key is not None:
            options["secret"] = self.secret_access_key.get_secret_value()
        if self.session_token is not None:
            options["token"] = self.session_token.get_secret_value()
        if self.anonymous:
            options["anon"] = True
        return options


@settings_class(frozen=True)
class GCSOptions(_Settings):
    """Options for ``gs://`` and ``gcs://`` (gcsfs)."""

    endpoint_url: str | None = None
    """A custom endpoint (an emulator). Env: ``PLUGIO_GCS__ENDPOINT_URL``."""
    project: str | None = None
    """Env: ``PLUGIO_GCS__PROJECT``."""
    token: Secret | None = None
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
            options["token"] = self.token.get_secret_value()
        return options


@settings_class(frozen=True)
class AzureOptions(_Settings):
    """Options for ``abfs://``, ``az://`` and ``abfss://`` (adlfs)."""

    account_name: str | None = None
    """Env: ``PLUGIO_AZURE__ACCOUNT_NAME``."""
    account_key: Secret | None = None
    """Env: ``PLUGIO_AZURE__ACCOUNT_KEY``."""
    connection_string: Secret | None = None
    """A full connection string (holds the key). Env: ``PLUGIO_AZURE__CONNECTION_STRING``."""
    sas_token: Secret | None = None
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
            value: Secret | None = getattr(self, name)
            if value is not None:
                options[name] = value.get_secret_value()
        if self.anonymous:
            options["anon"] = True
        elif "account_key" in options or "connection_string" in options or "sas_token" in options:
            options["anon"] = False
        return options


@settings_class(frozen=True)
class Limits(_Settings):
    """Size limits on control files."""

    max_payload_bytes: int | None = field(default=MAX_PAYLOAD_BYTES, metadata={"ge": 0})
    """Largest inputs/outputs/error file read, in bytes; ``None`` is unlimited.

    A file is too large only when its size is strictly greater. Env:
    ``PLUGIO_LIMITS__MAX_PAYLOAD_BYTES`` (``null`` for unlimited).
    """


@settings_class(frozen=True)
class RetryPolicy(_Settings):
    """How transient failures (throttling, 5xx, resets, timeouts) are retried.

    Not-found, permission and bad-request errors are never retried. The delay
    before retry ``n`` (from 1) is drawn uniformly from
    ``[0, min(max_backoff, initial_backoff * multiplier ** (n - 1))]`` ("full
    jitter"), or the server's ``Retry-After`` when it is larger, and no retry
    starts after ``deadline`` seconds from the first attempt.

    Each attempt is bounded too: by ``connect_timeout`` to connect, and as a
    whole by the smaller of ``attempt_timeout`` and the time left before the
    deadline. So the deadline holds for the whole operation, writes included,
    within a small margin, even against a server that stops answering.
    """

    max_attempts: int = field(default=5, metadata={"ge": 1})
    """Attempts in all, the first included. Env: ``PLUGIO_RETRY__MAX_ATTEMPTS``."""
    initial_backoff: float = field(default=0.1, metadata={"ge": 0})
    """Seconds. Env: ``PLUGIO_RETRY__INITIAL_BACKOFF``."""
    max_backoff: float = field(default=5.0, metadata={"ge": 0})
    """Seconds. Env: ``PLUGIO_RETRY__MAX_BACKOFF``."""
    multiplier: float = field(default=2.0, metadata={"ge": 1})
    """Env: ``PLUGIO_RETRY__MULTIPLIER``."""
    deadline: float | None = field(default=60.0, metadata={"gt": 0})
    """Seconds for all attempts together; ``None`` for no deadline.

    Env: ``PLUGIO_RETRY__DEADLINE``.
    """
    connect_timeout: float = field(default=10.0, metadata={"gt": 0})
    """Seconds to establish a connection. Env: ``PLUGIO_RETRY__CONNECT_TIMEOUT``."""
    attempt_timeout: float | None = field(default=60.0, metadata={"gt": 0})
    """Seconds one request may take waiting for the server; ``None`` for no bound.

    An attempt gets the smaller of this and the time left before ``deadline``.
    Env: ``PLUGIO_RETRY__ATTEMPT_TIMEOUT``.
    """

    def backoff_ceiling(self, retry: int) -> float:
        """The largest delay before retry number ``retry`` (1-based)."""
        return float(min(self.max_backoff, self.initial_backoff * self.multiplier ** (retry - 1)))


@settings_class(frozen=True)
class TransferConfig(_Settings):
    """Bulk transfers (``get`` / ``put`` of directories, large files)."""

    concurrency: int = field(default=64, metadata={"ge": 1})
    """Files moved at once (to and from object stores; local copies go one by one).

    A file of up to ``chunk_size`` bytes goes in one request, held whole, so
    uploads hold at most about ``concurrency * chunk_size`` bytes. Env:
    ``PLUGIO_TRANSFER__CONCURRENCY``."""
    chunk_size: int = field(default=8 * MIB, metadata={"ge": 5 * MIB})
    """Bytes per part of a multipart upload and per streamed read (5 MiB at least,
    S3's smallest part). Env: ``PLUGIO_TRANSFER__CHUNK_SIZE``."""


@settings_class(frozen=True, init=False)
class StorageConfig(_Settings):
    """Everything a ``DataStore`` needs; built from arguments, environment, defaults.

    Each section may be given as an instance or as a mapping of its fields; a
    mapping is merged over that section's variables key by key, an instance
    replaces them.
    """

    s3: S3Options = field(default_factory=S3Options)
    """Env: ``PLUGIO_S3__*``."""
    gcs: GCSOptions = field(default_factory=GCSOptions)
    """Env: ``PLUGIO_GCS__*``."""
    azure: AzureOptions = field(default_factory=AzureOptions)
    """Env: ``PLUGIO_AZURE__*``."""
    protocol_options: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    """Extra fsspec options per protocol, applied over the typed ones.

    Left out of the repr: they may hold credentials. Env:
    ``PLUGIO_PROTOCOL_OPTIONS`` as JSON, e.g. ``{"s3": {"use_ssl": false}}``.
    """
    limits: Limits = field(default_factory=Limits)
    """Env: ``PLUGIO_LIMITS__*``."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    """Env: ``PLUGIO_RETRY__*``."""
    transfer: TransferConfig = field(default_factory=TransferConfig)
    """Env: ``PLUGIO_TRANSFER__*``."""
    flyte: FlyteGeneration = FlyteGeneration.FLYTE1
    """The Flyte generation whose files the store's writers, decks, inputs and
    checkpoints follow when not told (``1`` or ``2``). Env: ``PLUGIO_FLYTE``."""

    def __init__(
        self,
        *,
        s3: S3Options | Mapping[str, Any] | None = None,
        gcs: GCSOptions | Mapping[str, Any] | None = None,
        azure: AzureOptions | Mapping[str, Any] | None = None,
        protocol_options: Mapping[str, Mapping[str, Any]] | None = None,
        limits: Limits | Mapping[str, Any] | None = None,
        retry: RetryPolicy | Mapping[str, Any] | None = None,
        transfer: TransferConfig | Mapping[str, Any] | None = None,
        flyte: FlyteGeneration | int | str | None = None,
    ) -> None:
        given = {
            "s3": s3,
            "gcs": gcs,
            "azure": azure,
            "protocol_options": protocol_options,
            "limits": limits,
            "retry": retry,
            "transfer": transfer,
            "flyte": flyte,
        }
        arguments = {name: value for name, value in given.items() if value is not None}
        gathered = gather(self.model_fields, arguments, plain=_PLAIN)
        if gathered.unknown:
            warn_misspelt(gathered.unknown, _variables())
        for name, value in self._checked(gathered.values, gathered, ()).items():
            object.__setattr__(self, name, value)

    @classmethod
    def _path(cls) -> tuple[str, ...]:
        return ()


#: Top-level settings that are one value, not a section (``PLUGIO_FLYTE=2``).
_PLAIN = ("flyte",)


@cache
def _variables() -> list[str]:
    """Every variable ``StorageConfig`` reads, whole sections included."""
    names = []
    for name, hint in field_hints(StorageConfig).items():
        names.append(f"{PREFIX}{name.upper()}")
        section = section_of(hint)
        if section is not None:
            names += [f"{PREFIX}{name.upper()}__{inner.upper()}" for inner in section.model_fields]
    return names
