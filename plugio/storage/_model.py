"""Plain values the data store hands back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

__all__ = ["ObjectInfo", "ProgressCallback"]

ProgressCallback = Callable[[int, int], None]
"""Called as a transfer moves: ``(bytes_done, bytes_total)``, from any thread."""


@dataclass(frozen=True)
class ObjectInfo:
    """What a HEAD or a listing says about one object.

    ``exists`` is False for a missing object, which is then all ``None``.
    ``etag`` is the store's version tag (an S3/GCS/Azure ETag, or a size and
    modification-time token on local disk); ``checksum`` is a content hash the
    store reported (``md5:<hex>``, ``crc32c:<b64>``), when it reports one.
    """

    ref: str
    exists: bool
    size: int | None = None
    etag: str | None = None
    checksum: str | None = None
    last_modified: datetime | None = None
