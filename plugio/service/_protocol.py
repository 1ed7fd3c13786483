"""The service protocol, version 1: newline-delimited JSON over a local stream socket.

Every frame is one JSON object on one line (UTF-8, ending in ``\\n``, at most
``max_frame_bytes``). A client's frames carry ``"v": 1`` and an ``op``; the
first is ``hello``. The service acknowledges data frames (``line``,
``metrics``, ``event``, ``summary``) with ``{"v":1,"ok":n}`` once the first
``n`` data frames this client sent are in the stream's journal. docs/service.md
describes every frame; this module checks them and turns them into records.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from plugio.service._errors import ProtocolError
from plugio.stream._layout import encode_json

__all__ = [
    "CONTROL_OPS",
    "DATA_OPS",
    "VERSION",
    "Batch",
    "Hello",
    "encode_frame",
    "line_frame",
    "parse_frame",
    "parse_frames",
    "parse_hello",
]

VERSION = 1
DATA_OPS = frozenset({"line", "metrics", "event", "summary"})
CONTROL_OPS = frozenset({"flush", "finish", "status", "stop"})
ALL_OPS = DATA_OPS | CONTROL_OPS | {"hello"}
LEVELS = frozenset({"debug", "info", "warning", "error"})
#: One encoder for every line frame (``json.dumps`` with options makes one per call).
_encode_string = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def encode_frame(document: Mapping[str, Any]) -> bytes:
    """One frame: ``document`` with the protocol version, as a JSON line."""
    return (encode_json({"v": VERSION, **document}) + "\n").encode("utf-8", "replace")


def line_frame(text: str, fd: int = 1, more: bool = False) -> bytes:
    """A ``line`` frame (the commonest, so built without a dictionary)."""
    extra = ("" if fd == 1 else f',"fd":{fd}') + (',"more":true' if more else "")
    frame = f'{{"v":{VERSION},"op":"line","text":{_encode_string(text)}{extra}}}\n'
    return frame.encode("utf-8", "replace")


def parse_frame(line: bytes, number: int) -> dict[str, Any]:
    """The frame on ``line`` (the ``number``-th of its connection, from 1), checked.

    Raises:
        ProtocolError: Not a JSON object of version 1 with a known ``op``.
    """
    try:
        frame = json.loads(line)
    except ValueError as exc:
        raise ProtocolError(f"frame {number}: not valid JSON: {exc}") from None
    return check_frame(frame, number)


def parse_frames(lines: list[bytes], first: int) -> list[dict[str, Any]]:
    """The frames on ``lines`` (none blank), numbered from ``first``, checked.

    Well-formed lines are parsed as one JSON array, in one call; otherwise
    line by line, so that the error names the first bad frame.

    Raises:
        ProtocolError: A frame is not a JSON object of version 1 with a known ``op``.
    """
    try:
        found = json.loads(b"[" + b",".join(lines) + b"]")
    except ValueError:
        found = None
    # A line holding two values and another none would shift the frames: never
    # the same count, as a line of no value is blank or breaks the array.
    if not isinstance(found, list) or len(found) != len(lines):
        return [parse_frame(line, first + index) for index, line in enumerate(lines)]
    for index, frame in enumerate(found):
        if type(frame) is not dict or frame.get("v") != VERSION or frame.get("op") not in ALL_OPS:
            check_frame(frame, first + index)  # raises, saying what is wrong
    return found


def check_frame(frame: Any, number: int) -> dict[str, Any]:
    """``frame`` if it is a JSON object of version 1 with a known ``op``.

    Raises:
        ProtocolError: It is not.
    """
    if not isinstance(frame, dict):
        raise ProtocolError(f"frame {number}: not a JSON object")
    if frame.get("v") != VERSION:
        raise ProtocolError(f"frame {number}: protocol version {frame.get('v')!r}, not 1")
    if frame.get("op") not in ALL_OPS:
        raise ProtocolError(f"frame {number}: unknown op {frame.get('op')!r}")
    return frame


@dataclass(frozen=True)
class Hello:
    """Who a connection is: its token, stream, epoch, process tag and client id."""

    token: str
    prefix: str | None
    epoch: int | None
    proc: str | None
    client: str | None


def parse_hello(frame: dict[str, Any]) -> Hello:
    """The ``hello`` frame's fields, checked.

    Raises:
        ProtocolError: Not a ``hello``, or a field of the wrong type.
    """
    if frame.get("op") != "hello":
        raise ProtocolError(f"frame 1: the first frame must be hello, not {frame.get('op')!r}")
    token, prefix, proc = frame.get("token"), frame.get("prefix"), frame.get("proc")
    epoch, client = frame.get("epoch"), frame.get("client")
    if not isinstance(token, str):
        raise ProtocolError("frame 1: hello needs the token (a string)")
    for name, value in (("prefix", prefix), ("proc", proc), ("client", client)):
        if value is not None and (not isinstance(value, str) or not value):
            raise ProtocolError(f"frame 1: hello's {name} must be a non-empty string")
    if epoch is not None and (not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0):
        raise ProtocolError("frame 1: hello's epoch must be a whole number >= 0")
    return Hello(token, prefix, epoch, proc, client)


@dataclass
class Batch:
    """Data frames of one connection, turned into records, not yet journaled."""

    console: list[list[Any]] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    history: list[tuple[int, dict[str, float]]] = field(default_factory=list)
    frames: int = 0
    urgent: bool = False

    def add(self, frame: dict[str, Any], number: int, now: float, step: int) -> int:
        """Take one data frame; the next default metrics step.

        Raises:
            ProtocolError: A field is missing or of the wrong type.
        """
        op = frame["op"]
        if op == "line" and len(frame) == 3:  # {"v","op","text"}: the commonest frame, inline
            text, console = frame.get("text"), self.console
            if type(text) is str:
                last = console[-1] if console else None
                if last is not None and last[0] == now and last[1] == 1 and len(last) == 3:
                    last[2].append(text)
                else:
                    console.append([now, 1, [text]])
                self.frames += 1
                return step
        at = now if "t" not in frame else _time(frame, number, now)
        if op == "line":
            self._line(frame, number, at)
        elif op == "metrics":
            step = self._metrics(frame, number, at, step)
        elif op == "event":
            self._event(frame, number, at)
        else:
            values = frame.get("values")
            if not isinstance(values, dict):
                raise ProtocolError(f"frame {number}: summary needs values (an object)")
            self.summary.update(values)
        self.frames += 1
        return step

    def _line(self, frame: dict[str, Any], number: int, at: float) -> None:
        text, fd = frame.get("text"), frame.get("fd", 1)
        if type(text) is not str:
            raise ProtocolError(f"frame {number}: line needs text (a string)")
        if type(fd) is not int or fd not in (1, 2):
            raise ProtocolError(f"frame {number}: line's fd must be 1 or 2")
        console = self.console
        last = console[-1] if console else None
        if last is not None and last[0] == at and last[1] == fd and len(last) == 3:
            last[2].append(text)
        else:
            console.append([at, fd, [text]])
        if frame.get("more"):
            console[-1].append(1)

    def _metrics(self, frame: dict[str, Any], number: int, at: float, step: int) -> int:
        values, given = frame.get("values"), frame.get("step")
        if not isinstance(values, dict) or not all(
            isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool)
            for k, v in values.items()
        ):
            raise ProtocolError(f"frame {number}: metrics needs values (names to numbers)")
        if given is not None and (not isinstance(given, int) or isinstance(given, bool)):
            raise ProtocolError(f"frame {number}: metrics' step must be a whole number")
        row_step = step if given is None else given
        self.metrics.append(encode_json([at, row_step, values]))
        self.history.append((row_step, values))
        return row_step + 1

    def _event(self, frame: dict[str, Any], number: int, at: float) -> None:
        name, level = frame.get("name"), frame.get("level", "info")
        attributes = frame.get("attributes", {})
        if not isinstance(name, str) or not name:
            raise ProtocolError(f"frame {number}: event needs a name (a string)")
        if level not in LEVELS:
            raise ProtocolError(f"frame {number}: event's level must be one of {sorted(LEVELS)}")
        if not isinstance(attributes, dict):
            raise ProtocolError(f"frame {number}: event's attributes must be an object")
        self.events.append(encode_json([at, name, level, attributes]))
        self.urgent = self.urgent or level == "error"


def _time(frame: dict[str, Any], number: int, now: float) -> float:
    at = frame.get("t")
    if at is None:
        return now
    if not isinstance(at, (int, float)) or isinstance(at, bool) or not math.isfinite(at):
        raise ProtocolError(f"frame {number}: t must be a Unix time in seconds")
    return round(float(at), 3)
