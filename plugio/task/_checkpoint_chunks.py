"""Storing a large file again by its changed chunks only.

A file of more than ``CHUNK_SIZE`` bytes is recorded with a digest per chunk
(see :mod:`plugio.task._checkpoint_files`). When a save finds such a file
changed and an earlier committed version holds it in chunks too, the new
object is composed in the store: the chunks whose digests are unchanged are
copied inside the store from the earlier object, and only the others are
uploaded. Stores that cannot compose (GCS and Azure here) get the whole file.
"""

from __future__ import annotations

from plugio.errors import NotFoundError
from plugio.storage import DataStore, Piece
from plugio.task._checkpoint_files import CHUNK_SIZE, Manifest, ManifestEntry, version_ref

__all__ = ["COPIED_AT_MOST", "changed_pieces", "compose", "stored_before"]

COPIED_AT_MOST = 1024 * 1024 * 1024
"""The most bytes of unchanged chunks copied as one piece (S3 copies at most 5 GiB a part)."""


def stored_before(
    entry: ManifestEntry, *places: tuple[str, Manifest | None] | None
) -> tuple[str, ManifestEntry] | None:
    """The stored object and entry of ``entry``'s file, stored in chunks, in the first of
    ``places`` (a checkpoint prefix and its committed manifest) that holds one."""
    for place in places:
        found = place[1].entry(entry.path) if place is not None and place[1] is not None else None
        if place is not None and found is not None and found.chunks:
            return version_ref(place[0], found), found
    return None


def changed_pieces(
    entry: ManifestEntry, staged: str, ref: str, earlier: ManifestEntry
) -> list[Piece]:
    """``entry``'s file as pieces: its unchanged chunks from ``ref``, the others from ``staged``.

    Neighbouring unchanged chunks are one piece, up to :data:`COPIED_AT_MOST`
    bytes; a changed chunk is a piece of its own (an upload holds it in memory).
    None unchanged: no pieces, the whole file is uploaded.
    """
    pieces: list[Piece] = []
    for number, digest in enumerate(entry.chunks):
        start = number * CHUNK_SIZE
        end = min(start + CHUNK_SIZE, entry.size)
        before = earlier.chunks[number] if number < len(earlier.chunks) else ""
        if digest != before or min(start + CHUNK_SIZE, earlier.size) != end:
            pieces.append(Piece.file(staged, start, end))
        elif pieces and not pieces[-1].local and pieces[-1].size + end - start <= COPIED_AT_MOST:
            pieces[-1] = Piece.stored(ref, pieces[-1].start, end)
        else:
            pieces.append(Piece.stored(ref, start, end))
    return pieces if any(not piece.local for piece in pieces) else []


async def compose(store: DataStore, target: str, pieces: list[Piece]) -> bool:
    """Compose ``target`` of ``pieces``; False when there are none or the store cannot."""
    if not pieces or not store.composes(target):
        return False
    try:
        await store.compose_async(target, pieces)
    except (NotImplementedError, ValueError, NotFoundError):
        return False  # another store, too many pieces, or the earlier object gone: upload
    return True
