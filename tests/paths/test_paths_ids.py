"""FNV-1a hashing and bounded unique ids, against Flyte's own test vectors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugio.errors import ConfigurationError, PlugioError
from plugio.paths import (
    HashBits,
    UniqueIdOverflowError,
    fixed_length_unique_id,
    fixed_length_unique_id_for_parts,
    fnv1a_32,
)

LARGE_PARTS = ["x", "y", "z", "m", "n", "y", "z", "m", "n", "y", "z", "m", "n"]
LARGER_PARTS = [*LARGE_PARTS, "z", "m", "n", "y", "z", "m", "n"]
HASHED_LENGTH = {32: 8, 64: 14, 128: 27}  # "f" + unpadded base32 of the hash


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", 0x811C9DC5),  # the offset basis
        (b"abc", 440920331),
        (b"xyz", 3298945248),
    ],
)
def test_fnv1a_32(data: bytes, expected: int) -> None:
    assert fnv1a_32(data) == expected


# (text, max_length, bits, unique id, overflow): Flyte's encoding tests, 32-bit
# default and the 64-bit table its engine's tests use.
UNIQUE_ID_ROWS: list[tuple[str, int, HashBits, str, bool]] = [
    ("x", 5, 32, "x", False),
    ("xx", 1, 32, "flfryc2i", True),
    ("xxxxxx", 5, 32, "fufiti6i", True),
    ("xxxxx", 10, 32, "xxxxx", False),
    ("x" * 24, 20, 32, "fuaa3aji", False),
    ("x" * 11, 10, 32, "fggddjly", False),
    ("x", 5, 64, "x", False),
    ("xx", 1, 64, "fbdyvab4vrxwm1", True),
    ("xxxxxx", 5, 64, "fsbykgqw4gv441", True),
    ("xxxxx", 10, 64, "xxxxx", False),
    ("x" * 24, 20, 64, "fyuigwrqamd3yk", False),
]


@pytest.mark.parametrize(("text", "max_length", "bits", "expected", "overflow"), UNIQUE_ID_ROWS)
def test_fixed_length_unique_id(
    text: str, max_length: int, bits: HashBits, expected: str, overflow: bool
) -> None:
    if overflow:
        with pytest.raises(UniqueIdOverflowError) as caught:
            fixed_length_unique_id(text, max_length, bits=bits)
        assert caught.value.unique_id == expected
        assert caught.value.max_length == max_length
    else:
        assert fixed_length_unique_id(text, max_length, bits=bits) == expected


PARTS_ROWS: list[tuple[list[str], int, HashBits, str, bool]] = [
    (["x", "y", "z"], 10, 32, "x-y-z", False),
    (["x", "y"], 1, 32, "fz2jizji", True),
    (["x"], 2, 32, "x", False),
    (["x", "y", "z"], 4, 32, "fxzsoqrq", True),
    (["x", "y", "z", "m", "n"], 8, 32, "fsigbmty", False),
    (LARGE_PARTS, 15, 32, "fe63sz6y", False),
    (LARGE_PARTS, 15, 64, "fwp4bky2kucex5", False),
    (LARGER_PARTS, 30, 128, "fbmesl15enghpjepzjm5cp1zfqe", False),
    (["x", "y"], 1, 64, "fx2llkgl6golek", True),
    (["x", "y", "z"], 4, 64, "fvzirkr1kofp1m", True),
]


@pytest.mark.parametrize(("parts", "max_length", "bits", "expected", "overflow"), PARTS_ROWS)
def test_fixed_length_unique_id_for_parts(
    parts: list[str], max_length: int, bits: HashBits, expected: str, overflow: bool
) -> None:
    if overflow:
        with pytest.raises(UniqueIdOverflowError) as caught:
            fixed_length_unique_id_for_parts(parts, max_length, bits=bits)
        assert caught.value.unique_id == expected
    else:
        assert fixed_length_unique_id_for_parts(parts, max_length, bits=bits) == expected


@pytest.mark.parametrize(
    ("parts", "joined"),
    [
        ([], ""),
        ([""], ""),
        (["", "", "a"], "a"),
        (["a", ""], "a-"),
        (["", "a", "", "b"], "a--b"),
        (["a", "b"], "a-b"),
    ],
)
def test_parts_join_as_the_engine_joins_them(parts: list[str], joined: str) -> None:
    assert fixed_length_unique_id_for_parts(parts, 100) == joined
    assert fixed_length_unique_id_for_parts(iter(parts), 100) == joined


def test_length_is_counted_in_utf8_bytes() -> None:
    assert fixed_length_unique_id("éé", 4) == "éé"  # 4 bytes
    assert fixed_length_unique_id("é" * 5, 9).startswith("f")  # 10 bytes in 5 characters


def test_hashed_id_lengths() -> None:
    lengths = {bits: len(fixed_length_unique_id("x" * 40, 30, bits=bits)) for bits in (32, 64, 128)}
    assert lengths == HASHED_LENGTH


def test_overflow_is_a_configuration_error_carrying_the_id() -> None:
    with pytest.raises(ConfigurationError, match="fufiti6i") as caught:
        fixed_length_unique_id("xxxxxx", 5)
    assert isinstance(caught.value, PlugioError)
    assert isinstance(caught.value, ValueError)
    assert "at most 5 bytes" in str(caught.value)


def test_unknown_hash_width_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="32, 64 or 128"):
        fixed_length_unique_id("x" * 10, 5, bits=16)  # type: ignore[arg-type]


def test_a_single_string_is_not_taken_for_parts() -> None:
    with pytest.raises(TypeError, match="not one str"):
        fixed_length_unique_id_for_parts("xyz", 10)


@given(st.text(), st.integers(min_value=0, max_value=64), st.sampled_from([32, 64, 128]))
def test_unique_id_fits_unless_overflow_is_raised(
    text: str, max_length: int, bits: HashBits
) -> None:
    too_long = len(text.encode()) > max_length
    if too_long and HASHED_LENGTH[bits] > max_length:
        with pytest.raises(UniqueIdOverflowError) as caught:
            fixed_length_unique_id(text, max_length, bits=bits)
        assert len(caught.value.unique_id) == HASHED_LENGTH[bits]
        return
    unique_id = fixed_length_unique_id(text, max_length, bits=bits)
    assert len(unique_id.encode()) <= max_length
    assert unique_id.startswith("f") if too_long else unique_id == text
    assert fixed_length_unique_id(text, max_length, bits=bits) == unique_id


@given(st.lists(st.text(max_size=12), max_size=8), st.integers(min_value=8, max_value=40))
def test_parts_id_is_the_id_of_the_joined_parts(parts: list[str], max_length: int) -> None:
    joined = "-".join(parts[next((i for i, p in enumerate(parts) if p), len(parts)) :])
    result = fixed_length_unique_id_for_parts(parts, max_length)
    assert result == fixed_length_unique_id(joined, max_length)
    assert len(result.encode()) <= max_length


@given(st.binary())
def test_fnv1a_32_is_a_32_bit_value(data: bytes) -> None:
    assert 0 <= fnv1a_32(data) < 2**32
    assert fnv1a_32(data) == fnv1a_32(bytes(data))
