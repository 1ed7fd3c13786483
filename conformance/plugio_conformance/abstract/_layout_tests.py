"""The raw output layout: shards, hashes, unique ids and joins, against Flyte's vectors."""

from __future__ import annotations

import re

import pytest

from plugio_conformance.abstract._fixtures import ConformanceFixtures
from plugio_conformance.abstract._layout import RawOutputLayout

__all__ = ["AbstractRawOutputLayoutTests"]


class AbstractRawOutputLayoutTests(ConformanceFixtures):
    """Every vector of CONTRACT.md's "Raw output paths" and "References".

    Fixture: ``raw_output_layout`` (a :class:`RawOutputLayout`).
    """

    # -- hashing and shards ------------------------------------------------------------
    def test_fnv1a_32_vectors(self, raw_output_layout: RawOutputLayout) -> None:
        assert raw_output_layout.fnv1a_32(b"abc") == 440920331
        assert raw_output_layout.fnv1a_32(b"xyz") == 3298945248

    def test_default_shards_are_1296_two_character_prefixes_letters_first(
        self, raw_output_layout: RawOutputLayout
    ) -> None:
        shards = list(raw_output_layout.default_shards())
        assert len(shards) == 1296
        assert (shards[0], shards[35], shards[36], shards[1295]) == ("aa", "a9", "ba", "99")
        assert len(set(shards)) == 1296

    def test_default_shard_vectors(self, raw_output_layout: RawOutputLayout) -> None:
        shards = raw_output_layout.default_shards()
        found = {key: raw_output_layout.select_shard(shards, key) for key in ("abc", "m", "unique")}
        assert found == {"abc": "k9", "m": "9m", "unique": "7s"}

    def test_shard_is_fnv1a_32_modulo_the_shard_count(
        self, raw_output_layout: RawOutputLayout
    ) -> None:
        shards = ["x", "y", "z"]
        for key in ("abc", "xyz", "m"):
            expected = shards[raw_output_layout.fnv1a_32(key.encode()) % 3]
            assert raw_output_layout.select_shard(shards, key) == expected

    def test_empty_shard_list_raises(self, raw_output_layout: RawOutputLayout) -> None:
        with pytest.raises(ValueError):  # noqa: PT011 - any ValueError is a refusal
            raw_output_layout.select_shard([], "abc")

    # -- raw output prefixes -------------------------------------------------------------
    def test_sharded_path_is_base_shard_id(self, raw_output_layout: RawOutputLayout) -> None:
        assert raw_output_layout.sharded_path("s3://b/raw", "abc") == "s3://b/raw/k9/abc"

    def test_deterministic_sharded_path_is_base_shard_sha1(
        self, raw_output_layout: RawOutputLayout
    ) -> None:
        assert raw_output_layout.deterministic_sharded_path("s3://b", "m") == (
            "s3://b/9m/6b0d31c0d563223024da45691584643ac78c96e8"
        )

    def test_deterministic_unique_path_is_prefix_sha1(
        self, raw_output_layout: RawOutputLayout
    ) -> None:
        assert raw_output_layout.deterministic_unique_path("s3://b/raw", "m") == (
            "s3://b/raw/6b0d31c0d563223024da45691584643ac78c96e8"
        )

    def test_task_id_path_spells_the_task_execution_id(
        self, raw_output_layout: RawOutputLayout
    ) -> None:
        path = raw_output_layout.task_id_path("s3://b/raw", "proj", "dev", "exec", "n0", 2, "t")
        assert path == "s3://b/raw/proj/dev/exec/n0/2/t"

    def test_random_raw_path_is_prefix_32_hex_file_name(
        self, raw_output_layout: RawOutputLayout
    ) -> None:
        first = raw_output_layout.random_raw_path("s3://b/raw", "data.csv")
        second = raw_output_layout.random_raw_path("s3://b/raw", "data.csv")
        for path in (first, second):
            assert re.fullmatch(r"s3://b/raw/[0-9a-f]{32}/data\.csv", path), path
        assert first != second

    def test_attempt_raw_output_prefix_is_the_sharded_unique_id(
        self, raw_output_layout: RawOutputLayout
    ) -> None:
        layout = raw_output_layout
        assert layout.attempt_raw_output_prefix("s3://b/raw", "exec", "n0", 1) == (
            "s3://b/raw/bh/exec-n0-1"
        )
        owner = "o" * 60  # the id would be over 50 bytes: it is hashed
        unique_id, overflow = layout.unique_id([owner, "n0", "0"], 50)
        assert (unique_id[0], len(unique_id), overflow) == ("f", 8, False)
        assert layout.attempt_raw_output_prefix("s3://b/raw", owner, "n0", 0) == (
            layout.sharded_path("s3://b/raw", unique_id)
        )

    def test_checkpoint_prefix_vectors(self, raw_output_layout: RawOutputLayout) -> None:
        assert raw_output_layout.checkpoint_prefix("s3://b/raw/aa/x") == (
            "s3://b/raw/aa/x/_flytecheckpoints"
        )
        assert raw_output_layout.checkpoint_prefix("") == ""

    # -- unique ids --------------------------------------------------------------------
    @pytest.mark.parametrize(
        ("parts", "max_length", "expected"),
        [
            (["x"], 5, "x"),
            (["xxxxx"], 10, "xxxxx"),
            (["x" * 24], 20, "fuaa3aji"),
            (["x", "y", "z"], 10, "x-y-z"),
            (list("xyzmnyzmnyzmn"), 15, "fe63sz6y"),
        ],
        ids=["short", "at-limit", "hashed", "parts", "many-parts-hashed"],
    )
    def test_unique_id_vectors(
        self,
        raw_output_layout: RawOutputLayout,
        parts: list[str],
        max_length: int,
        expected: str,
    ) -> None:
        assert raw_output_layout.unique_id(parts, max_length) == (expected, False)

    def test_unique_id_overflow_returns_the_hash_and_signals_it(
        self, raw_output_layout: RawOutputLayout
    ) -> None:
        assert raw_output_layout.unique_id(["x" * 24], 5) == ("fuaa3aji", True)

    # -- references ----------------------------------------------------------------------
    def test_join_appends_keys_with_single_slashes(
        self, raw_output_layout: RawOutputLayout
    ) -> None:
        assert raw_output_layout.join("s3://b", "x", "y") == "s3://b/x/y"
        assert raw_output_layout.join("s3://b/out/", "/outputs.pb") == "s3://b/out/outputs.pb"

    def test_join_escapes_as_go_does(self, raw_output_layout: RawOutputLayout) -> None:
        assert raw_output_layout.join("s3://b", "with space", "a+b.pb") == (
            "s3://b/with%20space/a+b.pb"
        )

    def test_join_resolves_dot_segments_within_the_base(
        self, raw_output_layout: RawOutputLayout
    ) -> None:
        assert raw_output_layout.join("s3://b/base", "a/../c") == "s3://b/base/c"

    def test_join_refuses_a_key_climbing_above_the_base(
        self, raw_output_layout: RawOutputLayout
    ) -> None:
        with pytest.raises(ValueError, match="not under the base"):
            raw_output_layout.join("s3://b/base", "../up")

    def test_join_refuses_a_key_with_its_own_scheme(
        self, raw_output_layout: RawOutputLayout
    ) -> None:
        with pytest.raises(ValueError, match="scheme"):
            raw_output_layout.join("s3://b/base", "s3://other/x")

    def test_reference_without_scheme_is_a_local_path(
        self, raw_output_layout: RawOutputLayout
    ) -> None:
        assert raw_output_layout.join("/data/run", "a b", "x.pb") == "/data/run/a b/x.pb"
