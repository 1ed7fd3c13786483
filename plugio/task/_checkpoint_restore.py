"""Finding the newest committed checkpoint, in whichever form it is, and restoring it.

A prefix holds one of: plugio's pointer (a committed version, or a pending
first save that names the checkpoint it started from), Flyte 2's single
object, or Flyte 1's folder of files with no pointer (flytekit's). What a
restore cannot read raises a typed error naming the path: it never reports
"no checkpoint" when one is there.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from plugio.errors import NotFoundError, PayloadError
from plugio.storage import DataStore, ProgressCallback, bounded_gather
from plugio.task._checkpoint_capture import StatCache, stat_key
from plugio.task._checkpoint_files import (
    CHUNK_SIZE,
    ContentHash,
    Manifest,
    ManifestEntry,
    file_matches,
    move_into,
    object_ref,
    version_ref,
)
from plugio.task._checkpoint_versions import Source, list_sizes, read_pointer

__all__ = ["PAYLOAD_FILE", "Found", "RestoreResult", "find", "read_value", "restore_found"]

PAYLOAD_FILE = "payload"
"""The name Flyte 2's SDK gives a restored checkpoint that is not a folder's tar."""
_MAX_PREFIXES = 8


@dataclass(frozen=True)
class RestoreResult:
    """What one restore found and moved.

    Attributes:
        prefix: The checkpoint restored.
        form: ``plugio`` (a committed version), ``folder`` (Flyte 1's SDK's
            files) or ``object`` (Flyte 2's single object).
        version: The version restored (``""`` unless ``plugio``).
        files: Files restored.
        bytes_downloaded: Their bytes as downloaded.
        seconds: How long the restore took.
    """

    prefix: str
    form: Literal["plugio", "folder", "object"]
    version: str
    files: int
    bytes_downloaded: int
    seconds: float


@dataclass(frozen=True)
class Found:
    """The newest checkpoint a restore may use: where, in which form, and its manifest."""

    prefix: str
    form: Literal["plugio", "folder", "object"]
    manifest: Manifest | None = None

    @property
    def source(self) -> Source | None:
        """The committed version, for a save that copies unchanged files from it."""
        return Source(self.prefix, self.manifest) if self.manifest is not None else None


async def find(store: DataStore, prefixes: list[str]) -> Found | None:
    """The first checkpoint found at ``prefixes`` (best first), following pending saves' bases."""
    queue, seen = [p for p in prefixes if p], set[str]()
    while queue and len(seen) < _MAX_PREFIXES:
        prefix = queue.pop(0)
        if prefix in seen:
            continue
        seen.add(prefix)
        pointer = await read_pointer(store, prefix)
        if pointer is not None and pointer.state == "committed":
            return Found(prefix, "plugio", pointer)
        if pointer is not None:  # a first save never committed: what it started from
            queue[:0] = [pointer.base] if pointer.base else []
            continue
        if (await store.head_async(prefix)).exists:
            return Found(prefix, "object")
        if await list_sizes(store, prefix):
            return Found(prefix, "folder")
    return None


async def restore_found(
    store: DataStore,
    found: Found,
    target: Path,
    cache: StatCache,
    progress: ProgressCallback | None,
) -> tuple[Path | None, RestoreResult]:
    """Restore ``found`` into ``target`` through a staging folder; None for an empty object.

    Raises:
        PayloadError: a file is missing or differs from its manifest, or the
            object is a damaged tar; the message names the path.
    """
    started = time.monotonic()
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".plugio-restore-", dir=target))
    try:
        downloaded: int | None
        if found.manifest is not None:
            downloaded = await _fetch_version(
                store, found.prefix, found.manifest, staging, progress
            )
        elif found.form == "folder":
            await store.get_async(found.prefix, staging, progress=progress)
            downloaded = sum(p.stat().st_size for p in staging.rglob("*") if p.is_file())
        else:
            downloaded = await _fetch_object(store, found.prefix, staging, progress)
        names = move_into(staging, target) if downloaded is not None else []
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if found.manifest is not None:
        for entry in found.manifest.files:  # a next save knows these files without reading them
            local = str(target.joinpath(*entry.path.split("/")))
            cache.record(local, stat_key(local), entry.digest)
    version = found.manifest.version if found.manifest is not None else ""
    seconds = time.monotonic() - started
    result = RestoreResult(found.prefix, found.form, version, len(names), downloaded or 0, seconds)
    return (target if downloaded is not None else None), result


async def _fetch_version(
    store: DataStore,
    prefix: str,
    manifest: Manifest,
    staging: Path,
    progress: ProgressCallback | None,
) -> int:
    total, done = sum(entry.size for entry in manifest.files), [0]
    gate = asyncio.Semaphore(PARTS_AT_ONCE)

    def fetch(entry: ManifestEntry) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            ref = version_ref(prefix, entry)
            local = staging.joinpath(*entry.path.split("/"))
            local.parent.mkdir(parents=True, exist_ok=True)
            try:
                checked = await _download(store, ref, local, entry, gate)
            except NotFoundError:
                raise PayloadError(
                    f"a committed checkpoint file is missing: {entry.path}", ref
                ) from None
            if not checked and not await asyncio.to_thread(file_matches, entry, local):
                raise _differs(entry, ref)
            done[0] += entry.size
            if progress is not None:
                progress(done[0], total)

        return run

    await bounded_gather([fetch(entry) for entry in manifest.files], store.transfer_concurrency)
    return total


PARTS_AT_ONCE = 8
"""Chunks of more than :data:`SMALL` bytes a restore holds in memory at once."""
SMALL = 1024 * 1024
"""A file of at most this many bytes is fetched whatever the gate (64 of them hold 64 MiB)."""


