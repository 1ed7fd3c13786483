"""A checkpoint's manifest and the names of its objects; nothing here touches storage.

The manifest (its states and what a restore trusts are described in
:mod:`plugio.task._checkpoints`) lists every file of one saved version with
its size and digest, and the version whose folder holds its bytes: an
unchanged file is referenced, never stored twice.

A file of more than :data:`CHUNK_SIZE` bytes is hashed in chunks of that size
(format 3): its entry lists each chunk's SHA-256, and its ``sha256`` is the
SHA-256 of those digests one after the other. A save then stores again only
the chunks that changed, where the store can compose an object, and a restore
checks each chunk as it arrives, in parallel. A smaller file's ``sha256`` is
the SHA-256 of its bytes, as is every file's in formats 1 and 2.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel, ValidationError

from plugio.errors import PayloadError
from plugio.references import parse_reference

__all__ = [
    "CHUNK_SIZE",
    "MANIFEST_SUFFIX",
    "VALUE_FILE",
    "VERSIONS_SUFFIX",
    "ContentHash",
    "Digest",
    "Manifest",
    "ManifestEntry",
    "file_digest",
    "file_matches",
    "move_into",
    "normalized_prefix",
    "object_ref",
    "of_chunks",
    "parse_manifest",
    "relative_name",
    "version_ref",
]

MANIFEST_SUFFIX = ".plugio-manifest.json"
"""Appended to the checkpoint prefix: the manifest is the folder's sibling."""
VERSIONS_SUFFIX = ".plugio-versions"
"""Appended to the checkpoint prefix: the folder holding every kept version."""
VALUE_FILE = "_dst_cp"
"""The file a stream or a single value is saved as (flytekit's name)."""
CHUNK_SIZE = 16 * 1024 * 1024
"""A file larger than this is hashed, stored again and checked in chunks of this size."""
_READ = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Digest:
    """What a file's bytes hash to: ``sha256``, and its chunks' digests when it has several."""

    sha256: str
    chunks: tuple[str, ...] = ()


def of_chunks(chunks: Sequence[str]) -> str:
    """The ``sha256`` of a file with ``chunks``: the SHA-256 of their digests, in order."""
    return hashlib.sha256(b"".join(bytes.fromhex(chunk) for chunk in chunks)).hexdigest()


class ContentHash:
    """Hashes bytes given in any pieces into a :class:`Digest`, chunk by chunk, in one pass.

    With ``whole``, the SHA-256 of all the bytes too: what a large file's entry
    of formats 1 and 2 names.
    """

    def __init__(self, *, whole: bool = False) -> None:
        self._chunk = hashlib.sha256()
        self._filled = 0
        self._done: list[bytes] = []
        self._whole = hashlib.sha256() if whole else None

    def update(self, data: bytes | memoryview) -> None:
        """Hash the next bytes."""
        view = memoryview(data)
        if self._whole is not None:
            self._whole.update(view)
        while view:
            taken = view[: CHUNK_SIZE - self._filled]
            self._chunk.update(taken)
            self._filled += len(taken)
            view = view[len(taken) :]
            if self._filled == CHUNK_SIZE:
                self._done.append(self._chunk.digest())
                self._chunk, self._filled = hashlib.sha256(), 0

    def digest(self) -> Digest:
        """The digest of every byte given."""
        last = [self._chunk.digest()] if self._filled or not self._done else []
        chunks = [*self._done, *last]
        if len(chunks) == 1:
            return Digest(chunks[0].hex())
        listed = tuple(chunk.hex() for chunk in chunks)
        return Digest(of_chunks(listed), listed)

    def checks(self, entry: ManifestEntry) -> bool:
        """Whether the bytes given are those ``entry`` names."""
        if self._whole is not None and not entry.chunks:
            return self._whole.hexdigest() == entry.sha256
        return self.digest() == entry.digest

    @classmethod
    def checking(cls, entry: ManifestEntry) -> ContentHash:
        """A hash to check bytes against ``entry`` (whole too: a large file of formats 1-2)."""
        return cls(whole=not entry.chunks and entry.size > CHUNK_SIZE)


class ManifestEntry(BaseModel):
    """One file: its path in the checkpoint, size, SHA-256 (hex) and where its bytes are.

    ``version`` names the version folder holding the bytes; ``""`` (a manifest
    of the first format) means the checkpoint folder itself.
    """

    path: str
    size: int
    sha256: str
    version: str = ""
    chunks: list[str] = []

    @property
    def digest(self) -> Digest:
        """Its digest, as a capture computes it."""
        return Digest(self.sha256, tuple(self.chunks))


