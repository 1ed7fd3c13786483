"""The MessagePack decoder, against a reference encoder written from the specification."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugio.core import Literal
from plugio.literals import from_literal
from plugio.literals._msgpack import unpackb


def _length(small: int, codes: tuple[int, int, int], length: int, fix_limit: int) -> bytes:
    if length < fix_limit and small >= 0:
        return bytes([small | length])
    for code, size in zip(codes, (1, 2, 4), strict=True):
        if code and length < 2 ** (8 * size):
            return bytes([code]) + length.to_bytes(size, "big")
    raise ValueError(length)


def pack(value: Any, wide: bool = False) -> bytes:
    """MessagePack bytes of ``value``; ``wide`` picks the largest encodings."""
    if value is None:
        return b"\xc0"
    if isinstance(value, bool):
        return b"\xc3" if value else b"\xc2"
    if isinstance(value, int):
        if wide:
            return (
                b"\xd3" + struct.pack(">q", value)
                if value < 2**63
                else b"\xcf" + struct.pack(">Q", value)
            )
        if 0 <= value <= 0x7F:
            return bytes([value])
        if -32 <= value < 0:
            return struct.pack(">b", value)
        for code, layout, low, high in (
            (0xCC, ">B", 0, 2**8), (0xCD, ">H", 0, 2**16), (0xCE, ">I", 0, 2**32),
            (0xCF, ">Q", 0, 2**64), (0xD0, ">b", -(2**7), 2**7), (0xD1, ">h", -(2**15), 2**15),
            (0xD2, ">i", -(2**31), 2**31), (0xD3, ">q", -(2**63), 2**63),
        ):  # fmt: skip
            if low <= value < high:
                return bytes([code]) + struct.pack(layout, value)
    if isinstance(value, float):
        return b"\xcb" + struct.pack(">d", value)
    if isinstance(value, str):
        data = value.encode()
        fix = -1 if wide else 0xA0
        return _length(fix, (0xD9, 0xDA, 0xDB), len(data), 32) + data
    if isinstance(value, bytes):
        return _length(-1, (0xC4, 0xC5, 0xC6), len(value), 0) + value
    if isinstance(value, list):
        head = _length(-1 if wide else 0x90, (0, 0xDC, 0xDD), len(value), 16)
        return head + b"".join(pack(item, wide) for item in value)
    head = _length(-1 if wide else 0x80, (0, 0xDE, 0xDF), len(value), 16)
    return head + b"".join(pack(k, wide) + pack(v, wide) for k, v in value.items())


documents = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary(),
    lambda children: (
        st.lists(children, max_size=20)
        | st.dictionaries(
            st.text(max_size=5) | st.integers(-(2**63), 2**63 - 1), children, max_size=20
        )
    ),
    max_leaves=40,
)


@settings(max_examples=200, deadline=None)
@given(documents, st.booleans())
def test_decodes_what_the_reference_encoder_writes(value: Any, wide: bool) -> None:
    assert unpackb(pack(value, wide)) == value


def test_decodes_float32_and_long_strings() -> None:
    assert unpackb(b"\xca" + struct.pack(">f", 1.5)) == 1.5
    assert unpackb(pack("x" * 70_000)) == "x" * 70_000
    assert unpackb(pack(list(range(20)))) == list(range(20))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "truncated"),
        (b"\x92\x01", "truncated"),
        (b"\x01\x02", "after the MessagePack value"),
        (b"\xd4\x01\x00", "extension"),
        (b"\xc1", "0xc1"),
        (b"\xa1\xff", "not UTF-8"),
        (b"\x81\x90\x01", "not hashable"),
        (b"\x91" * 200 + b"\xc0", "deeper"),
    ],
)
def test_malformed_documents_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        unpackb(data)


def test_a_msgpack_binary_literal_reads_as_its_value() -> None:
    literal = Literal()
    literal.scalar.binary.value = pack({"a": 1, "b": [True, None, "x"]})
    literal.scalar.binary.tag = "msgpack"
    assert from_literal(literal) == {"a": 1, "b": [True, None, "x"]}
    literal.scalar.binary.tag = ""
    assert from_literal(literal) == literal.scalar.binary.value
