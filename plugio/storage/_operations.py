"""What each data-store operation does, written once as coroutines over the hooks."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar

from google.protobuf.message import DecodeError, Message

from plugio.errors import CorruptPayloadError, NotFoundError, PayloadTooLargeError
from plugio.storage._model import ObjectInfo
from plugio.storage._translate import is_invalid_range

if TYPE_CHECKING:
    from plugio.storage._backend import Backend, Info

__all__ = [
    "decode_message",
    "head",
    "read_bounded",
    "to_object_info",
]

M = TypeVar("M", bound=Message)


async def head(backend: Backend, path: str, ref: str) -> ObjectInfo:
    """Metadata of one object, ``exists=False`` when it is not there."""
    try:
        info = await backend.info(path)
    except FileNotFoundError:
        return ObjectInfo(ref=ref, exists=False)
    return to_object_info(ref, info)


async def read_bounded(backend: Backend, path: str, ref: str, limit: int | None) -> bytes:
    """The whole object, refusing (after at most ``limit + 1`` bytes) a larger one."""
    if limit is None:
        return await backend.cat(path, None, None)
    try:
        data = await backend.cat(path, 0, limit + 1)
    except Exception as exc:
        # Object stores refuse any byte range of an empty object (416).
        if is_invalid_range(exc) and await _is_empty(backend, path):
            return b""
        raise
    if len(data) > limit:
        raise PayloadTooLargeError(ref, await _size_or_none(backend, path), limit)
    return data


async def _is_empty(backend: Backend, path: str) -> bool:
    try:
        return (await backend.info(path)).get("size") == 0
    except OSError:
        return False


async def _size_or_none(backend: Backend, path: str) -> int | None:
    try:
        size = (await backend.info(path)).get("size")
    except OSError:
        return None
    return int(size) if size is not None else None


def decode_message(data: bytes, message_type: type[M], ref: str) -> M:
    """Parse ``data`` as ``message_type``; undecodable bytes are corrupt."""
    message = message_type()
    try:
        message.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as exc:
        raise CorruptPayloadError(
            f"{ref}: not a valid {message_type.DESCRIPTOR.full_name} ({len(data)} bytes): {exc}",
            ref,
        ) from exc
    return message


def require_exists(info: ObjectInfo) -> ObjectInfo:
    """``info`` if the object exists, else a not-found error naming it."""
    if not info.exists:
        raise NotFoundError("no such object", info.ref)
    return info


def to_object_info(ref: str, info: Info) -> ObjectInfo:
    """Normalise the metadata dict of any fsspec backend."""
    size = info.get("size")
    return ObjectInfo(
        ref=ref,
        exists=True,
        size=int(size) if size is not None else None,
        etag=_etag(info),
        checksum=_checksum(info),
        last_modified=_modified(info),
    )


def _etag(info: Info) -> str | None:
    for key in ("ETag", "etag", "generation"):
        value = info.get(key)
        if value:
            return str(value).strip('"')
    return None


def _checksum(info: Info) -> str | None:
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


def _modified(info: Info) -> datetime | None:
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
