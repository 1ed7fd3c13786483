"""Plain values the data store hands back."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "FileProgress",
    "ObjectInfo",
    "ProgressCallback",
    "check_page_size",
    "pages",
    "to_object_info",
]

ProgressCallback = Callable[[int, int], None]
"""Called as a transfer moves: ``(bytes_done, bytes_total)``, from any thread."""


@dataclass(frozen=True, slots=True)
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


class FileProgress:
    """Bytes moved of one file, reported by the backend that moves it.

    ``set_size`` and ``relative_update`` are the calls fsspec's callbacks
    take too; subclasses act on ``call``.
    """

    def __init__(self) -> None:
        self.size: int | None = None
        self.value = 0

    def set_size(self, size: int | None) -> None:
        """The file's size in bytes, once known."""
        self.size = size

    def relative_update(self, inc: int = 1) -> None:
        """``inc`` more bytes moved."""
        self.value += inc
        self.call()

    def call(self) -> None:
        """React to a change of ``value``."""


def to_object_info(ref: str, info: Mapping[str, Any]) -> ObjectInfo:
    """Normalise the metadata dict of any fsspec backend."""
    size = info.get("size")
    size = int(size) if size is not None else None
    return ObjectInfo(ref, True, size, _etag(info), _checksum(info), _modified(info))


def _etag(info: Mapping[str, Any]) -> str | None:
    for key in ("ETag", "etag", "generation"):
        value = info.get(key)
        if value:
            return str(value).strip('"')
    return None


#: The keys any backend reports a content hash under.
_CHECKSUM_KEYS = frozenset(("md5Hash", "content_settings", "crc32c", "ChecksumCRC32"))


def _checksum(info: Mapping[str, Any]) -> str | None:
    if _CHECKSUM_KEYS.isdisjoint(info):  # local files, and stores that report none
        return None
    if info.get("md5Hash"):
        return f"md5:{base64.b64decode(info['md5Hash']).hex()}"
    settings: Any = info.get("content_settings")
    md5 = getattr(settings, "content_md5", None) or (
        settings.get("content_md5") if isinstance(settings, dict) else None
    )
    if md5:
        return f"md5:{bytes(md5).hex()}"
    for key, name in (("crc32c", "crc32c"), ("ChecksumCRC32", "crc32")):
        if info.get(key):
            return f"{name}:{info[key]}"
    return None


def _modified(info: Mapping[str, Any]) -> datetime | None:
    for key in ("LastModified", "last_modified", "updated", "mtime", "created"):
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        if isinstance(value, int | float):
            return datetime.fromtimestamp(float(value), tz=timezone.utc)
        try:
            return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            continue
    return None


def check_page_size(page_size: int) -> None:
    """Refuse a listing's page size below 1, before anything is listed."""
    if page_size < 1:
        raise ValueError("page_size must be at least 1")


def pages(items: list[ObjectInfo], page_size: int) -> Iterator[list[ObjectInfo]]:
    """``items`` in pages of ``page_size``."""
    for start in range(0, len(items), page_size):
        yield items[start : start + page_size]
