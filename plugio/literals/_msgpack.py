"""A small MessagePack codec, for the ``Binary`` values flytekit and Flyte 2 write.

flytekit (1.14 and later) and Flyte 2 store untyped dicts, dataclasses and
pydantic models as a ``Binary`` scalar tagged ``msgpack``. plugio reads them,
and writes dataclasses the same way, without depending on the ``msgpack``
package: the format is small. :func:`packb` writes what ``msgpack.packb``
writes by default (the smallest form of each integer, floats as doubles, str
and bin types apart), so the bytes are those of both SDKs. Extension types are
refused; neither SDK's encoders use them.
"""

from __future__ import annotations

import struct
from typing import Any

__all__ = ["packb", "unpackb"]

_FIXED = {0xC0: None, 0xC2: False, 0xC3: True}
#: code -> (struct format, byte count) of numbers stored after the code byte.
_NUMBERS = {
    0xCA: (">f", 4),
    0xCB: (">d", 8),
    0xCC: (">B", 1),
    0xCD: (">H", 2),
    0xCE: (">I", 4),
    0xCF: (">Q", 8),
    0xD0: (">b", 1),
    0xD1: (">h", 2),
    0xD2: (">i", 4),
    0xD3: (">q", 8),
}
#: code -> (kind, byte count of the length that follows).
_SIZED = {
    0xC4: ("bin", 1),
    0xC5: ("bin", 2),
    0xC6: ("bin", 4),
    0xD9: ("str", 1),
    0xDA: ("str", 2),
    0xDB: ("str", 4),
    0xDC: ("array", 2),
    0xDD: ("array", 4),
    0xDE: ("map", 2),
    0xDF: ("map", 4),
}
_MAX_DEPTH = 100


def unpackb(data: bytes) -> Any:
    """The Python value of one MessagePack document.

    Maps become ``dict`` (keys as decoded), arrays ``list``, raw binary
    ``bytes``, strings ``str``.

    Raises:
        ValueError: truncated or trailing bytes, invalid UTF-8, an extension
            type, or nesting deeper than 100 levels.
    """
    reader = _Reader(memoryview(data))
    value = reader.value(0)
    if reader.offset != len(data):
        raise ValueError(f"{len(data) - reader.offset} bytes after the MessagePack value")
    return value