async def _download(
    store: DataStore, ref: str, local: Path, entry: ManifestEntry, gate: asyncio.Semaphore
) -> bool:
    """Download ``ref`` to ``local``; True when its bytes were checked on the way.

    From a store over the network every file comes by ranged reads, one per
    chunk (one for a file of at most ``CHUNK_SIZE`` bytes), in parallel, each
    checked as it arrives and written in place: no second pass over the file.
    Only a large file of formats 1 and 2, which has no chunk digests, is
    checked afterwards. ``gate`` bounds the memory. Local disk and memory have
    no round trip to overlap: a file is copied whole, then checked.
    """
    if store.prefers_blocking(ref):
        await store.get_async(ref, local)
        return False
    count = -(-entry.size // CHUNK_SIZE)
    digests = entry.chunks or ([entry.sha256] if count == 1 else [""] * count)
    with open(local, "wb") as handle:
        handle.truncate(entry.size)
    parts = [
        _part(store, ref, local, entry, number * CHUNK_SIZE, digest, gate)
        for number, digest in enumerate(digests)
    ]
    await bounded_gather(parts, store.transfer_concurrency)
    return all(digests) and count > 0


def _part(
    store: DataStore,
    ref: str,
    local: Path,
    entry: ManifestEntry,
    offset: int,
    digest: str,
    gate: asyncio.Semaphore,
) -> Callable[[], Awaitable[None]]:
    """A job downloading the chunk at ``offset``, checked against ``digest`` when given."""
    length = min(CHUNK_SIZE, entry.size - offset)

    async def fetch() -> None:
        async with gate if length > SMALL else contextlib.nullcontext():
            data = await store.read_range_async(ref, offset, offset + length)
            if len(data) != length:
                raise PayloadError("a checkpoint file is shorter than its manifest", ref)
            if length <= SMALL:  # a thread hop costs more than hashing it here
                placed = _place(data, local, offset, digest)
            else:
                placed = await asyncio.to_thread(_place, data, local, offset, digest)
            if not placed:
                raise _differs(entry, ref)

    return fetch


def _place(data: bytes, local: Path, offset: int, digest: str) -> bool:
    """Write ``data`` at ``offset`` of ``local`` if its SHA-256 is ``digest`` (any, for ``""``)."""
    if digest and hashlib.sha256(data).hexdigest() != digest:
        return False
    descriptor = os.open(local, os.O_WRONLY)
    try:
        view = memoryview(data)
        while view:
            view = view[os.pwrite(descriptor, view, offset + len(data) - len(view)) :]
    finally:
        os.close(descriptor)
    return True


def _differs(entry: ManifestEntry, ref: str) -> PayloadError:
    return PayloadError(f"a checkpoint file differs from its manifest: {entry.path}", ref)


async def _fetch_object(
    store: DataStore, prefix: str, staging: Path, progress: ProgressCallback | None
) -> int | None:
    """Flyte 2's object: a tar extracted, anything else as ``payload``; None when empty."""
    downloaded = staging / ".object"
    await store.get_async(prefix, downloaded, progress=progress)
    size = downloaded.stat().st_size
    if size == 0:
        return None  # Flyte 2's SDK reads an empty object as no checkpoint too
    tree = staging / "tree"
    tree.mkdir()
    if await asyncio.to_thread(tarfile.is_tarfile, downloaded):
        await asyncio.to_thread(_extract, downloaded, tree, prefix)
    else:
        os.replace(downloaded, tree / PAYLOAD_FILE)
    downloaded.unlink(missing_ok=True)
    for path in tree.iterdir():
        os.replace(path, staging / path.name)
    tree.rmdir()
    return size


def _extract(archive: Path, tree: Path, ref: str) -> None:
    try:
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(tree, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise PayloadError(f"a checkpoint object is a damaged tar ({error})", ref) from None


async def read_value(store: DataStore, found: Found) -> bytes | None:
    """The single file of the checkpoint ``found``; None when it holds none.

    Raises:
        PayloadError: it holds more than one file (as flytekit), or its file
            differs from the manifest.
    """
    if found.form == "object":
        data = await store.read_bytes_async(found.prefix)
        if not data:
            return None
        return _single_member(data, found.prefix) if _is_tar(data) else data
    if found.manifest is not None:
        entries = found.manifest.files
    else:
        names = sorted(await list_sizes(store, found.prefix))
        entries = [ManifestEntry(path=name, size=0, sha256="") for name in names]
    if len(entries) > 1:
        message = f"expected one checkpoint file under {found.prefix}, found {len(entries)}"
        raise PayloadError(message, found.prefix)
    if not entries:
        return None
    entry = entries[0]
    ref = (
        version_ref(found.prefix, entry) if found.manifest else object_ref(found.prefix, entry.path)
    )
    data = await store.read_bytes_async(ref)
    if found.manifest is not None:
        hasher = ContentHash.checking(entry)
        hasher.update(data)
        if not hasher.checks(entry):
            raise _differs(entry, ref)
    return data


def _is_tar(data: bytes) -> bool:
    try:
        return tarfile.is_tarfile(io.BytesIO(data))
    except (tarfile.TarError, OSError, EOFError):
        return False


def _single_member(data: bytes, ref: str) -> bytes:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            files = [member for member in tar.getmembers() if member.isfile()]
            if len(files) != 1:
                raise PayloadError(
                    f"expected one checkpoint file in {ref}, found {len(files)}", ref
                )
            extracted = tar.extractfile(files[0])
            assert extracted is not None  # a regular file always has data
            return extracted.read()
    except (tarfile.TarError, OSError, EOFError) as error:
        raise PayloadError(f"a checkpoint object is a damaged tar ({error})", ref) from None
