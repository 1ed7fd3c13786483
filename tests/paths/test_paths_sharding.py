"""Shard selectors: Flyte's FNV-1a modulo choice and its 1296 default prefixes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugio.errors import ConfigurationError
from plugio.paths import (
    SHARD_ALPHABET,
    PrecomputedShardSelector,
    ShardSelector,
    default_shard_selector,
    fnv1a_32,
)


@pytest.mark.parametrize(
    ("index", "prefix"),
    [(0, "aa"), (1, "ab"), (25, "az"), (26, "a0"), (35, "a9"), (36, "ba"), (1295, "99")],
)
def test_default_prefixes(index: int, prefix: str) -> None:
    assert default_shard_selector().prefixes[index] == prefix


def test_default_selector_has_1296_distinct_prefixes() -> None:
    prefixes = default_shard_selector().prefixes
    assert len(prefixes) == len(set(prefixes)) == 36 * 36
    assert all(len(prefix) == 2 for prefix in prefixes)


def test_alphabet_is_letters_then_digits() -> None:
    assert len(SHARD_ALPHABET) == 36
    assert SHARD_ALPHABET[0] == "a"
    assert SHARD_ALPHABET[25] == "z"
    assert SHARD_ALPHABET[26] == "0"
    assert SHARD_ALPHABET[35] == "9"


def test_default_selector_is_shared() -> None:
    assert default_shard_selector() is default_shard_selector()


@pytest.mark.parametrize(("key", "shard"), [("abc", "k9"), ("m", "9m"), ("unique", "7s")])
def test_default_shard_vectors(key: str, shard: str) -> None:
    assert default_shard_selector().select(key) == shard
    assert default_shard_selector().select(key.encode()) == shard
    assert default_shard_selector().get_shard_prefix(key.encode()) == shard


@pytest.mark.parametrize(
    ("prefixes", "key", "shard"),
    [
        (["x"], "abc", "x"),  # Flyte: single-shard
        (["x", "y"], "abc", "y"),  # Flyte: two-shards
        (["x", "y"], "xyz", "x"),
    ],
)
def test_precomputed_selector(prefixes: list[str], key: str, shard: str) -> None:
    assert PrecomputedShardSelector(prefixes).select(key) == shard


def test_empty_prefix_list_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="at least one shard prefix"):
        PrecomputedShardSelector([])


def test_a_single_string_is_not_taken_for_prefixes() -> None:
    with pytest.raises(TypeError, match="not one str"):
        PrecomputedShardSelector("xy")


def test_prefixes_are_kept_in_order_from_any_iterable() -> None:
    selector = PrecomputedShardSelector(iter(["b", "a"]))
    assert selector.prefixes == ("b", "a")
    assert selector == PrecomputedShardSelector(["b", "a"])
    assert selector != PrecomputedShardSelector(["a", "b"])
    assert hash(selector) == hash(PrecomputedShardSelector(("b", "a")))
    assert "2 prefixes" in repr(selector)


def test_a_custom_selector_needs_only_the_hook() -> None:
    class FirstByte(ShardSelector):
        def get_shard_prefix(self, key: bytes) -> str:
            return f"{key[0]:02x}"

    assert FirstByte().select("abc") == "61"
    with pytest.raises(TypeError):
        ShardSelector()  # type: ignore[abstract]


@given(st.text(), st.lists(st.text(min_size=1), min_size=1, max_size=20))
def test_shard_is_always_one_of_the_prefixes(key: str, prefixes: list[str]) -> None:
    selector = PrecomputedShardSelector(prefixes)
    shard = selector.select(key)
    assert shard in prefixes
    assert shard == selector.select(key)
    assert shard == prefixes[fnv1a_32(key.encode()) % len(prefixes)]


@given(st.binary())
def test_default_shard_is_deterministic(key: bytes) -> None:
    shard = default_shard_selector().select(key)
    assert shard in default_shard_selector().prefixes
    assert shard == PrecomputedShardSelector(default_shard_selector().prefixes).select(key)