class _Reader:
    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.offset = 0

    def take(self, count: int) -> memoryview:
        start, end = self.offset, self.offset + count
        if end > len(self.data):
            raise ValueError("MessagePack value is truncated")
        self.offset = end
        return self.data[start:end]

    def value(self, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise ValueError(f"MessagePack value nests deeper than {_MAX_DEPTH} levels")
        code = self.take(1)[0]
        if code <= 0x7F:
            return code
        if code >= 0xE0:
            return code - 0x100
        if code <= 0x8F:
            return self.map(code & 0x0F, depth)
        if code <= 0x9F:
            return self.array(code & 0x0F, depth)
        if code <= 0xBF:
            return self.text(code & 0x1F)
        if code in _FIXED:
            return _FIXED[code]
        if code in _NUMBERS:
            layout, size = _NUMBERS[code]
            return struct.unpack(layout, self.take(size))[0]
        if code in _SIZED:
            kind, size = _SIZED[code]
            length = int.from_bytes(self.take(size), "big")
            if kind == "bin":
                return bytes(self.take(length))
            if kind == "str":
                return self.text(length)
            return self.array(length, depth) if kind == "array" else self.map(length, depth)
        raise ValueError(f"unsupported MessagePack type code 0x{code:02x} (extension types)")

    def text(self, length: int) -> str:
        try:
            return str(self.take(length), "utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"MessagePack string is not UTF-8: {exc}") from exc

    def array(self, length: int, depth: int) -> list[Any]:
        return [self.value(depth + 1) for _ in range(length)]

    def map(self, length: int, depth: int) -> dict[Any, Any]:
        found: dict[Any, Any] = {}
        for _ in range(length):
            key = self.value(depth + 1)
            value = self.value(depth + 1)
            try:
                found[key] = value
            except TypeError as exc:  # an unhashable key (a list or a map)
                raise ValueError(f"MessagePack map key is not hashable: {exc}") from exc
        return found


def packb(value: Any) -> bytes:
    """The MessagePack document of ``value``, as ``msgpack.packb`` writes it by default.

    ``None``, ``bool``, ``int`` (-2**63 to 2**64 - 1), ``float`` (a double),
    ``str``, ``bytes``, ``list``/``tuple`` (an array) and ``dict`` (a map, in
    its order) nest.

    Raises:
        TypeError: a value of another type.
        ValueError: an integer out of range, or nesting deeper than 100 levels.
    """
    out = bytearray()
    _pack(value, out, 0)
    return bytes(out)


def _pack(value: Any, out: bytearray, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise ValueError(f"the value nests deeper than {_MAX_DEPTH} levels")
    if value is None or value is True or value is False:
        out.append({None: 0xC0, False: 0xC2, True: 0xC3}[value])
    elif isinstance(value, int):
        _pack_int(int(value), out)
    elif isinstance(value, float):
        out.append(0xCB)
        out += struct.pack(">d", value)
    elif isinstance(value, str):
        data = value.encode("utf-8")
        _pack_length(len(data), out, fixed=(0xA0, 31), sized=(0xD9, 0xDA, 0xDB))
        out += data
    elif isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        _pack_length(len(data), out, fixed=None, sized=(0xC4, 0xC5, 0xC6))
        out += data
    elif isinstance(value, list | tuple):
        _pack_length(len(value), out, fixed=(0x90, 15), sized=(None, 0xDC, 0xDD))
        for item in value:
            _pack(item, out, depth + 1)
    elif isinstance(value, dict):
        _pack_length(len(value), out, fixed=(0x80, 15), sized=(None, 0xDE, 0xDF))
        for key, item in value.items():
            _pack(key, out, depth + 1)
            _pack(item, out, depth + 1)
    else:
        raise TypeError(f"no MessagePack form for {type(value).__name__}")


def _pack_int(value: int, out: bytearray) -> None:
    if 0 <= value <= 0x7F or -32 <= value < 0:
        out += value.to_bytes(1, "big", signed=value < 0)
        return
    if value >= 0:
        for code, layout, top in (
            (0xCC, ">B", 0xFF),
            (0xCD, ">H", 0xFFFF),
            (0xCE, ">I", 2**32 - 1),
        ):
            if value <= top:
                out.append(code)
                out += struct.pack(layout, value)
                return
        if value <= 2**64 - 1:
            out.append(0xCF)
            out += struct.pack(">Q", value)
            return
    else:
        for code, layout, bottom in (
            (0xD0, ">b", -(2**7)),
            (0xD1, ">h", -(2**15)),
            (0xD2, ">i", -(2**31)),
        ):
            if value >= bottom:
                out.append(code)
                out += struct.pack(layout, value)
                return
        if value >= -(2**63):
            out.append(0xD3)
            out += struct.pack(">q", value)
            return
    raise ValueError(f"an integer MessagePack holds is within -2**63 and 2**64 - 1, not {value}")


def _pack_length(
    length: int,
    out: bytearray,
    *,
    fixed: tuple[int, int] | None,
    sized: tuple[int | None, int, int],
) -> None:
    """The header of a string, binary, array or map of ``length`` items or bytes."""
    if fixed is not None and length <= fixed[1]:
        out.append(fixed[0] | length)
        return
    for code, size in zip(sized, (1, 2, 4), strict=True):
        if code is not None and length < 1 << (8 * size):
            out.append(code)
            out += length.to_bytes(size, "big")
            return
    raise ValueError(f"MessagePack holds at most 2**32 - 1 items or bytes, not {length}")