class Manifest(BaseModel):
    """A checkpoint's manifest: ``pending`` until a first save commits, then ``committed``.

    ``base`` is the checkpoint the attempt started from (the previous
    attempt's), which a restore falls back to while nothing is committed.
    ``version`` names the committed version, ``kept`` the older versions
    still stored, newest first, and ``mirrored`` the version the checkpoint
    folder (what Flyte's SDK reads) holds in full.
    """

    format: Literal["plugio-checkpoint/1", "plugio-checkpoint/2", "plugio-checkpoint/3"] = (
        "plugio-checkpoint/3"
    )
    state: Literal["pending", "committed"]
    base: str = ""
    version: str = ""
    kept: list[str] = []
    mirrored: str = ""
    files: list[ManifestEntry] = []

    def entry(self, path: str) -> ManifestEntry | None:
        """The entry of ``path``, or None."""
        return next((entry for entry in self.files if entry.path == path), None)


def parse_manifest(data: bytes, ref: str) -> Manifest:
    """The manifest in ``data``, read from ``ref``.

    Raises:
        PayloadError: not a manifest plugio writes, or one naming a path
            outside the folder; the message names ``ref``.
    """
    try:
        manifest = Manifest.model_validate_json(data)
    except ValidationError as error:
        detail = error.errors()[0]["msg"] if error.errors() else "invalid"
        raise PayloadError(f"not a checkpoint manifest ({detail})", ref) from None
    uneven = [entry.path for entry in manifest.files if entry.chunks and not _adds_up(entry)]
    if uneven:
        raise PayloadError(f"a checkpoint manifest's chunks do not add up: {uneven[:1]}", ref)
    outside = [entry.path for entry in manifest.files if not _is_relative(entry.path)]
    if outside or not all(_is_relative(v) for v in (*manifest.kept, manifest.version) if v):
        raise PayloadError(f"a checkpoint manifest names a path outside: {outside[:1]}", ref)
    return manifest


def normalized_prefix(prefix: str | None) -> str:
    """The prefix without a trailing slash; a relative local path made absolute.

    Listings name local objects by absolute path, and the prefix is cut off them.
    """
    if not prefix:
        return ""
    if "://" not in prefix:
        prefix = os.path.abspath(prefix)
    return prefix.rstrip("/")


def object_ref(prefix: str, name: str) -> str:
    """The reference of the file ``name`` (a relative POSIX path) in the folder ``prefix``.

    Under a URL prefix the name is escaped so that the store's key rule
    decodes it back exactly (``%``, ``#``, spaces, non-ASCII); a local path
    is joined as it is.
    """
    parsed = parse_reference(prefix)
    if not parsed.scheme:
        return f"{prefix}/{name}"
    return dataclasses.replace(parsed, key=f"{parsed.key}/{name}" if parsed.key else name).url


def version_ref(prefix: str, entry: ManifestEntry) -> str:
    """Where the bytes of ``entry`` of the checkpoint at ``prefix`` are stored."""
    if not entry.version:
        return object_ref(prefix, entry.path)
    return object_ref(prefix + VERSIONS_SUFFIX, f"{entry.version}/{entry.path}")


def relative_name(prefix: str, ref: str) -> str:
    """The name in the folder ``prefix`` of a reference listed under it (see :func:`object_ref`)."""
    parsed = parse_reference(ref)
    if not parsed.scheme:
        return ref[len(prefix) + 1 :]
    folder = parse_reference(prefix).key
    return parsed.key[len(folder) + 1 :] if folder else parsed.key


def file_digest(path: str | os.PathLike[str]) -> Digest:
    """The :class:`Digest` of a local file, read in bounded pieces."""
    hasher = ContentHash()
    with open(path, "rb") as handle:
        while data := handle.read(_READ):
            hasher.update(data)
    return hasher.digest()


def file_matches(entry: ManifestEntry, path: str | os.PathLike[str]) -> bool:
    """Whether the local file at ``path`` holds the bytes ``entry`` names."""
    hasher = ContentHash.checking(entry)
    with open(path, "rb") as handle:
        while data := handle.read(_READ):
            hasher.update(data)
    return hasher.checks(entry)


def move_into(staging: Path, target: Path) -> list[str]:
    """Move every file (and empty folder) of ``staging`` to the same path under ``target``.

    Returns the files' relative names.
    """
    for folder in sorted(p for p in staging.rglob("*") if p.is_dir()):
        target.joinpath(folder.relative_to(staging)).mkdir(parents=True, exist_ok=True)
    names = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
    for name in names:
        destination = target.joinpath(*name.split("/"))
        if destination.is_dir():
            shutil.rmtree(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging.joinpath(*name.split("/")), destination)
    return names


def _adds_up(entry: ManifestEntry) -> bool:
    """Whether ``entry``'s chunks cover its size and its digest is theirs."""
    count = -(-entry.size // CHUNK_SIZE)
    return len(entry.chunks) == count > 1 and of_chunks(entry.chunks) == entry.sha256


def _is_relative(name: str) -> bool:
    """A manifest path stays inside the folder: no root, no empty, ``.`` or ``..`` part."""
    parts = PurePosixPath(name).parts
    return bool(parts) and not name.startswith("/") and all(p not in ("", ".", "..") for p in parts)
