"""The settings a store's first reads need, read without building the config models.

Importing pydantic and building ``StorageConfig`` takes longer than the rest of
a task container's start-up (the import, one read of ``inputs.pb``, the
parse). A ``DataStore`` made without a config therefore reads the
environment here first: when every ``PLUGIO_*`` setting present is one of the
plain text settings of S3 (``PLUGIO_S3__ENDPOINT_URL``, ``__REGION``, the keys
and ``__CLIENT``), which need no validation beyond what is done here, the store
starts from these values and builds ``StorageConfig`` only when something asks
for it. Any other setting in the environment makes the store build
``StorageConfig`` at once, so a bad value fails as it always did.

The defaults of ``plugio.config`` are defined here, once, for both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plugio.config import StorageConfig

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "MIB",
    "RETRY_DEADLINE",
    "RETRY_INITIAL_BACKOFF",
    "RETRY_MAX_ATTEMPTS",
    "RETRY_MAX_BACKOFF",
    "RETRY_MULTIPLIER",
    "S3_CLIENTS",
    "PlainRetry",
    "PlainS3",
    "PlainSettings",
    "backoff_ceiling",
    "settings_from_environment",
]

MIB = 1024 * 1024
MAX_PAYLOAD_BYTES = 2 * MIB
RETRY_MAX_ATTEMPTS = 5
RETRY_INITIAL_BACKOFF = 0.1
RETRY_MAX_BACKOFF = 5.0
RETRY_MULTIPLIER = 2.0
RETRY_DEADLINE = 60.0
S3_CLIENTS = ("auto", "obstore", "s3fs")

_PREFIX = "plugio_"
#: The top-level fields of ``StorageConfig``: other ``PLUGIO_*`` names are not settings.
_SECTIONS = frozenset({"s3", "gcs", "azure", "protocol_options", "limits", "retry", "transfer"})
#: ``PLUGIO_S3__<name>`` settings that are plain text (``null`` for None).
_PLAIN_S3 = frozenset(
    {"client", "endpoint_url", "region", "access_key_id", "secret_access_key", "session_token"}
)


def backoff_ceiling(
    initial_backoff: float, multiplier: float, max_backoff: float, retry: int
) -> float:
    """The largest delay before retry number ``retry`` (1-based)."""
    return float(min(max_backoff, initial_backoff * multiplier ** (retry - 1)))


@dataclass(frozen=True)
class PlainRetry:
    """``RetryPolicy``'s values, with its ``backoff_ceiling``."""

    max_attempts: int = RETRY_MAX_ATTEMPTS
    initial_backoff: float = RETRY_INITIAL_BACKOFF
    max_backoff: float = RETRY_MAX_BACKOFF
    multiplier: float = RETRY_MULTIPLIER
    deadline: float | None = RETRY_DEADLINE

    def backoff_ceiling(self, retry: int) -> float:
        """The largest delay before retry number ``retry`` (1-based)."""
        return backoff_ceiling(self.initial_backoff, self.multiplier, self.max_backoff, retry)


@dataclass(frozen=True)
class PlainS3:
    """``S3Options``'s values, credentials revealed (they never leave the store)."""

    client: str = "auto"
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = field(default=None, repr=False)
    secret_access_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    anonymous: bool = False


@dataclass(frozen=True)
class PlainSettings:
    """What a store's direct reads and writes need of its settings."""

    s3: PlainS3 = PlainS3()
    max_payload_bytes: int | None = MAX_PAYLOAD_BYTES
    retry: PlainRetry = PlainRetry()
    protocol_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: StorageConfig) -> PlainSettings:
        """The same values as ``config``."""
        s3, retry = config.s3, config.retry
        secrets = {
            name: None if value is None else value.get_secret_value()
            for name, value in (
                ("access_key_id", s3.access_key_id),
                ("secret_access_key", s3.secret_access_key),
                ("session_token", s3.session_token),
            )
        }
        return cls(
            s3=PlainS3(
                client=s3.client,
                endpoint_url=s3.endpoint_url,
                region=s3.region,
                anonymous=s3.anonymous,
                **secrets,
            ),
            max_payload_bytes=config.limits.max_payload_bytes,
            retry=PlainRetry(
                max_attempts=retry.max_attempts,
                initial_backoff=retry.initial_backoff,
                max_backoff=retry.max_backoff,
                multiplier=retry.multiplier,
                deadline=retry.deadline,
            ),
            protocol_options=config.protocol_options,
        )


def settings_from_environment(
    environ: Mapping[str, str] | None = None,
) -> tuple[PlainSettings, dict[str, Any]] | None:
    """The settings ``PLUGIO_*`` variables give, when they are all plain; else None.

    Returns the settings and the raw values found (``{"s3": {...}}``), from
    which ``StorageConfig`` is built later, without reading the environment
    again. Names are case-insensitive, as for ``StorageConfig``.
    """
    values: dict[str, str | None] = {}
    for name, raw in (os.environ if environ is None else environ).items():
        lowered = name.lower()
        if not lowered.startswith(_PREFIX):
            continue
        path = lowered[len(_PREFIX) :].split("__")
        if path[0] not in _SECTIONS or not all(path):
            continue  # not a setting (StorageConfig ignores it too)
        if path[0] != "s3" or len(path) != 2 or path[1] not in _PLAIN_S3 or path[1] in values:
            return None
        values[path[1]] = None if raw == "null" else raw
    client = values.pop("client", "auto")
    if client is None or client not in S3_CLIENTS:
        return None  # StorageConfig raises the error that names it
    s3 = PlainS3(
        client=client,
        endpoint_url=values.get("endpoint_url"),
        region=values.get("region"),
        access_key_id=values.get("access_key_id"),
        secret_access_key=values.get("secret_access_key"),
        session_token=values.get("session_token"),
    )
    return PlainSettings(s3=s3), {"s3": {**values, "client": client}}
