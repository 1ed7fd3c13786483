"""Console text into lines: carriage-return redraws, long lines, pieces joined by readers."""

from __future__ import annotations

from typing import Any

import pytest

from plugio.stream._console import LineAssembler, last_state
from plugio.stream._cursor import Cursor
from plugio.stream._layout import ChunkHeader, ConsoleLine, encode_json


def lines_of(*writes: str, max_chars: int = 1000) -> list[str]:
    assembler = LineAssembler(max_chars)
    runs = [run for text in writes for run in assembler.feed(text)]
    runs += assembler.finish()
    return joined(runs)


def joined(runs: list[tuple[list[str], bool]]) -> list[str]:
    lines, current = [], ""
    for texts, more in runs:
        for index, text in enumerate(texts):
            current += text
            if not (more and index == len(texts) - 1):
                lines.append(current)
                current = ""
    return lines


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("plain", "plain"),
        ("10%\r20%\r30%", "30%"),
        ("done\r", "done"),
        ("a\r\r", "a"),
        ("\r", ""),
        ("", ""),
    ],
)
def test_last_state_keeps_the_last_drawing(line: str, shown: str) -> None:
    assert last_state(line) == shown


def test_progress_redraws_collapse_across_writes() -> None:
    writes = ["start\n", "  0%", "\r 10%", "\r 50%\r", "100%\r", "\n", "end\n"]
    assert lines_of(*writes) == ["start", "100%", "end"]


def test_crlf_and_empty_lines_survive() -> None:
    assert lines_of("a\r\n\r\nb\n\n") == ["a", "", "b", ""]


def test_redraw_split_in_the_middle_of_a_drawing() -> None:
    assert lines_of("10%\r2", "0%\n") == ["20%"]


def test_unfinished_line_comes_out_at_finish() -> None:
    assert lines_of("no newline") == ["no newline"]
    assert lines_of("50%\r") == ["50%"]


def test_long_line_is_cut_into_pieces_and_nothing_is_lost() -> None:
    assembler = LineAssembler(4)
    runs = assembler.feed("ab\nabcdefghij\ncd\n")
    assert runs == [(["ab", "abcd"], True), (["efgh"], True), (["ij", "cd"], False)]
    assert joined(runs) == ["ab", "abcdefghij", "cd"]


def test_lines_of_one_write_come_out_as_one_run() -> None:
    assert LineAssembler(100).feed("a\nb\nc") == [(["a", "b"], False)]


def test_endless_unfinished_line_stays_bounded() -> None:
    assembler = LineAssembler(8)
    runs = []
    for _ in range(100):
        runs += assembler.feed("x" * 5)
    runs += assembler.feed("\n")
    assert all(len(text) <= 8 for texts, _ in runs for text in texts)
    assert joined(runs) == ["x" * 500]


def test_endless_redraws_stay_bounded() -> None:
    assembler = LineAssembler(100)
    for percent in range(100_000):
        assert assembler.feed(f"\r{percent}%") == []
    assert assembler.finish() == [(["99999%"], False)]


def chunk(seq: int, start: int, items: list[list[Any]]) -> bytes:
    end = start + sum(len(item[2]) for item in items)
    header = ChunkHeader(seq, 1, "me", {"console": start}, {"console": end})
    segment = encode_json({"stream": "console", "start": start, "items": items})
    return header.to_line() + segment.encode() + b"\n"


def test_cursor_joins_pieces_and_numbers_lines() -> None:
    items: list[list[Any]] = [
        [1.0, 1, ["first", "ab"], 1],
        [1.5, 2, ["err"]],
        [2.0, 1, ["cd"], 1],
        [2.0, 1, ["ef", "next"]],
    ]
    assert Cursor().feed(chunk(0, 0, items), "c0") == [
        ConsoleLine(0, 1.0, "stdout", "first"),
        ConsoleLine(1, 1.5, "stderr", "err"),
        ConsoleLine(2, 1.0, "stdout", "abcdef"),
        ConsoleLine(3, 2.0, "stdout", "next"),
    ]


def test_cursor_skips_records_it_already_has() -> None:
    cursor = Cursor()
    cursor.feed(chunk(0, 0, [[1, 1, ["a", "b"]]]), "c0")
    lines = cursor.feed(chunk(1, 1, [[1, 1, ["b"]], [2, 1, ["c", "d"]]]), "c1")
    assert lines == [ConsoleLine(2, 2, "stdout", "c"), ConsoleLine(3, 2, "stdout", "d")]


def test_a_line_cut_off_by_the_end_of_the_stream_still_comes_out() -> None:
    cursor = Cursor()
    assert cursor.feed(chunk(0, 0, [[1, 1, ["never"], 1]]), "c0") == []
    assert cursor.finish() == [ConsoleLine(0, 1, "stdout", "never")]
