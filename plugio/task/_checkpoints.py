"""Checkpoints: a task attempt saves its progress, and its next attempt resumes from it.

A checkpoint lives at the attempt's checkpoint prefix,
``<raw output prefix>/_flytecheckpoints``, in one of Flyte's two forms; a
:class:`Checkpoint` saves in the form of its ``flyte`` generation and
restores whichever form it finds.

**Flyte 1's form, versioned.** A save never touches the last committed
save: its files go to a new version folder beside the checkpoint,
``<prefix>.plugio-versions/<version>/``, and it becomes the current one by
one atomic write of the pointer ``<prefix>.plugio-manifest.json`` (every
file's path, size, digest and the version holding its bytes). Only then is
the folder ``<prefix>/`` that Flyte 1's SDK reads brought to the new files
(changed files only, copied inside the store), and versions beyond ``keep``
deleted. A process killed at any moment leaves the last committed save
whole: a restore reads the pointer, never the folder, and verifies every
file's hash. While a save is in flight, Flyte 1's SDK sees the previous
save's files in the folder; while the folder is brought up to date (after
the commit) it may see some of each, the same as with its own saves.

**Flyte 2's form.** One object at the prefix: the bytes or file as given,
or a gzip tar of a folder's top-level entries, as ``flyte.Checkpoint``
writes it. Each save replaces the object whole (one upload, which the store
publishes atomically), so Flyte 2's SDK sees the old object or the new one.

**Restoring.** A restore takes the newest checkpoint of this attempt (a
process restarted within the attempt), else the previous attempt's, else
what the previous attempt's first save started from. A committed version is
verified file by file; Flyte 2's object and a folder that Flyte 1's SDK
wrote (no pointer) are taken as they are. What cannot be read raises a
:class:`~plugio.errors.PayloadError` naming the path, never "no checkpoint".

**Only what changed moves.** A file whose size, modification and change
times and inode equal what the last capture of this object saw is not read
again; a changed-looking one is hashed, and its bytes are referenced when an
earlier version holds them, copied inside the store when the previous
attempt does, and uploaded otherwise (large files in parallel parts; a
file in chunks that partly changed sends only its changed chunks, where the
store composes objects).

**In the background.** ``save(..., wait=False)`` returns once the changed
files are staged (copied or hard-linked into a private folder); uploads run
in order on a worker thread, at most one waiting (a newer save replaces it).
A failure is raised by the next save, :meth:`Checkpoint.flush` or restore.
One :class:`Checkpoint` is used from one thread at a time.
"""

from __future__ import annotations

import asyncio
import io
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import IO, Literal, overload

from plugio._twins import run_blocking
from plugio.errors import ConfigurationError
from plugio.generation import FlyteGeneration
from plugio.paths import CheckpointPaths
from plugio.references import parse_reference
from plugio.storage import DataStore, ProgressCallback
from plugio.task._checkpoint_background import SaveHandle, Saver
from plugio.task._checkpoint_capture import Capture, CaptureMode, StatCache, capture, discard
from plugio.task._checkpoint_files import MANIFEST_SUFFIX, VALUE_FILE, normalized_prefix
from plugio.task._checkpoint_restore import Found, RestoreResult, find, read_value, restore_found
from plugio.task._checkpoint_versions import SaveResult, Source, commit, save_object

__all__ = [
    "MANIFEST_SUFFIX",
    "VALUE_FILE",
    "Checkpoint",
    "RestoreResult",
    "SaveHandle",
    "SaveResult",
]

Saved = str | os.PathLike[str] | IO[bytes]


