"""Committing a captured save as a new version, then the folder Flyte's SDK reads, then cleanup.

The steps of one save of Flyte 1's form, in order (see :mod:`plugio.task._checkpoints`):

1. every file's bytes land in the new version's folder: uploaded when
   changed, copied inside the store when the previous attempt holds them,
   referenced (nothing moves) when an earlier version of this prefix does;
2. the version's manifest is written, then the pointer: the commit;
3. the checkpoint folder is brought to the new version, changed files only;
4. versions beyond the ones kept are deleted, and objects no kept version
   references.

Flyte 2's form is one object, written whole (:func:`save_object`).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tarfile
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from plugio.errors import NotFoundError, PlugioError
from plugio.generation import FlyteGeneration
from plugio.references import parse_reference
from plugio.storage import DataStore, ProgressCallback, bounded_gather
from plugio.task._checkpoint_capture import Capture, Item, stage_file
from plugio.task._checkpoint_chunks import changed_pieces, compose, stored_before
from plugio.task._checkpoint_files import (
    MANIFEST_SUFFIX,
    VERSIONS_SUFFIX,
    Manifest,
    ManifestEntry,
    object_ref,
    parse_manifest,
    relative_name,
    version_ref,
)

__all__ = [
    "LARGE_AT_ONCE",
    "LARGE_FILE",
    "SaveResult",
    "Source",
    "commit",
    "list_sizes",
    "read_pointer",
    "save_object",
]


LARGE_FILE = 64 * 1024 * 1024
"""A file at least this large is a large file: it moves in parts, few at a time."""
LARGE_AT_ONCE = 2
"""Large files moved at once by one save, which bounds the memory of their parts."""


@dataclass(frozen=True)
class SaveResult:
    """What one save did, and how long it took.

    Attributes:
        version: The version committed (``""`` for Flyte 2's single object).
        generation: The form written.
        files: Files in the checkpoint.
        bytes_total: Their bytes.
        bytes_uploaded: Bytes sent to the store.
        bytes_copied: Bytes copied inside the store: files the previous attempt
            holds, and the unchanged chunks of a file that partly changed.
        bytes_unchanged: Bytes of files an earlier version already holds.
        seconds: From the capture's start to the commit and cleanup.
        blocked_seconds: How long the caller waited (the capture, for a
            background save).
    """

    version: str
    generation: FlyteGeneration
    files: int
    bytes_total: int
    bytes_uploaded: int
    bytes_copied: int
    bytes_unchanged: int
    seconds: float
    blocked_seconds: float


@dataclass(frozen=True)
class Source:
    """A committed checkpoint of Flyte 1's form: its prefix and manifest."""

    prefix: str
    manifest: Manifest


async def read_pointer(store: DataStore, prefix: str) -> Manifest | None:
    """The manifest beside ``prefix``; None when there is none.

    Raises:
        PayloadError: it is not a manifest plugio writes (naming its path).
    """
    ref = prefix + MANIFEST_SUFFIX
    try:
        data = await store.read_bytes_async(ref)
    except NotFoundError:
        return None
    return parse_manifest(data, ref)


async def list_sizes(store: DataStore, prefix: str) -> dict[str, int | None]:
    """Relative path -> size of every object under the folder ``prefix``."""
    found: dict[str, int | None] = {}
    async for page in store.list_async(prefix + "/"):
        found.update((relative_name(prefix, info.ref), info.size) for info in page)
    return found


class _Tally:
    """The figures of one save, and its progress over the bytes to move."""

    def __init__(self, total: int, progress: ProgressCallback | None) -> None:
        self.uploaded = self.copied = self.unchanged = 0
        self._total, self._done, self._progress = total, 0, progress

    def moved(self, size: int) -> None:
        self._done += size
        if self._progress is not None:
            self._progress(self._done, self._total)


async def commit(
    store: DataStore,
    prefix: str,
    capture: Capture,
    *,
    base: Source | None,
    previous: str,
    keep: int,
    progress: ProgressCallback | None,
) -> SaveResult:
    """Save ``capture`` as a new committed version of the checkpoint at ``prefix``."""
    started = time.monotonic()
    pointer = await read_pointer(store, prefix)
    current = pointer if pointer is not None and pointer.state == "committed" else None
    if pointer is None:  # the prefix's first save: say where a restore falls back to
        pending = Manifest(state="pending", base=previous)
        await store.write_bytes_async(prefix + MANIFEST_SUFFIX, pending.model_dump_json().encode())
    number = int(current.version.split("-")[0]) + 1 if current and current.version else 1
    version = f"{number:08d}-{secrets.token_hex(4)}"
    tally = _Tally(sum(item.size for item in capture.items), progress)
    large = [item for item in capture.items if item.size >= LARGE_FILE]
    small = [item for item in capture.items if item.size < LARGE_FILE]
    placed = await asyncio.gather(  # large files few at a time: each moves in parallel parts
        bounded_gather(
            [_placement(store, prefix, version, i, capture, current, base, tally) for i in large],
            LARGE_AT_ONCE,
        ),
        bounded_gather(
            [_placement(store, prefix, version, i, capture, current, base, tally) for i in small],
            store.transfer_concurrency,
        ),
    )
    entries = [*placed[0], *placed[1]]
    kept = ([current.version, *current.kept] if current and current.version else [])[: keep - 1]
    manifest = Manifest(
        state="committed",
        base=previous,
        version=version,
        kept=kept,
        mirrored=current.mirrored if current else "",
        files=sorted(entries, key=lambda entry: entry.path),
    )
    data = manifest.model_dump_json().encode()
    await store.write_bytes_async(object_ref(prefix + VERSIONS_SUFFIX, f"{version}.json"), data)
    await store.write_bytes_async(prefix + MANIFEST_SUFFIX, data)  # the commit
    await _mirror(store, prefix, manifest, current)
    mirrored = manifest.model_copy(update={"mirrored": version})
    await store.write_bytes_async(prefix + MANIFEST_SUFFIX, mirrored.model_dump_json().encode())
    await _sweep(store, prefix, mirrored)
    return SaveResult(
        version=version,
        generation=FlyteGeneration.FLYTE1,
        files=len(entries),
        bytes_total=sum(entry.size for entry in entries),
        bytes_uploaded=tally.uploaded,
        bytes_copied=tally.copied,
        bytes_unchanged=tally.unchanged,
        seconds=time.monotonic() - started,
        blocked_seconds=0.0,
    )


def _placement(
    store: DataStore,
    prefix: str,
    version: str,
    item: Item,
    capture: Capture,
    current: Manifest | None,
    base: Source | None,
    tally: _Tally,
) -> Callable[[], Awaitable[ManifestEntry]]:
    """A job putting ``item``'s bytes where the new version's entry says they are."""

    async def place() -> ManifestEntry:
        held = _holding(current, item) if current is not None else None
        chunks = list(item.digest.chunks)
        entry = ManifestEntry(
            path=item.name, size=item.size, sha256=item.sha256, version=version, chunks=chunks
        )
        if held is not None and held.version:  # an earlier version of this prefix holds it
            tally.unchanged += item.size
            tally.moved(item.size)
            return entry.model_copy(update={"version": held.version})
        target = version_ref(prefix, entry)
        copied = _holding(base.manifest, item) if base is not None else None
        if copied is not None and await _copy(store, version_ref(base.prefix, copied), target):  # type: ignore[union-attr]
            tally.copied += item.size
            tally.moved(item.size)
            return entry
        staged: str | None = item.staged or capture.inherited.get(item.sha256)
        if staged is None:  # the save that staged these bytes never committed: read them again
            again = os.path.join(capture.scratch, "again", item.name)
            restaged, digest, size = await asyncio.to_thread(stage_file, item.source, again, "copy")
            update = {"sha256": digest.sha256, "chunks": list(digest.chunks), "size": size}
            entry = entry.model_copy(update=update)
            staged = restaged
        before = (base.prefix, base.manifest) if base is not None else None
        earlier = stored_before(entry, (prefix, current), before)
        pieces = changed_pieces(entry, staged, *earlier) if earlier is not None else []
        if await compose(store, target, pieces):  # only the chunks that changed
            sent = sum(piece.size for piece in pieces if piece.local)
            tally.uploaded += sent
            tally.copied += entry.size - sent
        else:
            await store.put_async(staged, target)
            tally.uploaded += entry.size
        tally.moved(entry.size)
        return entry

    return place


def _holding(manifest: Manifest, item: Item) -> ManifestEntry | None:
    """An entry of ``manifest`` with ``item``'s bytes: the same path first, then any."""
    same = manifest.entry(item.name)
    if same is not None and (same.sha256, same.size) == (item.sha256, item.size):
        return same
    return next(
        (e for e in manifest.files if (e.sha256, e.size) == (item.sha256, item.size) and e.version),
        None,
    )


async def _copy(store: DataStore, source_ref: str, target_ref: str) -> bool:
    """Copy inside the store; False when it cannot (the caller uploads instead)."""
    if _protocol(source_ref) != _protocol(target_ref):
        return False
    try:
        await store.copy_async(source_ref, target_ref)
    except (PlugioError, NotImplementedError):
        return False
    return True


async def _mirror(
    store: DataStore, prefix: str, manifest: Manifest, current: Manifest | None
) -> None:
    """Bring the checkpoint folder (what Flyte's SDK reads) to ``manifest``'s files."""
    whole = current is None or not current.version or current.mirrored != current.version
    before = {e.path: (e.sha256, e.size) for e in current.files} if current and not whole else {}
    changed = [e for e in manifest.files if before.get(e.path) != (e.sha256, e.size)]
    jobs = [_copier(store, version_ref(prefix, e), object_ref(prefix, e.path)) for e in changed]
    await bounded_gather(jobs, store.transfer_concurrency)
    names = {entry.path for entry in manifest.files}
    stale = sorted(set(await list_sizes(store, prefix)) - names)
    deletions = [_deleter(store, object_ref(prefix, name)) for name in stale]
    await bounded_gather(deletions, store.transfer_concurrency)
    if stale and not parse_reference(prefix).scheme:
        await asyncio.to_thread(_prune_empty_folders, prefix)


def _prune_empty_folders(folder: str) -> None:
    """Remove the empty folders a local deletion left: Flyte 1's SDK counts them as entries."""
    for parent, _, _ in sorted(os.walk(folder), key=lambda entry: -len(entry[0])):
        if parent != folder and not os.listdir(parent):
            os.rmdir(parent)


async def _sweep(store: DataStore, prefix: str, manifest: Manifest) -> None:
    """Delete what no kept version references: older versions, and what killed saves left."""
    keep = {f"{manifest.version}.json", *(f"{v}.json" for v in manifest.kept)}
    referenced = {f"{e.version}/{e.path}" for e in manifest.files}
    for older in manifest.kept:
        try:
            data = await store.read_bytes_async(
                object_ref(prefix + VERSIONS_SUFFIX, f"{older}.json")
            )
        except NotFoundError:
            continue
        referenced.update(f"{e.version}/{e.path}" for e in parse_manifest(data, older).files)
    folder = prefix + VERSIONS_SUFFIX
    stale = sorted(set(await list_sizes(store, folder)) - keep - referenced)
    deletions = [_deleter(store, object_ref(folder, name)) for name in stale]
    await bounded_gather(deletions, store.transfer_concurrency)


async def save_object(store: DataStore, prefix: str, capture: Capture) -> SaveResult:
    """Write ``capture`` as Flyte 2's single object at ``prefix``, replacing it whole.

    A value or a file is the object as it is; a folder is a gzip tar of its
    top-level entries, as ``flyte.Checkpoint`` writes it.
    """
    started = time.monotonic()
    if capture.kind == "folder":
        upload = os.path.join(capture.scratch, "checkpoint.tar.gz")
        staged = all(item.staged != item.source for item in capture.items)
        tree = os.path.join(capture.scratch, "files") if staged else capture.root
        await asyncio.to_thread(_tar_folder, tree, upload)
    else:
        (item,) = capture.items
        upload = item.staged or item.source
    await store.put_async(upload, prefix)
    size = os.path.getsize(upload)
    return SaveResult(
        version="",
        generation=FlyteGeneration.FLYTE2,
        files=len(capture.items),
        bytes_total=sum(item.size for item in capture.items),
        bytes_uploaded=size,
        bytes_copied=0,
        bytes_unchanged=0,
        seconds=time.monotonic() - started,
        blocked_seconds=0.0,
    )


def _tar_folder(folder: str, target: str) -> None:
    with tarfile.open(target, "w:gz") as tar:
        if os.path.isdir(folder):
            for name in sorted(os.listdir(folder)):
                tar.add(os.path.join(folder, name), arcname=name, recursive=True)


def _copier(store: DataStore, source: str, target: str) -> Callable[[], Awaitable[None]]:
    """Copy inside the store; through a local file when the store cannot copy."""

    async def copy() -> None:
        if await _copy(store, source, target):
            return
        with tempfile.TemporaryDirectory(prefix="plugio-cp-") as scratch:
            local = os.path.join(scratch, "object")
            await store.get_async(source, local)
            await store.put_async(local, target)

    return copy


def _deleter(store: DataStore, ref: str) -> Callable[[], Awaitable[None]]:
    return lambda: store.delete_async(ref)


def _protocol(ref: str) -> str:
    """The reference's scheme; ``file`` for a bare local path."""
    return parse_reference(ref).scheme or "file"
