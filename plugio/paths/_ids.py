"""FNV-1a hashing and bounded-length unique ids, bit for bit as Flyte's engine makes them.

An engine names an attempt (its raw output folder, its pod) with the parts that
identify it joined by ``-``. When that is longer than the limit, the name is
``f`` followed by the unpadded base32 (alphabet ``a-z1-6``) of the FNV-1a hash
of the joined text, the hash's bytes taken big-endian::

    >>> fixed_length_unique_id_for_parts(["x", "y", "z"], 10)
    'x-y-z'
    >>> fixed_length_unique_id("x" * 24, 20)
    'fuaa3aji'

Lengths are counted in UTF-8 bytes, as Go counts them.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Final, Literal, TypeAlias

from plugio.errors import ConfigurationError, UniqueIdOverflowError

__all__ = [
    "HashBits",
    "UniqueIdOverflowError",
    "fixed_length_unique_id",
    "fixed_length_unique_id_for_parts",
    "fnv1a_32",
]

HashBits: TypeAlias = Literal[32, 64, 128]
"""The FNV-1a variants Flyte offers for hashed ids; 32 is its default."""

# (offset basis, prime) of each FNV-1a width.
_FNV: Final[dict[int, tuple[int, int]]] = {
    32: (0x811C9DC5, 0x01000193),
    64: (0xCBF29CE484222325, 0x00000100000001B3),
    128: (0x6C62272E07BB014262B821756295C58D, 0x0000000001000000000000000000013B),
}
_BASE32 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"abcdefghijklmnopqrstuvwxyz123456")


def fnv1a_32(data: bytes) -> int:
    """The 32-bit FNV-1a hash of ``data``, as Go's ``hash/fnv`` ``New32a`` gives it.

    >>> fnv1a_32(b"abc")
    440920331
    """
    return _fnv1a(data, 32)


def fixed_length_unique_id(text: str, max_length: int, *, bits: HashBits = 32) -> str:
    """``text`` itself when it fits in ``max_length`` bytes, else its hashed id.

    The hashed id is ``f`` + the base32 of the FNV-1a hash: 8 characters for
    32 bits, 14 for 64 and 27 for 128. The same text and limit always give the
    same id.

    Args:
        text: The id to bound.
        max_length: The longest id allowed, in UTF-8 bytes.
        bits: The FNV-1a width used when hashing (Flyte's ``AlgorithmOption``).

    Raises:
        UniqueIdOverflowError: The hashed id is itself longer than ``max_length``.
        ConfigurationError: ``bits`` is not 32, 64 or 128.
    """
    if bits not in _FNV:
        raise ConfigurationError(f"hashed ids use 32, 64 or 128-bit FNV-1a, not {bits!r}")
    data = text.encode("utf-8")
    if len(data) <= max_length:
        return text
    digest = _fnv1a(data, bits).to_bytes(bits // 8, "big")
    hashed = "f" + base64.b32encode(digest).translate(_BASE32).rstrip(b"=").decode("ascii")
    if len(hashed) > max_length:
        raise UniqueIdOverflowError(hashed, max_length)
    return hashed


def fixed_length_unique_id_for_parts(
    parts: Iterable[str], max_length: int, *, bits: HashBits = 32
) -> str:
    """The parts joined with ``-``, bounded as :func:`fixed_length_unique_id` does.

    Leading empty parts add no separator; every part after the first non-empty
    one does, empty or not (``["", "a", "", "b"]`` joins to ``a--b``), as
    Flyte's engine joins them.

    Raises:
        UniqueIdOverflowError: The hashed id is itself longer than ``max_length``.
        TypeError: ``parts`` is a single ``str``, which would be split into characters.
    """
    if isinstance(parts, str):
        raise TypeError("parts must be an iterable of strings, not one str")
    return fixed_length_unique_id(_join_parts(parts), max_length, bits=bits)


def _join_parts(parts: Iterable[str]) -> str:
    joined: list[str] = []
    for part in parts:
        if joined or part:
            joined.append(part)
    return "-".join(joined)


def _fnv1a(data: bytes, bits: int) -> int:
    value, prime = _FNV[bits]
    mask = (1 << bits) - 1
    for byte in data:
        value = ((value ^ byte) * prime) & mask
    return value