class Checkpoint:
    """Saves this attempt's checkpoint and restores the newest one there is.

    Build it from the attempt's paths, or from the two prefixes::

        Checkpoint(store, paths)
        Checkpoint(store, checkpoint_prefix=..., previous_checkpoint_prefix=...)

    Args:
        store: The store holding both prefixes.
        paths: Give ``get_checkpoint_prefix()`` and ``get_previous_checkpoints_prefix()``.
        checkpoint_prefix: Where this attempt saves; ``""`` for nowhere (saving raises).
        previous_checkpoint_prefix: What to restore; ``""`` on a first attempt.
        flyte: The form saves are written in (restores read either); by
            default the store's generation (``store.flyte``).
        keep: Committed versions kept in Flyte 1's form (at least 1).

    Raises:
        ConfigurationError: both or neither of ``paths`` and the prefixes
            given, or ``keep`` below 1.
    """

    def __init__(
        self,
        store: DataStore,
        paths: CheckpointPaths | None = None,
        *,
        checkpoint_prefix: str | None = None,
        previous_checkpoint_prefix: str | None = None,
        flyte: FlyteGeneration | int | str | None = None,
        keep: int = 2,
    ) -> None:
        if (paths is None) == (checkpoint_prefix is None and previous_checkpoint_prefix is None):
            raise ConfigurationError("give either checkpoint paths or the checkpoint prefixes")
        if keep < 1:
            raise ConfigurationError(f"a checkpoint keeps at least 1 version, not {keep}")
        if paths is not None:
            checkpoint_prefix = paths.get_checkpoint_prefix()
            previous_checkpoint_prefix = paths.get_previous_checkpoints_prefix()
        self._store = store
        self._prefix = normalized_prefix(checkpoint_prefix)
        self._previous = normalized_prefix(previous_checkpoint_prefix)
        try:
            self._flyte = store.flyte if flyte is None else FlyteGeneration.parse(flyte)
        except ValueError as error:
            raise ConfigurationError(str(error)) from None
        self._keep = keep
        self._base: Source | None = None
        self._base_known = False
        self._cache = StatCache()
        self._saver = Saver(self._run, self._cache.forget)
        self._last_restore: RestoreResult | None = None

    @property
    def checkpoint_prefix(self) -> str:
        """Where this attempt's checkpoint goes (``""``: nowhere)."""
        return self._prefix

    @property
    def previous_checkpoint_prefix(self) -> str:
        """The previous attempt's checkpoint (``""``: none)."""
        return self._previous

    @property
    def flyte(self) -> FlyteGeneration:
        """The generation whose form saves are written in."""
        return self._flyte

    @property
    def last_restore(self) -> RestoreResult | None:
        """What the last restore found and moved (None before one found anything)."""
        return self._last_restore

    def __repr__(self) -> str:
        return (
            f"Checkpoint(checkpoint_prefix={self._prefix!r}, previous={self._previous!r},"
            f" flyte={self._flyte.value})"
        )

    # -- restore ------------------------------------------------------------
    def restore(
        self,
        local_dir: str | os.PathLike[str] | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> Path | None:
        """Download the newest checkpoint into ``local_dir``; the folder, or None for none.

        Files land under their final names only once the whole checkpoint is
        there and verified; Flyte 2's single non-tar object lands as
        ``payload``. Without ``local_dir``, a new temporary folder is used.
        ``progress(done, total)`` follows the bytes; :attr:`last_restore`
        holds the figures.

        Raises:
            PayloadError: a checkpoint is there but cannot be read (naming it).
        """
        return run_blocking(self.restore_async(local_dir, progress=progress))

    async def restore_async(
        self,
        local_dir: str | os.PathLike[str] | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> Path | None:
        """Async twin of :meth:`restore`."""
        await asyncio.to_thread(self._saver.flush)
        found = await find(self._store, [self._prefix, self._previous])
        if found is None:
            return None
        target = Path(local_dir if local_dir is not None else tempfile.mkdtemp(prefix="plugio-cp-"))
        restored, result = await restore_found(self._store, found, target, self._cache, progress)
        self._remember(found)
        self._last_restore = result
        return restored

    # -- read / write ---------------------------------------------------------
    def read(self) -> bytes | None:
        """The newest checkpoint's single file, or None when there is none.

        Raises:
            PayloadError: the checkpoint holds more than one file (as flytekit),
                or cannot be read.
        """
        return run_blocking(self.read_async())

    async def read_async(self) -> bytes | None:
        """Async twin of :meth:`read`."""
        await asyncio.to_thread(self._saver.flush)
        found = await find(self._store, [self._prefix, self._previous])
        return await read_value(self._store, found) if found is not None else None

    def write(self, data: bytes) -> SaveResult:
        """Save ``data`` as the whole checkpoint (Flyte 1: the file ``_dst_cp``)."""
        return self.save(io.BytesIO(data))

    async def write_async(self, data: bytes) -> SaveResult:
        """Async twin of :meth:`write`."""
        return await self.save_async(io.BytesIO(data))

    # -- save ---------------------------------------------------------------
    @overload
    def save(
        self,
        source: Saved,
        *,
        wait: Literal[True] = ...,
        capture: CaptureMode = ...,
        progress: ProgressCallback | None = ...,
    ) -> SaveResult: ...
    @overload
    def save(
        self,
        source: Saved,
        *,
        wait: Literal[False],
        capture: CaptureMode = ...,
        progress: ProgressCallback | None = ...,
    ) -> SaveHandle: ...
    def save(
        self,
        source: Saved,
        *,
        wait: bool = True,
        capture: CaptureMode = "copy",
        progress: ProgressCallback | None = None,
    ) -> SaveResult | SaveHandle:
        """Save a file, a folder's files, or a binary stream as this attempt's checkpoint.

        A file keeps its name; a folder's files keep their paths under it; a
        stream is read to its end and saved as ``_dst_cp``. With ``wait=False``
        the call returns a :class:`SaveHandle` once the changed files are
        captured (``capture``: ``copy``; ``link``, for files replaced by a
        rename and never rewritten in place; or ``none``, when the caller
        leaves them alone until the handle is done) and the upload runs in
        the background (see the module notes).

        Raises:
            ConfigurationError: there is no checkpoint prefix.
            NotFoundError: ``source`` is a path that does not exist.
            StorageError: an upload failed, now or in an earlier background
                save; the last committed save stays.
        """
        self._require_prefix()
        started = time.monotonic()
        if wait:
            self._saver.flush()
        else:
            self._saver.raise_error()
        captured = self._capture(source, capture, started)
        if not wait:
            return self._saver.submit(captured, progress)
        try:
            result = run_blocking(self._commit(captured, progress))
        except BaseException:
            self._cache.forget()
            raise
        finally:
            discard(captured.scratch)
        return replace(result, blocked_seconds=time.monotonic() - started)

    @overload
    async def save_async(
        self,
        source: Saved,
        *,
        wait: Literal[True] = ...,
        capture: CaptureMode = ...,
        progress: ProgressCallback | None = ...,
    ) -> SaveResult: ...
    @overload
    async def save_async(
        self,
        source: Saved,
        *,
        wait: Literal[False],
        capture: CaptureMode = ...,
        progress: ProgressCallback | None = ...,
    ) -> SaveHandle: ...
    async def save_async(
        self,
        source: Saved,
        *,
        wait: bool = True,
        capture: CaptureMode = "copy",
        progress: ProgressCallback | None = None,
    ) -> SaveResult | SaveHandle:
        """Async twin of :meth:`save`."""
        self._require_prefix()
        started = time.monotonic()
        if wait:
            await asyncio.to_thread(self._saver.flush)
        else:
            self._saver.raise_error()
        captured = await asyncio.to_thread(self._capture, source, capture, started)
        if not wait:
            return self._saver.submit(captured, progress)
        try:
            result = await self._commit(captured, progress)
        except BaseException:
            self._cache.forget()
            raise
        finally:
            discard(captured.scratch)
        return replace(result, blocked_seconds=time.monotonic() - started)

    def flush(self) -> None:
        """Wait for every background save; raise the failure of one, if any."""
        self._saver.flush()

    async def flush_async(self) -> None:
        """Async twin of :meth:`flush`."""
        await asyncio.to_thread(self._saver.flush)

    # -- internals ----------------------------------------------------------
    def _capture(self, source: Saved, mode: CaptureMode, started: float) -> Capture:
        scratch = tempfile.mkdtemp(prefix="plugio-cp-")
        try:
            cache = self._cache if self._flyte is FlyteGeneration.FLYTE1 else None
            captured = capture(source, scratch, mode, cache)
        except BaseException:
            discard(scratch)
            raise
        captured.seconds = time.monotonic() - started
        return captured

    def _run(self, captured: Capture, progress: ProgressCallback | None) -> SaveResult:
        """Commit one background save (on the worker thread)."""
        return run_blocking(self._commit(captured, progress))

    async def _commit(self, captured: Capture, progress: ProgressCallback | None) -> SaveResult:
        prefix = self._prefix
        if self._flyte is FlyteGeneration.FLYTE2:
            return await save_object(self._store, prefix, captured)
        if not self._base_known and self._previous:
            self._remember(await find(self._store, [self._previous]))
        return await commit(
            self._store,
            prefix,
            captured,
            base=self._base,
            previous=self._previous,
            keep=self._keep,
            progress=progress,
        )

    def _remember(self, found: Found | None) -> None:
        """Where unchanged files may be copied from: the committed version found."""
        if found is not None and found.prefix != self._prefix:
            self._base, self._base_known = found.source, True
        elif found is None:
            self._base_known = True

    def _require_prefix(self) -> str:
        if not self._prefix:
            raise ConfigurationError("this attempt has no checkpoint prefix (no raw output prefix)")
        parsed = parse_reference(self._prefix)
        if parsed.scheme and not parsed.key:  # the manifest would land beside the bucket
            raise ConfigurationError(f"a checkpoint prefix needs a key: {self._prefix}")
        return self._prefix
