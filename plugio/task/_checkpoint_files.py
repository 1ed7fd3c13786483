"""A checkpoint's manifest and the names of its objects; nothing here touches storage.

The manifest (its states and what a restore trusts are described in
:mod:`plugio.task._checkpoints`) lists every file of one saved version with
its size and SHA-256, and the version whose folder holds its bytes: an
unchanged file is referenced, never stored twice.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel, ValidationError

from plugio.errors import PayloadError
from plugio.references import parse_reference

__all__ = [
    "MANIFEST_SUFFIX",
    "VALUE_FILE",
    "VERSIONS_SUFFIX",
    "Manifest",
    "ManifestEntry",
    "file_sha256",
    "move_into",
    "normalized_prefix",
    "object_ref",
    "parse_manifest",
    "relative_name",
    "sha256",
    "version_ref",
]

MANIFEST_SUFFIX = ".plugio-manifest.json"
"""Appended to the checkpoint prefix: the manifest is the folder's sibling."""
VERSIONS_SUFFIX = ".plugio-versions"
"""Appended to the checkpoint prefix: the folder holding every kept version."""
VALUE_FILE = "_dst_cp"
"""The file a stream or a single value is saved as (flytekit's name)."""
CHUNK = 1024 * 1024


class ManifestEntry(BaseModel):
    """One file: its path in the checkpoint, size, SHA-256 (hex) and where its bytes are.

    ``version`` names the version folder holding the bytes; ``""`` (a manifest
    of the first format) means the checkpoint folder itself.
    """

    path: str
    size: int
    sha256: str
    version: str = ""


class Manifest(BaseModel):
    """A checkpoint's manifest: ``pending`` until a first save commits, then ``committed``.

    ``base`` is the checkpoint the attempt started from (the previous
    attempt's), which a restore falls back to while nothing is committed.
    ``version`` names the committed version, ``kept`` the older versions
    still stored, newest first, and ``mirrored`` the version the checkpoint
    folder (what Flyte's SDK reads) holds in full.
    """

    format: Literal["plugio-checkpoint/1", "plugio-checkpoint/2"] = "plugio-checkpoint/2"
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


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a local file, in hex, read in bounded chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256(data: bytes) -> str:
    """The SHA-256 of ``data``, in hex, as the manifest records it."""
    return hashlib.sha256(data).hexdigest()


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


def _is_relative(name: str) -> bool:
    """A manifest path stays inside the folder: no root, no empty, ``.`` or ``..`` part."""
    parts = PurePosixPath(name).parts
    return bool(parts) and not name.startswith("/") and all(p not in ("", ".", "..") for p in parts)
