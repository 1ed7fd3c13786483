"""Checkpoints: a task attempt saves its progress, and its next attempt resumes from it.

The layout is Flyte's: the files of a checkpoint sit under the attempt's
checkpoint prefix, ``<raw output prefix>/_flytecheckpoints``, with the names
they had locally (a single value written with :meth:`Checkpoint.write` or a
stream is ``_dst_cp``, flytekit's name). Flyte's SDK restores a plugio
checkpoint by listing and downloading that folder, as it does its own.

**Atomic saves.** Beside the folder, plugio keeps a manifest,
``<checkpoint prefix>.plugio-manifest.json``: every file's path, size and
SHA-256. A save marks it *pending* first, then uploads, deletes files of an
earlier save that are gone, and marks it *committed* with the new file list
last. A restore trusts only a committed manifest whose files are all there
with their size and hash; a pending one (the attempt died mid-save) or a
broken one is never restored: the restore falls back to the checkpoint that
save started from (the manifest records it), and to nothing when there is
none. The manifest sits outside the folder so that Flyte's SDK, which expects
exactly one file for ``read()``, sees only the checkpoint's own files.

**Flyte's checkpoints.** A prefix with no manifest was written by Flyte's SDK
(or by anything else): it is restored as it is, every object under it.

**Unchanged files.** A file whose size and hash equal the committed manifest
of the same prefix (an earlier save of this attempt) is not touched; one equal
to the previous attempt's committed manifest is copied inside the store
(server-side on S3, GCS and Azure) instead of uploaded, falling back to an
upload when the store cannot copy. Every checkpoint folder is thus complete on
its own, as Flyte's SDK needs. Files move at most the store's
``transfer_concurrency`` at a time, and the first failure stops the save
(its manifest stays pending).

A checkpoint is a snapshot: each save replaces the whole previous one of the
attempt. One :class:`Checkpoint` must not save from two threads at once.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from plugio._twins import run_blocking
from plugio.errors import ConfigurationError, NotFoundError, PayloadError, PlugioError
from plugio.paths import CheckpointPaths
from plugio.references import parse_reference
from plugio.storage import DataStore, bounded_gather
from plugio.task._checkpoint_files import (
    MANIFEST_SUFFIX,
    VALUE_FILE,
    Manifest,
    ManifestEntry,
    describe_all,
    local_files,
    move_verified,
    normalized_prefix,
    object_ref,
    parse_manifest,
    relative_name,
    sha256,
    verified_names,
)

__all__ = ["MANIFEST_SUFFIX", "VALUE_FILE", "Checkpoint"]

_MAX_FALLBACKS = 8


@dataclass(frozen=True)
class _Source:
    """A checkpoint to restore: its prefix and, unless Flyte's SDK wrote it, its manifest."""

    prefix: str
    manifest: Manifest | None


