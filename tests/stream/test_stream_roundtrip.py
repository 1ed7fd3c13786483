"""A stream written and read back on every backend: lines, metrics, events, summary, endings."""

from __future__ import annotations

import asyncio
import string
import threading
import time
from pathlib import Path

import pytest
from rig import Rig

from plugio.errors import TransientStorageError
from plugio.storage import DataStore
from plugio.stream import (
    ConsoleLine,
    JournalError,
    StreamPolicy,
    StreamReader,
    StreamState,
    StreamWriter,
    sync,
)
from plugio.stream._layout import ChunkHeader, chunk_ref

FAST = StreamPolicy(first_interval=0.02, max_interval=0.2, heartbeat_interval=0.2)


class Outage(DataStore):
    """A store whose writes fail as transient while ``down`` is set."""

    down = False

    def write_bytes(self, ref: str, data: bytes, *, if_absent: bool = False) -> None:
        if self.down:
            raise TransientStorageError("injected outage", ref)
        super().write_bytes(ref, data, if_absent=if_absent)


def writer(rig: Rig, journal: Path, **options: object) -> StreamWriter:
    options.setdefault("policy", FAST)
    return StreamWriter(rig.store, rig.ref("stream"), journal_dir=journal, **options)  # type: ignore[arg-type]


def test_everything_written_is_read_back_in_order(rig: Rig, tmp_path: Path) -> None:
    stream = writer(rig, tmp_path, epoch=1)
    for number in range(300):
        stream.write(f"out {number}\n")
        if number % 50 == 0:
            stream.write(f"err {number}\n", "stderr")
    stream.write("downloading 10%\rdownloading 60%\rdownloading 100%\n")
    for step in range(5):
        stream.log_metrics({"loss": 1.0 / (step + 1), "lr": 0.1})
    stream.log_event("checkpoint", {"step": 4})
    stream.update_summary({"loss": 1.0, "best": "a"})
    stream.update_summary({"loss": 0.2})
    stream.write("no newline at the end")
    result = stream.close(exit_code=0)
    assert result.complete, result
    assert (result.state, result.exit_code, result.unsent["console"]) == ("succeeded", 0, 0)

    snapshot = StreamReader(rig.store, rig.ref("stream")).read()
    out = [line.text for line in snapshot.lines if line.stream == "stdout"]
    err = [line.text for line in snapshot.lines if line.stream == "stderr"]
    assert out == [f"out {n}" for n in range(300)] + ["downloading 100%", "no newline at the end"]
    assert err == [f"err {n}" for n in range(0, 300, 50)]
    assert [line.offset for line in snapshot.lines] == list(range(len(snapshot.lines)))
    assert [(row.step, row.values["loss"]) for row in snapshot.metrics] == [
        (step, 1.0 / (step + 1)) for step in range(5)
    ]
    assert [(e.name, e.attributes) for e in snapshot.events] == [("checkpoint", {"step": 4})]
    assert snapshot.summary == {"loss": 0.2, "best": "a"}
    head = snapshot.head
    assert head is not None
    assert head.finished
    assert head.state is StreamState.SUCCEEDED
    assert head.exit_code == 0
    assert head.ended is not None
    assert head.has_summary
    assert head.offsets == {"console": 308, "metrics": 5, "events": 1}


def test_async_reader_and_follow(rig: Rig, tmp_path: Path) -> None:
    stream = writer(rig, tmp_path)
    for number in range(50):
        stream.write(f"line {number}\n")
    stream.log_metrics({"x": 1.0}, step=7)
    stream.close(exit_code=3)

    async def read() -> tuple[list[str], dict[str, object], StreamState | None]:
        reader = StreamReader(rig.store, rig.ref("stream"))
        records = [record async for record in reader.follow_async(0.05, timeout=30)]
        snapshot = await reader.read_async()
        texts = [r.text for r in records if isinstance(r, ConsoleLine)]
        head = reader.last_head
        return texts, {"steps": [m.step for m in snapshot.metrics]}, head.state if head else None

    texts, metrics, state = asyncio.run(read())
    assert texts == [f"line {n}" for n in range(50)]
    assert metrics == {"steps": [7]}
    assert state is StreamState.FAILED


def test_a_follower_sees_a_new_line_soon(rig: Rig, tmp_path: Path) -> None:
    policy = StreamPolicy(first_interval=0.1, max_interval=1.0)
    stream = writer(rig, tmp_path, policy=policy)
    seen: dict[str, float] = {}

    def follow() -> None:
        reader = StreamReader(rig.store, rig.ref("stream"))
        for record in reader.follow(0.05, timeout=30):
            if isinstance(record, ConsoleLine):
                seen.setdefault(record.text, time.monotonic())

    follower = threading.Thread(target=follow)
    follower.start()
    stream.write("warm-up\n")
    time.sleep(1.0)  # the send interval has grown by now
    written = time.monotonic()
    stream.write("watched\n")
    while "watched" not in seen and time.monotonic() - written < 10:
        time.sleep(0.01)
    stream.close()
    follower.join(timeout=30)
    delay = seen["watched"] - written
    print(f"{rig.name}: a written line was followed after {delay:.3f} s")
    assert delay < 5.0


def test_heartbeat_rewrites_the_head_while_idle(rig: Rig, tmp_path: Path) -> None:
    stream = writer(rig, tmp_path)
    stream.write("one\n")
    assert stream.flush(timeout=10)
    reader = StreamReader(rig.store, rig.ref("stream"))
    first = reader.head()
    assert first is not None
    assert first.state is StreamState.RUNNING
    deadline = time.monotonic() + 10
    while (head := reader.head()) is not None and head.heartbeat <= first.heartbeat:
        assert time.monotonic() < deadline, "no heartbeat"
        time.sleep(0.05)
    stream.close()


