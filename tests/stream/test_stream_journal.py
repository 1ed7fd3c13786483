"""The local journal: checksummed records, torn tails, one process at a time."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from plugio.stream import JournalError
from plugio.stream._journal import CLOSE, DONE, SENT, SUMMARY, Journal

META = {"prefix": "memory://j/s", "epoch": 3, "owner": "me"}


def filled(directory: Path) -> Journal:
    journal = Journal.create(str(directory), META)
    for number in range(5):
        line = f'{{"stream":"console","start":{number * 2},"items":[[0,1,"a"],[0,1,"b"]]}}\n'
        journal.append_segment("console", number * 2, 2, line.encode())
    journal.append_json(SENT, {"seq": 0, "end": {"console": 4}})
    journal.append_json(SUMMARY, {"loss": 1.0, "acc": 0.5})
    journal.append_json(SUMMARY, {"loss": 0.5})
    return journal


def test_records_read_back_after_reopening(tmp_path: Path) -> None:
    journal = filled(tmp_path)
    entry = journal.state.segments[3]
    assert journal.read(entry).startswith(b'{"stream":"console","start":6')
    journal.close()
    reopened = Journal.open(str(tmp_path))
    state = reopened.state
    assert state.meta == META
    assert [e.start for e in state.segments] == [0, 2, 4, 6, 8]
    assert state.ends["console"] == 10
    assert (state.seq, state.sent["console"]) == (0, 4)
    assert state.summary == {"loss": 0.5, "acc": 0.5}
    assert reopened.read(state.segments[3]) == journal_line(6)
    assert state.close is None
    assert not state.done
    reopened.close()


def journal_line(start: int) -> bytes:
    return f'{{"stream":"console","start":{start},"items":[[0,1,"a"],[0,1,"b"]]}}\n'.encode()


def test_a_torn_last_record_is_ignored_at_every_cut(tmp_path: Path) -> None:
    journal = filled(tmp_path)
    journal.close()
    path = tmp_path / "stream.journal"
    whole = path.read_bytes()
    last_record = len(whole) - (8 + 1 + len(b'{"loss":0.5}'))
    for cut in range(last_record + 1, len(whole)):
        path.write_bytes(whole[:cut])
        reopened = Journal.open(str(tmp_path))
        assert reopened.state.summary == {"loss": 1.0, "acc": 0.5}
        assert reopened.state.ignored_bytes == cut - last_record
        reopened.close()
        assert path.stat().st_size == last_record  # cut off before anything is appended


def test_a_corrupt_record_ends_the_journal_there(tmp_path: Path) -> None:
    journal = filled(tmp_path)
    position = journal.state.segments[2].position
    journal.close()
    with open(tmp_path / "stream.journal", "r+b") as handle:
        handle.seek(position + 5)
        handle.write(b"X")
    reopened = Journal.open(str(tmp_path))
    assert [e.start for e in reopened.state.segments] == [0, 2]
    assert reopened.state.ignored_bytes > 0
    reopened.close()


def test_garbage_after_a_kill_is_ignored_and_appends_continue(tmp_path: Path) -> None:
    filled(tmp_path).close()
    with open(tmp_path / "stream.journal", "ab") as handle:
        handle.write(struct.pack(">II", 1000, 0) + b"Shalf a rec")
    reopened = Journal.open(str(tmp_path))
    reopened.append_json(CLOSE, {"state": "failed", "exit_code": 2, "ended": 1.0})
    reopened.close()
    again = Journal.open(str(tmp_path))
    assert again.state.close == {"state": "failed", "exit_code": 2, "ended": 1.0}
    assert again.state.ignored_bytes == 0
    again.close()


def test_one_process_at_a_time(tmp_path: Path) -> None:
    journal = filled(tmp_path)
    with pytest.raises(JournalError, match="in use"):
        Journal.open(str(tmp_path))
    journal.close()
    Journal.open(str(tmp_path)).close()


def test_an_unfinished_journal_is_not_overwritten(tmp_path: Path) -> None:
    filled(tmp_path).close()
    with pytest.raises(JournalError, match="sync"):
        Journal.create(str(tmp_path), META)
    finished = Journal.open(str(tmp_path))
    finished.append_json(DONE, None)
    finished.close()
    fresh = Journal.create(str(tmp_path), {**META, "epoch": 4})
    assert fresh.state.meta["epoch"] == 4
    assert not fresh.state.segments
    fresh.remove()
    assert not os.path.exists(tmp_path / "stream.journal")


def test_not_a_journal(tmp_path: Path) -> None:
    (tmp_path / "stream.journal").write_bytes(b"something else entirely")
    with pytest.raises(JournalError, match="not a stream journal"):
        Journal.open(str(tmp_path))
    with pytest.raises(JournalError, match="no stream journal"):
        Journal.open(str(tmp_path / "elsewhere"))


def test_forget_drops_only_what_was_sent(tmp_path: Path) -> None:
    journal = filled(tmp_path)
    sent = {"console": 6, "metrics": 0, "events": 0}
    assert [e.start for e in journal.unsent(sent, ("console",))] == [6, 8]
    journal.forget(sent)
    assert [e.start for e in journal.state.segments] == [6, 8]
    journal.close()
