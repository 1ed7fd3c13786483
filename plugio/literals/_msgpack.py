"""A small MessagePack decoder, for the ``Binary`` values flytekit writes.

flytekit (1.14 and later) stores untyped dicts, dataclasses and pydantic
models as a ``Binary`` scalar tagged ``msgpack``. plugio reads them without
depending on the ``msgpack`` package: the format is small and only decoding is
needed (plugio writes models as a generic ``Struct``, which flytekit reads too).
Extension types are refused; flytekit's encoders do not use them.
"""

from __future__ import annotations

import struct
from typing import Any

__all__ = ["unpackb"]

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