class Checkpoint:
    """Saves this attempt's checkpoint and restores the previous attempt's.

    Build it from the attempt's paths, or from the two prefixes::

        Checkpoint(store, paths)
        Checkpoint(store, checkpoint_prefix=..., previous_checkpoint_prefix=...)

    Args:
        store: The store holding both prefixes.
        paths: Give ``get_checkpoint_prefix()`` and ``get_previous_checkpoints_prefix()``.
        checkpoint_prefix: Where this attempt saves; ``""`` for nowhere (saving raises).
        previous_checkpoint_prefix: What to restore; ``""`` on a first attempt.

    Raises:
        ConfigurationError: both or neither of ``paths`` and the prefixes given.
    """

    def __init__(
        self,
        store: DataStore,
        paths: CheckpointPaths | None = None,
        *,
        checkpoint_prefix: str | None = None,
        previous_checkpoint_prefix: str | None = None,
    ) -> None:
        if (paths is None) == (checkpoint_prefix is None and previous_checkpoint_prefix is None):
            raise ConfigurationError("give either checkpoint paths or the checkpoint prefixes")
        if paths is not None:
            checkpoint_prefix = paths.get_checkpoint_prefix()
            previous_checkpoint_prefix = paths.get_previous_checkpoints_prefix()
        self._store = store
        self._prefix = normalized_prefix(checkpoint_prefix)
        self._previous = normalized_prefix(previous_checkpoint_prefix)
        self._restored: _Source | None = None

    @property
    def checkpoint_prefix(self) -> str:
        """Where this attempt's checkpoint goes (``""``: nowhere)."""
        return self._prefix

    @property
    def previous_checkpoint_prefix(self) -> str:
        """The previous attempt's checkpoint (``""``: none)."""
        return self._previous

    def __repr__(self) -> str:
        return f"Checkpoint(checkpoint_prefix={self._prefix!r}, previous={self._previous!r})"

    # -- restore ------------------------------------------------------------
    def restore(self, local_dir: str | os.PathLike[str] | None = None) -> Path | None:
        """Download the previous attempt's checkpoint into ``local_dir``; the folder, or None.

        None on a first attempt (no previous prefix), when nothing is there,
        and when no complete checkpoint is (see the module notes). Files land
        under their final names only once the whole checkpoint is verified.
        Without ``local_dir``, a new temporary folder is used.
        """
        return run_blocking(self.restore_async(local_dir))

    async def restore_async(self, local_dir: str | os.PathLike[str] | None = None) -> Path | None:
        """Async twin of :meth:`restore`."""
        async for source in self._sources():
            sizes = await self._listing(source.prefix)
            if source.manifest is None and not sizes:
                return None  # Flyte's layout, and nothing there
            if source.manifest is not None and any(
                sizes.get(entry.path) != entry.size for entry in source.manifest.files
            ):
                continue  # a file is missing or cut short: never half a checkpoint
            restored = await self._fetch(source, bool(sizes), local_dir)
            if restored is not None:
                self._restored = source
                return restored
        return None

    async def _fetch(
        self, source: _Source, anything: bool, local_dir: str | os.PathLike[str] | None
    ) -> Path | None:
        """Download ``source`` through a staging folder; None when a hash does not match."""
        target = Path(local_dir if local_dir is not None else tempfile.mkdtemp(prefix="plugio-cp-"))
        target.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".plugio-restore-", dir=target))
        try:
            if anything:
                await self._store.get_async(source.prefix, staging)
            names = await asyncio.to_thread(verified_names, staging, source.manifest)
            if names is None:
                return None
            await asyncio.to_thread(move_verified, staging, target, names)
            return target
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    # -- read / write ---------------------------------------------------------
    def read(self) -> bytes | None:
        """The previous attempt's single checkpoint file, or None when there is none.

        Raises:
            PayloadError: the checkpoint holds more than one file (as flytekit).
        """
        return run_blocking(self.read_async())

    async def read_async(self) -> bytes | None:
        """Async twin of :meth:`read`."""
        async for source in self._sources():
            if source.manifest is not None:
                names = [entry.path for entry in source.manifest.files]
            else:
                names = sorted(await self._listing(source.prefix))
            if len(names) > 1:
                message = f"expected one checkpoint file under {source.prefix}, found {len(names)}"
                raise PayloadError(message, source.prefix)
            if not names:
                return None
            try:
                data = await self._store.read_bytes_async(object_ref(source.prefix, names[0]))
            except NotFoundError:
                continue
            if source.manifest is None or sha256(data) == source.manifest.files[0].sha256:
                return data
        return None

    def write(self, data: bytes) -> None:
        """Save ``data`` as the whole checkpoint (one file, ``_dst_cp``)."""
        run_blocking(self.write_async(data))

    async def write_async(self, data: bytes) -> None:
        """Async twin of :meth:`write`."""
        await self.save_async(io.BytesIO(data))

    # -- save ---------------------------------------------------------------
    def save(self, source: str | os.PathLike[str] | IO[bytes]) -> None:
        """Save a file, a folder's files, or a binary stream as this attempt's checkpoint.

        A file keeps its name; a folder's files keep their paths under it; a
        stream is read to its end and saved as ``_dst_cp``. The checkpoint is
        committed atomically (see the module notes) and replaces any earlier
        one of this attempt.

        Raises:
            ConfigurationError: there is no checkpoint prefix.
            NotFoundError: ``source`` is a path that does not exist.
            StorageError: an upload failed; the checkpoint stays pending.
        """
        run_blocking(self.save_async(source))

    async def save_async(self, source: str | os.PathLike[str] | IO[bytes]) -> None:
        """Async twin of :meth:`save`."""
        prefix = self._require_prefix()
        with tempfile.TemporaryDirectory(prefix="plugio-cp-") as scratch:
            files = await asyncio.to_thread(local_files, source, scratch)
            entries = await asyncio.to_thread(describe_all, files)
            current = await self._committed(prefix)
            base = self._restored or await self._previous_source()
            await self._write_manifest(prefix, "pending", [])
            await self._transfer(prefix, files, entries, current, base)
            await self._delete_stale(prefix, set(entries))
            await self._write_manifest(prefix, "committed", list(entries.values()))

    async def _transfer(
        self,
        prefix: str,
        files: list[tuple[str, str]],
        entries: dict[str, ManifestEntry],
        current: Manifest | None,
        base: _Source | None,
    ) -> None:
        kept = {entry.path: entry for entry in current.files} if current else {}
        reusable = {e.path: e for e in base.manifest.files} if base and base.manifest else {}

        def job(name: str, local_path: str) -> Callable[[], Awaitable[None]]:
            async def transfer() -> None:
                ref = object_ref(prefix, name)
                same = base is not None and reusable.get(name) == entries[name]
                copied = object_ref(base.prefix, name) if base is not None and same else None
                if copied is not None and await self._copy(copied, ref):
                    return
                await self._store.put_async(local_path, ref)

            return transfer

        changed = [job(name, path) for name, path in files if kept.get(name) != entries[name]]
        await bounded_gather(changed, self._store.transfer_concurrency)

    async def _copy(self, source_ref: str, target_ref: str) -> bool:
        """Copy inside the store; False when it cannot (the caller uploads instead).

        The copy only saves an upload, so any storage failure (after the
        store's retries) falls back to one.
        """
        if _protocol(source_ref) != _protocol(target_ref):
            return False
        try:
            await self._store.copy_async(source_ref, target_ref)
        except (PlugioError, NotImplementedError):
            return False
        return True

    async def _delete_stale(self, prefix: str, names: set[str]) -> None:
        stale = sorted(set(await self._listing(prefix)) - names)
        deletions = [_deletion(self._store, object_ref(prefix, name)) for name in stale]
        await bounded_gather(deletions, self._store.transfer_concurrency)

    # -- manifests ----------------------------------------------------------
    async def _sources(self) -> AsyncIterator[_Source]:
        """The checkpoints a restore may use, best first: previous, then its bases."""
        prefix, seen = self._previous, set[str]()
        while prefix and prefix not in seen and len(seen) < _MAX_FALLBACKS:
            seen.add(prefix)
            manifest = await self._manifest(prefix)
            if manifest is None:
                yield _Source(prefix, None)
                return
            if manifest.state == "committed":
                yield _Source(prefix, manifest)
            prefix = manifest.base

    async def _previous_source(self) -> _Source | None:
        manifest = await self._committed(self._previous) if self._previous else None
        return _Source(self._previous, manifest) if manifest else None

    async def _committed(self, prefix: str) -> Manifest | None:
        manifest = await self._manifest(prefix)
        return manifest if manifest is not None and manifest.state == "committed" else None

    async def _manifest(self, prefix: str) -> Manifest | None:
        """The manifest beside ``prefix``; None when absent; a pending one when unreadable."""
        try:
            data = await self._store.read_bytes_async(prefix + MANIFEST_SUFFIX)
        except NotFoundError:
            return None
        return parse_manifest(data)

    async def _write_manifest(
        self, prefix: str, state: Literal["pending", "committed"], files: list[ManifestEntry]
    ) -> None:
        ordered = sorted(files, key=lambda entry: entry.path)
        manifest = Manifest(state=state, base=self._previous, files=ordered)
        data = manifest.model_dump_json().encode()
        await self._store.write_bytes_async(prefix + MANIFEST_SUFFIX, data)

    async def _listing(self, prefix: str) -> dict[str, int | None]:
        """Relative path -> size of every object under the folder ``prefix``."""
        found: dict[str, int | None] = {}
        async for page in self._store.list_async(prefix + "/"):
            found.update((relative_name(prefix, info.ref), info.size) for info in page)
        return found

    def _require_prefix(self) -> str:
        if not self._prefix:
            raise ConfigurationError("this attempt has no checkpoint prefix (no raw output prefix)")
        parsed = parse_reference(self._prefix)
        if parsed.scheme and not parsed.key:  # the manifest would land beside the bucket
            raise ConfigurationError(f"a checkpoint prefix needs a key: {self._prefix}")
        return self._prefix


def _deletion(store: DataStore, ref: str) -> Callable[[], Awaitable[None]]:
    return lambda: store.delete_async(ref)


def _protocol(ref: str) -> str:
    """The reference's scheme; ``file`` for a bare local path."""
    return parse_reference(ref).scheme or "file"
