"""One object made of byte ranges of stored objects and of local files.

A large file whose middle changed is stored again by sending the changed
ranges only; the rest is copied inside the store from the object holding it:

- S3: one multipart upload whose parts are uploads or copies of a range
  (``UploadPartCopy``), completed at the end and aborted on failure, so the
  target is replaced whole or not at all;
- local disk: the kernel copies each range (``copy_file_range``) into a
  temporary file, synced and renamed into place;
- memory: the ranges joined.

Other stores cannot (``Backend.composes`` is False): the caller stores the
whole file instead. Every piece but the last must hold at least
:data:`MIN_PIECE` bytes (S3's smallest part), and there are at most
:data:`MAX_PIECES` of them.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from plugio.storage._concurrency import bounded_gather

__all__ = [
    "MAX_PIECES",
    "MIN_PIECE",
    "Part",
    "Piece",
    "check_pieces",
    "compose_local",
    "compose_s3",
    "compose_s3_blocking",
    "read_range",
]

MIN_PIECE = 5 * 1024 * 1024
"""The fewest bytes a piece other than the last may hold (S3's smallest part)."""
MAX_PIECES = 10_000
"""The most pieces one object may be made of (S3's most parts)."""
_S3_AT_ONCE = 4
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)

Part = tuple[str, int, int, bool]
"""A piece as a backend's hook takes it: ``(key or local path, start, end, local)``."""


@dataclass(frozen=True, slots=True)
class Piece:
    """Bytes ``[start, end)`` of the stored object ``source``, or of a local file.

    Attributes:
        source: a reference in the same store as the target, or a local path
            when ``local``.
        start: the first byte.
        end: one past the last byte.
        local: ``source`` is a local file.
    """

    source: str
    start: int
    end: int
    local: bool = False

    @classmethod
    def stored(cls, ref: str, start: int, end: int) -> Piece:
        """Bytes ``[start, end)`` of the object at ``ref``, copied inside the store."""
        return cls(ref, start, end)

    @classmethod
    def file(cls, path: str | os.PathLike[str], start: int, end: int) -> Piece:
        """Bytes ``[start, end)`` of the local file at ``path``, uploaded."""
        return cls(os.fspath(path), start, end, local=True)

    @property
    def size(self) -> int:
        """The bytes it holds."""
        return self.end - self.start


def check_pieces(pieces: Sequence[Piece], target_ref: str) -> None:
    """Raise ``ValueError`` naming ``target_ref`` for pieces no store can compose."""
    if not pieces or len(pieces) > MAX_PIECES:
        raise ValueError(f"{target_ref}: compose takes 1 to {MAX_PIECES} pieces, not {len(pieces)}")
    for number, piece in enumerate(pieces, 1):
        if not 0 <= piece.start < piece.end:
            raise ValueError(f"{target_ref}: piece {number} is an empty or negative range")
        if number < len(pieces) and piece.size < MIN_PIECE:
            raise ValueError(
                f"{target_ref}: piece {number} holds {piece.size} bytes; every piece "
                f"but the last needs at least {MIN_PIECE}"
            )


def compose_local(target: str, parts: Sequence[Part], temporary: str) -> None:
    """Write ``parts`` (all local files) into ``temporary``, synced; the caller renames it."""
    writer = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _CLOEXEC, 0o666)
    try:
        position = 0
        for path, start, end, _ in parts:
            reader = os.open(path, os.O_RDONLY | _CLOEXEC)
            try:
                _copy_range(reader, writer, start, end, position, target)
            finally:
                os.close(reader)
            position += end - start
        os.fsync(writer)
    finally:
        os.close(writer)


def _copy_range(reader: int, writer: int, start: int, end: int, position: int, ref: str) -> None:
    """Copy bytes ``[start, end)`` of ``reader`` to ``position`` of ``writer``, in the kernel
    where it can (``copy_file_range``), else through a buffer."""
    offset = start
    if hasattr(os, "copy_file_range"):
        try:
            while offset < end:
                moved = os.copy_file_range(reader, writer, end - offset, offset, position)
                if not moved:
                    break
                offset, position = offset + moved, position + moved
        except OSError:
            if offset != start:  # failed midway: the caller's retry starts over
                raise
    while offset < end:
        data = os.pread(reader, min(end - offset, 8 * 1024 * 1024), offset)
        if not data:
            raise FileNotFoundError(f"{ref}: a piece's source is shorter than its range")
        os.pwrite(writer, data, position)
        offset, position = offset + len(data), position + len(data)


async def compose_s3(files: Any, key: str, parts: Sequence[Part]) -> None:
    """Compose ``bucket/key`` on S3 with s3fs's client ``files``: one multipart upload."""
    import asyncio
    import logging

    bucket, _, name = key.partition("/")
    started = await files._call_s3("create_multipart_upload", Bucket=bucket, Key=name)
    upload = started["UploadId"]

    def send(number: int, part: Part) -> Callable[[], Awaitable[dict[str, Any]]]:
        source, start, end, local = part
        base = {"Bucket": bucket, "Key": name, "UploadId": upload, "PartNumber": number}

        async def run() -> dict[str, Any]:
            if local:
                body = await asyncio.to_thread(read_range, source, start, end)
                answer = await files._call_s3("upload_part", Body=body, **base)
                return {"PartNumber": number, "ETag": answer["ETag"]}
            source_bucket, _, source_key = source.partition("/")
            answer = await files._call_s3(
                "upload_part_copy",
                CopySource={"Bucket": source_bucket, "Key": source_key},
                CopySourceRange=f"bytes={start}-{end - 1}",
                **base,
            )
            return {"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]}

        return run

    try:  # the first failure cancels the parts still running
        jobs = [send(number, part) for number, part in enumerate(parts, 1)]
        sent = await bounded_gather(jobs, _S3_AT_ONCE)
        await files._call_s3(
            "complete_multipart_upload",
            Bucket=bucket,
            Key=name,
            UploadId=upload,
            MultipartUpload={"Parts": sent},
        )
    except BaseException:
        try:  # what is left if this fails is aborted by the sweep before a large upload
            await asyncio.shield(
                files._call_s3("abort_multipart_upload", Bucket=bucket, Key=name, UploadId=upload)
            )
        except Exception:
            logging.getLogger("plugio.storage").warning(
                "could not abort the multipart upload of %s", key, exc_info=True
            )
        raise


def compose_s3_blocking(options: dict[str, Any], key: str, parts: Sequence[Part]) -> None:
    """:func:`compose_s3` with a new s3fs client of ``options``, from blocking code."""
    import s3fs
    from fsspec.asyn import sync

    files = s3fs.S3FileSystem(**options, skip_instance_cache=True)
    sync(files.loop, compose_s3, files, key, parts)


def read_range(path: str, start: int, end: int) -> bytes:
    """Bytes ``[start, end)`` of a local file; ``FileNotFoundError`` when it is shorter."""
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    if len(data) != end - start:
        raise FileNotFoundError(f"{path}: a piece's source is shorter than its range")
    return data