def test_sends_start_soon_then_space_out(tmp_path: Path) -> None:
    store = DataStore()
    prefix = f"memory://stream-pacing/{tmp_path.name}"
    policy = StreamPolicy(first_interval=0.05, interval_growth=2.0, max_interval=0.8)
    stream = StreamWriter(store, prefix, journal_dir=tmp_path, policy=policy)
    reader = StreamReader(store, prefix)
    started = time.monotonic()
    stream.write("first\n")
    while not reader.poll():
        time.sleep(0.01)
    first_seen = time.monotonic() - started
    while time.monotonic() - started < 2.5:
        stream.write("more\n")
        time.sleep(0.01)
    head = reader.head()
    stream.close()
    assert first_seen < 1.0
    assert head is not None
    # At a steady 0.05 s there would be some 50 chunks; growing to 0.8 s leaves a few.
    assert 2 <= head.seq + 1 <= 12


def test_close_finishes_in_stages_console_first(tmp_path: Path) -> None:
    store = Outage()
    prefix = f"memory://stream-stages/{tmp_path.name}"
    stream = StreamWriter(store, prefix, journal_dir=tmp_path, policy=FAST)
    store.down = True
    stream.log_metrics({"m": 1.0})
    stream.log_event("e")
    stream.write("console line\n")
    stream.update_summary({"s": 1})
    time.sleep(0.2)
    store.down = False
    assert stream.close(exit_code=0).complete
    first = ChunkHeader.from_line(store.read_bytes(chunk_ref(prefix, 0)).split(b"\n")[0], "c0")
    second = ChunkHeader.from_line(store.read_bytes(chunk_ref(prefix, 1)).split(b"\n")[0], "c1")
    assert (first.end["console"], first.end["metrics"], first.end["events"]) == (1, 0, 0)
    assert (second.end["metrics"], second.end["events"]) == (1, 1)


def test_deadline_leaves_the_rest_for_sync(rig: Rig, tmp_path: Path) -> None:
    store = Outage(rig.store.config)
    stream = StreamWriter(store, rig.ref("stream"), journal_dir=tmp_path, policy=FAST)
    stream.write("before the outage\n")
    assert stream.flush(timeout=10)
    store.down = True
    for number in range(100):
        stream.write(f"during {number}\n")
    stream.update_summary({"phase": "outage"})
    started = time.monotonic()
    result = stream.close(exit_code=7, deadline=0.5)
    assert time.monotonic() - started < 5
    assert not result.complete
    assert result.unsent["console"] == 100
    reader = StreamReader(rig.store, rig.ref("stream"))
    head = reader.head()
    assert head is not None
    assert not head.finished
    store.down = False
    synced = sync(tmp_path, rig.store)
    assert synced.complete
    assert synced.state is StreamState.FAILED
    assert synced.exit_code == 7
    snapshot = reader.read()
    texts = [line.text for line in snapshot.lines]
    assert texts == ["before the outage"] + [f"during {n}" for n in range(100)]
    assert snapshot.head is not None
    assert snapshot.head.exit_code == 7
    assert snapshot.summary == {"phase": "outage"}
    with pytest.raises(JournalError, match="no stream journal"):
        sync(tmp_path, rig.store)  # a complete finish removed it


def test_exception_in_the_block_fails_the_stream(tmp_path: Path) -> None:
    store = DataStore()
    prefix = f"memory://stream-errors/{tmp_path.name}"

    def task() -> None:
        with StreamWriter(store, prefix, journal_dir=tmp_path) as stream:
            stream.write("about to fail\n")
            raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError):
        task()
    snapshot = StreamReader(store, prefix).read()
    assert snapshot.head is not None
    assert snapshot.head.state is StreamState.FAILED
    assert [e.name for e in snapshot.events] == ["exception"]
    assert snapshot.events[0].attributes["type"] == "ZeroDivisionError"


def test_writes_after_close_are_dropped_and_counted(tmp_path: Path) -> None:
    stream = StreamWriter(DataStore(), f"memory://late/{tmp_path.name}", journal_dir=tmp_path)
    stream.close()
    stream.write("late\n")
    stream.log_event("late")
    assert stream.close().complete  # the first result again
    assert stream.dropped == {"console": 1, "metrics": 0, "events": 1}


@pytest.mark.slow
def test_a_ten_megabyte_line(rig: Rig, tmp_path: Path) -> None:
    line = (string.ascii_letters * (10 * 1024 * 1024 // 52 + 1))[: 10 * 1024 * 1024]
    stream = writer(rig, tmp_path)
    stream.write("before\n")
    stream.write(line + "\n")
    stream.write("after\n")
    result = stream.close()
    assert result.complete
    assert result.chunks >= 3
    texts = [record.text for record in StreamReader(rig.store, rig.ref("stream")).read().lines]
    assert len(texts) == 3
    assert texts[0] == "before"
    assert texts[2] == "after"
    assert texts[1] == line


@pytest.mark.parametrize("backend", ["memory", "local"])
def test_a_million_tiny_lines(backend: str, stores: object, tmp_path: Path) -> None:
    rig: Rig = stores(backend)  # type: ignore[operator]
    stream = writer(rig, tmp_path / "journal")
    block = "".join(f"{n}\n" for n in range(1000))
    started = time.monotonic()
    for _ in range(1000):
        stream.write(block)
    result = stream.close(deadline=60)
    elapsed = time.monotonic() - started
    assert result.complete
    lines = StreamReader(rig.store, rig.ref("stream")).read().lines
    assert len(lines) == 1_000_000
    assert lines[-1].offset == 999_999
    assert all(line.text == str(index % 1000) for index, line in enumerate(lines))
    print(f"{backend}: a million lines written and stored in {elapsed:.2f} s")
