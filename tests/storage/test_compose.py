"""DataStore.compose: one object from ranges of stored objects and local files, on every backend.

Local disk, memory and S3 (both clients) compose; GCS and Azure say they
cannot, and the caller stores the whole file instead.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from rig import Rig

from plugio.errors import NotFoundError
from plugio.storage import Piece
from plugio.storage._compose import MIN_PIECE

MIB = 1024 * 1024
COMPOSING = {"memory", "local", "s3", "s3fs"}
NAME = "ranges of a file #1 100% é.bin"


def _source(rig: Rig, size: int = 12 * MIB) -> tuple[str, bytes]:
    data = os.urandom(size)
    ref = rig.named(f"old {NAME}")
    rig.store.write_bytes(ref, data)
    return ref, data


def test_a_store_says_whether_it_composes(rig: Rig) -> None:
    assert rig.store.composes(rig.ref("x")) is (rig.name in COMPOSING)


def test_compose_joins_stored_ranges_and_local_ranges_in_order(rig: Rig, tmp_path: Path) -> None:
    if not rig.store.composes(rig.base):
        pytest.skip(f"{rig.name} cannot compose")
    source, old = _source(rig)
    local = tmp_path / "new part.bin"
    new = os.urandom(6 * MIB)
    local.write_bytes(new)
    target = rig.named(NAME)
    rig.store.compose(
        target,
        [
            Piece.stored(source, 0, 5 * MIB),
            Piece.file(local, 0, 6 * MIB),
            Piece.stored(source, 5 * MIB, 12 * MIB - 1),
        ],
    )
    assert rig.store.read_bytes(target) == old[: 5 * MIB] + new + old[5 * MIB : -1]
    assert rig.store.read_bytes(source) == old  # the source is left as it was


def test_compose_async_replaces_the_target_whole(rig: Rig, tmp_path: Path) -> None:
    if not rig.store.composes(rig.base):
        pytest.skip(f"{rig.name} cannot compose")
    source, old = _source(rig)
    target = rig.named(NAME)
    rig.store.write_bytes(target, b"before")
    local = tmp_path / "tail"
    local.write_bytes(b"tail!")
    pieces = [Piece.stored(source, 0, 12 * MIB), Piece.file(local, 0, 5)]
    asyncio.run(rig.store.compose_async(target, pieces))
    assert rig.store.read_bytes(target) == old + b"tail!"


def test_a_missing_source_fails_and_leaves_the_target_as_it_was(rig: Rig, tmp_path: Path) -> None:
    if not rig.store.composes(rig.base):
        pytest.skip(f"{rig.name} cannot compose")
    target = rig.named(NAME)
    rig.store.write_bytes(target, b"committed")
    local = tmp_path / "part"
    local.write_bytes(os.urandom(MIN_PIECE))
    missing = rig.named("never written")
    with pytest.raises(NotFoundError):
        rig.store.compose(target, [Piece.file(local, 0, MIN_PIECE), Piece.stored(missing, 0, 10)])
    assert rig.store.read_bytes(target) == b"committed"
    assert [info.ref for page in rig.store.list(rig.base + "/") for info in page] == [target]


def test_a_store_that_cannot_compose_says_so_before_anything_moves(rig: Rig) -> None:
    if rig.store.composes(rig.base):
        pytest.skip(f"{rig.name} composes")
    with pytest.raises(NotImplementedError, match="cannot compose"):
        rig.store.compose(rig.ref("x"), [Piece.stored(rig.ref("y"), 0, 1)])


def test_pieces_no_store_takes_are_refused_naming_the_target(tmp_path: Path) -> None:
    from plugio.storage import DataStore

    store = DataStore()
    target = str(tmp_path / "target")
    small = Piece.file(tmp_path / "a", 0, MIB)
    with pytest.raises(ValueError, match=r"target: piece 1 holds 1048576 bytes"):
        store.compose(target, [small, small])
    with pytest.raises(ValueError, match="empty or negative range"):
        store.compose(target, [Piece.file(tmp_path / "a", 3, 3)])
    with pytest.raises(ValueError, match="1 to 10000 pieces, not 0"):
        store.compose(target, [])
    assert not os.path.exists(target)


def test_a_failed_s3_compose_leaves_no_multipart_upload(stores: object, tmp_path: Path) -> None:
    rig: Rig = stores("s3fs")  # type: ignore[operator]
    target = rig.named(NAME)
    local = tmp_path / "part"
    local.write_bytes(os.urandom(MIN_PIECE))
    with pytest.raises(NotFoundError):
        rig.store.compose(
            target, [Piece.file(local, 0, MIN_PIECE), Piece.stored(rig.ref("gone"), 0, 10)]
        )
    files = rig.store.filesystem(target)
    bucket = rig.root.removeprefix("s3://")
    uploads = files.call_s3("list_multipart_uploads", Bucket=bucket, Prefix=rig.prefix)
    assert uploads.get("Uploads", []) == []
