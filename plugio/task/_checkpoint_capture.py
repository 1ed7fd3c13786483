"""Capturing what a save holds, before its upload: the files that look changed, staged.

A save looks at every file's size, modification and change times and inode
first; only a file where one of them differs from what the last capture of
the same :class:`Checkpoint` recorded is read, hashed and staged (copied, or
hard-linked, into a private folder), so the caller may change its files as
soon as the capture returns. A file that looks unchanged keeps the hash the
cache recorded, and is never read again.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

from plugio.errors import ConfigurationError, NotFoundError
from plugio.task._checkpoint_files import VALUE_FILE, ContentHash, Digest, file_digest

__all__ = [
    "Capture",
    "CaptureMode",
    "Item",
    "StatCache",
    "capture",
    "discard",
    "stage_file",
    "stat_key",
]

CaptureMode = Literal["copy", "link", "none"]
"""How a save captures a changed file: a private copy, a hard link, or none (the
caller leaves its files alone until the save is done)."""
_COPY_CHUNK = 8 * 1024 * 1024
_StatKey = tuple[int, int, int, int]


@dataclass
class Item:
    """One file of a captured save.

    ``staged`` is the local file to upload, or None when the file looked
    unchanged (its digest is the one recorded then); ``source`` is the
    caller's path, read again only if nothing else holds those bytes.
    """

    name: str
    source: str
    staged: str | None
    size: int
    digest: Digest

    @property
    def sha256(self) -> str:
        """What names its bytes (see :class:`Digest`)."""
        return self.digest.sha256


@dataclass
class Capture:
    """What one save captured: its files, the kind of thing saved, its staging folder."""

    items: list[Item]
    kind: Literal["file", "folder", "value"]
    scratch: str
    root: str = ""
    """The folder saved, for a folder."""
    seconds: float = 0.0
    inherited: dict[str, str] = field(default_factory=dict)
    """SHA-256 -> staged file of a dropped save, for files that looked unchanged since."""


class StatCache:
    """What the last captures saw of each local file: its stat key and digest."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[_StatKey, Digest]] = {}
        self._lock = threading.Lock()

    def known(self, path: str, key: _StatKey) -> Digest | None:
        """The digest recorded for ``path`` if its stat key is still ``key``."""
        with self._lock:
            seen = self._seen.get(path)
        return seen[1] if seen is not None and seen[0] == key else None

    def record(self, path: str, key: _StatKey, digest: Digest) -> None:
        """Remember that ``path`` with stat key ``key`` holds ``digest``."""
        with self._lock:
            self._seen[path] = (key, digest)

    def forget(self) -> None:
        """Forget everything: the next capture reads every file."""
        with self._lock:
            self._seen.clear()


def capture(
    source: str | os.PathLike[str] | IO[bytes],
    scratch: str,
    mode: CaptureMode,
    cache: StatCache | None,
) -> Capture:
    """Capture ``source`` (a file, a folder's files or a binary stream) into ``scratch``.

    Without a ``cache`` every file is staged.

    Raises:
        NotFoundError: ``source`` is a path where nothing exists.
        ConfigurationError: ``mode`` is not one of :data:`CaptureMode`.
    """
    if mode not in ("copy", "link", "none"):
        raise ConfigurationError(f"capture must be copy, link or none, not {mode!r}")
    if not isinstance(source, str | os.PathLike):
        staged = os.path.join(scratch, "files", VALUE_FILE)
        os.makedirs(os.path.dirname(staged), exist_ok=True)
        digest, size = _spool(source, staged)
        return Capture([Item(VALUE_FILE, "", staged, size, digest)], "value", scratch)
    path = os.fspath(source)
    if os.path.isfile(path):
        files, kind = [(os.path.basename(path), path)], "file"
    elif os.path.isdir(path):
        files, kind = _folder_files(path), "folder"
    else:
        raise NotFoundError("nothing to save: no such file or folder", path)
    items = [_capture_one(name, local, scratch, mode, cache) for name, local in files]
    if kind == "folder" and mode != "none":  # Flyte 2's tar keeps empty folders too
        for folder, _, _ in os.walk(path):
            relative = os.path.relpath(folder, path)
            os.makedirs(os.path.join(scratch, "files", relative), exist_ok=True)
    return Capture(items, kind, scratch, root=path)  # type: ignore[arg-type]


def _folder_files(path: str) -> list[tuple[str, str]]:
    return [
        (Path(folder, name).relative_to(path).as_posix(), os.path.join(folder, name))
        for folder, _, names in sorted(os.walk(path))
        for name in sorted(names)
        if os.path.isfile(os.path.join(folder, name))
    ]


def _capture_one(
    name: str, local: str, scratch: str, mode: CaptureMode, cache: StatCache | None
) -> Item:
    before = stat_key(local)
    known = cache.known(local, before) if cache is not None else None
    if known is not None:
        return Item(name, local, None, before[0], known)
    staged, digest, size = stage_file(local, os.path.join(scratch, "files", name), mode)
    if cache is not None:
        # A hard link changes the file's change time: remember the key after it.
        cache.record(local, stat_key(local) if mode == "link" else before, digest)
    return Item(name, local, staged, size, digest)


def stage_file(local: str, staged: str, mode: CaptureMode) -> tuple[str, Digest, int]:
    """Stage ``local`` at ``staged`` as ``mode`` says; the file to upload, its digest and size."""
    if mode == "none":
        return local, file_digest(local), os.path.getsize(local)
    os.makedirs(os.path.dirname(staged), exist_ok=True)
    if mode == "link":
        try:
            os.link(local, staged)
        except OSError:
            pass  # another file system, or links refused: copy instead
        else:
            return staged, file_digest(staged), os.path.getsize(staged)
    with open(local, "rb") as reader:
        digest, size = _spool(reader, staged)
    return staged, digest, size


def _spool(reader: IO[bytes], target: str) -> tuple[Digest, int]:
    """Copy ``reader`` to ``target``, hashing on the way; its digest and size."""
    hasher, size = ContentHash(), 0
    with open(target, "wb") as writer:
        while chunk := reader.read(_COPY_CHUNK):
            hasher.update(chunk)
            writer.write(chunk)
            size += len(chunk)
    return hasher.digest(), size


def stat_key(path: str) -> _StatKey:
    info = os.stat(path)
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def discard(scratch: str) -> None:
    """Remove a capture's staging folder."""
    shutil.rmtree(scratch, ignore_errors=True)
