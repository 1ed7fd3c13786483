"""One owner per stream: a newer epoch fences a stale writer out, on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from rig import Rig

from plugio.stream import StaleWriterError, StreamPolicy, StreamReader, StreamState, StreamWriter
from plugio.stream._layout import chunk_ref, encode_json
from plugio.stream._transmit import Uploader

FAST = StreamPolicy(first_interval=0.02, max_interval=0.2)


def segment(start: int, *texts: str) -> bytes:
    items = [[1.0, 1, list(texts)]]
    return encode_json({"stream": "console", "start": start, "items": items}).encode() + b"\n"


def uploader(rig: Rig, epoch: int, owner: str) -> Uploader:
    return Uploader(rig.store, rig.ref("stream"), epoch=epoch, owner=owner)


def store_chunk(writer: Uploader, line: bytes, end: int) -> int:
    """Prepare and push until the chunk is stored (as the backlog loop does); its number."""
    stored = writer.chunks_stored
    while writer.chunks_stored == stored:
        writer.prepare([line], {"console": end})
        writer.push()
    return writer.seq


def texts(rig: Rig) -> list[str]:
    return [line.text for line in StreamReader(rig.store, rig.ref("stream")).read().lines]


def test_a_taken_chunk_name_is_refused_and_kept(rig: Rig) -> None:
    first = uploader(rig, 1, "first")
    first.claim()
    first.prepare([segment(0, "mine")], {"console": 1})
    first.push()
    stored = rig.store.read_bytes(chunk_ref(rig.ref("stream"), 0))

    same_epoch = uploader(rig, 1, "second")  # a second owner of the same attempt
    same_epoch.prepare([segment(0, "theirs")], {"console": 1})
    with pytest.raises(StaleWriterError) as raised:
        same_epoch.push()
    assert (raised.value.epoch, raised.value.owner) == (1, "first")
    assert rig.store.read_bytes(chunk_ref(rig.ref("stream"), 0)) == stored


def test_a_resend_of_the_same_bytes_is_fine(rig: Rig) -> None:
    writer = uploader(rig, 1, "me")
    writer.claim()
    writer.prepare([segment(0, "once")], {"console": 1})
    writer.push()
    again = uploader(rig, 1, "me")  # the same writer, sending chunk 0 once more
    again.prepare([segment(0, "once")], {"console": 1})
    again.push()
    assert (again.seq, again.chunks_stored, again.sent["console"]) == (0, 1, 1)
    again.publish(state=StreamState.SUCCEEDED)
    assert texts(rig) == ["once"]


def test_newer_epoch_fences_the_stale_writer(rig: Rig, tmp_path: Path) -> None:
    prefix = rig.ref("stream")
    old = StreamWriter(rig.store, prefix, journal_dir=tmp_path / "old", epoch=1, policy=FAST)
    old.write("old 1\n")
    assert old.flush(timeout=10)
    new = StreamWriter(rig.store, prefix, journal_dir=tmp_path / "new", epoch=2, policy=FAST)
    new.write("new 1\n")
    assert new.flush(timeout=10)

    old.write("old 2\n")
    assert not old.flush(timeout=10)
    assert isinstance(old.fenced, StaleWriterError)
    assert old.fenced.epoch == 2
    new.write("new 2\n")
    assert new.close(exit_code=0).complete
    stale = old.close(exit_code=0)
    assert not stale.complete
    assert stale.fenced is not None
    assert stale.unsent["console"] == 1

    assert texts(rig) == ["old 1", "new 1", "new 2"]
    head = StreamReader(rig.store, prefix).head()
    assert head is not None
    assert (head.epoch, head.state) == (2, StreamState.SUCCEEDED)


def test_a_stale_chunk_before_the_new_epochs_first_is_kept_in_its_place(rig: Rig) -> None:
    old, new = uploader(rig, 1, "old"), uploader(rig, 2, "new")
    old.claim()
    old.prepare([segment(0, "old 1")], {"console": 1})
    old.push()
    new.claim()  # takes over after chunk 0
    old.prepare([segment(1, "old 2")], {"console": 2})
    old.push()  # lands at chunk 1 before the new writer's first chunk
    with pytest.raises(StaleWriterError):
        old.publish()
    # Chunk 1 is taken by an older epoch: the new writer moves on to chunk 2.
    assert store_chunk(new, segment(0, "new 1"), 1) == 2
    new.publish(state=StreamState.SUCCEEDED)
    assert texts(rig) == ["old 1", "old 2", "new 1"]


def test_a_stale_chunk_after_the_new_epochs_first_is_skipped(rig: Rig) -> None:
    old, new = uploader(rig, 1, "old"), uploader(rig, 2, "new")
    old.claim()
    old.prepare([segment(0, "old 1")], {"console": 1})
    old.push()
    new.claim()
    assert store_chunk(new, segment(0, "new 1"), 1) == 1
    old.seq = 1  # a stale writer whose numbering ran ahead writes chunk 2
    assert store_chunk(old, segment(1, "old late"), 2) == 2
    # Chunk 2 is the stale one: readers skip it, the new writer takes chunk 3.
    assert store_chunk(new, segment(1, "new 2"), 2) == 3
    new.publish(state=StreamState.SUCCEEDED)
    assert texts(rig) == ["old 1", "new 1", "new 2"]


def test_an_older_epoch_cannot_start_on_a_newer_stream(rig: Rig, tmp_path: Path) -> None:
    prefix = rig.ref("stream")
    current = StreamWriter(rig.store, prefix, journal_dir=tmp_path / "a", epoch=5, policy=FAST)
    current.write("current\n")
    assert current.flush(timeout=10)
    late = StreamWriter(rig.store, prefix, journal_dir=tmp_path / "b", epoch=4, policy=FAST)
    late.write("late\n")
    assert not late.flush(timeout=10)
    assert late.fenced is not None
    assert late.fenced.epoch == 5
    assert late.close().fenced is not None
    assert current.close().complete
    assert texts(rig) == ["current"]
