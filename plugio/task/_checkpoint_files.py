"""A checkpoint's manifest and its local side: what to save, and checking what was restored.

The manifest lists every file of a checkpoint with its size and SHA-256; its
format and states are described in :mod:`plugio.task._checkpoints`. Nothing
here touches storage.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
from pathlib import Path, PurePosixPath
from typing import IO, Literal

from pydantic import BaseModel, ValidationError

from plugio.errors import NotFoundError
from plugio.references import parse_reference

__all__ = [
    "MANIFEST_SUFFIX",
    "VALUE_FILE",
    "Manifest",
    "ManifestEntry",
    "describe_all",
    "local_files",
    "move_verified",
    "normalized_prefix",
    "object_ref",
    "parse_manifest",
    "relative_name",
    "sha256",
    "verified_names",
]

MANIFEST_SUFFIX = ".plugio-manifest.json"
"""Appended to the checkpoint prefix: the manifest is the folder's sibling."""
VALUE_FILE = "_dst_cp"
"""The file a stream or a single value is saved as (flytekit's name)."""
_CHUNK = 1024 * 1024


class ManifestEntry(BaseModel):
    """One file of a checkpoint: its path under the folder, size and SHA-256 (hex)."""

    path: str
    size: int
    sha256: str


class Manifest(BaseModel):
    """A checkpoint's manifest: ``pending`` while a save runs, ``committed`` once whole.

    ``base`` is the checkpoint the save started from (the previous attempt's),
    which a restore falls back to when this one is not committed.
    """

    format: Literal["plugio-checkpoint/1"] = "plugio-checkpoint/1"
    state: Literal["pending", "committed"]
    base: str = ""
    files: list[ManifestEntry] = []


def parse_manifest(data: bytes) -> Manifest:
    """The manifest in ``data``; a pending one when it is unreadable or names a path outside.

    A pending manifest is never restored, which is what a broken one must give.
    """
    try:
        manifest = Manifest.model_validate_json(data)
    except ValidationError:
        return Manifest(state="pending")
    if not all(_is_relative(entry.path) for entry in manifest.files):
        return Manifest(state="pending")
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


def relative_name(prefix: str, ref: str) -> str:
    """The name in the folder ``prefix`` of a reference listed under it (see :func:`object_ref`)."""
    parsed = parse_reference(ref)
    if not parsed.scheme:
        return ref[len(prefix) + 1 :]
    folder = parse_reference(prefix).key
    return parsed.key[len(folder) + 1 :] if folder else parsed.key


def local_files(source: str | os.PathLike[str] | IO[bytes], scratch: str) -> list[tuple[str, str]]:
    """(relative name, local path) of what to save; a stream is spooled to ``scratch``.

    Raises:
        NotFoundError: ``source`` is a path where nothing exists.
    """
    if not isinstance(source, str | os.PathLike):
        spooled = os.path.join(scratch, VALUE_FILE)
        with open(spooled, "wb") as handle:
            shutil.copyfileobj(source, handle, _CHUNK)
        return [(VALUE_FILE, spooled)]
    path = os.fspath(source)
    if os.path.isfile(path):
        return [(os.path.basename(path), path)]
    if not os.path.isdir(path):
        raise NotFoundError("nothing to save: no such file or folder", path)
    return [
        (Path(folder, name).relative_to(path).as_posix(), os.path.join(folder, name))
        for folder, _, names in sorted(os.walk(path))
        for name in sorted(names)
    ]


def describe_all(files: list[tuple[str, str]]) -> dict[str, ManifestEntry]:
    """The manifest entry of every (relative name, local path), by name."""
    return {name: _describe(name, path) for name, path in files}


def _describe(name: str, path: str) -> ManifestEntry:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return ManifestEntry(path=name, size=os.path.getsize(path), sha256=digest.hexdigest())


def verified_names(staging: Path, manifest: Manifest | None) -> list[str] | None:
    """The relative names to move out of ``staging``; None unless all the manifest's match.

    Without a manifest (Flyte's layout) every file downloaded is taken.
    """
    if manifest is None:
        return [p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()]
    for entry in manifest.files:
        local = staging.joinpath(*entry.path.split("/"))
        if not local.is_file() or _describe(entry.path, str(local)) != entry:
            return None
    return [entry.path for entry in manifest.files]


def move_verified(staging: Path, target: Path, names: list[str]) -> None:
    """Move ``names`` from ``staging`` to the same relative paths under ``target``."""
    for name in names:
        destination = target.joinpath(*name.split("/"))
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging.joinpath(*name.split("/")), destination)


def sha256(data: bytes) -> str:
    """The SHA-256 of ``data``, in hex, as the manifest records it."""
    return hashlib.sha256(data).hexdigest()


def _is_relative(name: str) -> bool:
    """A manifest path stays inside the folder: no root, no empty, ``.`` or ``..`` part."""
    parts = PurePosixPath(name).parts
    return bool(parts) and not name.startswith("/") and all(p not in ("", ".", "..") for p in parts)
