"""Raw output prefixes in Flyte's layouts, with Flyte's test vectors."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugio.errors import ConfigurationError, InvalidReferenceError
from plugio.paths import (
    DeterministicUniqueRawOutputPaths,
    PrecomputedShardSelector,
    RawOutputPaths,
    RawOutputPrefix,
    ShardedDeterministicRawOutputPaths,
    ShardedRawOutputPaths,
    TaskIdRawOutputPaths,
    default_shard_selector,
    random_raw_path,
)

SHA1_M = "6b0d31c0d563223024da45691584643ac78c96e8"
ONE_SHARD = PrecomputedShardSelector(["x"])
BAD_SHARD = PrecomputedShardSelector(["s3:// abc"])


@pytest.mark.parametrize("prefix", ["x", "", "s3://b/raw", "/tmp/raw"])
def test_raw_output_prefix_is_returned_as_given(prefix: str) -> None:
    paths = RawOutputPrefix(prefix)
    assert isinstance(paths, RawOutputPaths)
    assert paths.get_raw_output_prefix() == prefix


@pytest.mark.parametrize(
    ("base", "selector", "unique_id", "expected"),
    [
        ("s3://flyte", ONE_SHARD, "unique", "s3://flyte/x/unique"),
        ("s3://flyte/raw/", ONE_SHARD, "unique", "s3://flyte/raw/x/unique"),
        ("s3://flyte", default_shard_selector(), "unique", "s3://flyte/7s/unique"),
        ("gs://b/raw", default_shard_selector(), "abc", "gs://b/raw/k9/abc"),
        ("/tmp/raw", default_shard_selector(), "m", "/tmp/raw/9m/m"),
    ],
)
def test_sharded(
    base: str, selector: PrecomputedShardSelector, unique_id: str, expected: str
) -> None:
    assert ShardedRawOutputPaths(base, selector, unique_id).get_raw_output_prefix() == expected


@pytest.mark.parametrize(
    ("base", "selector", "metadata_prefix", "expected"),
    [
        ("s3://bucket", ONE_SHARD, "m", f"s3://bucket/x/{SHA1_M}"),
        ("s3://bucket", default_shard_selector(), "m", f"s3://bucket/9m/{SHA1_M}"),
    ],
)
def test_sharded_deterministic(
    base: str, selector: PrecomputedShardSelector, metadata_prefix: str, expected: str
) -> None:
    paths = ShardedDeterministicRawOutputPaths(base, selector, metadata_prefix)
    assert paths.get_raw_output_prefix() == expected


@pytest.mark.parametrize(
    ("prefix", "metadata_prefix", "expected"),
    [
        ("s3://bucket", "m", f"s3://bucket/{SHA1_M}"),
        # Flyte's Go engine turns the bare name into "/bucket/..."; plugio keeps
        # a reference without a scheme a (relative) local path.
        ("bucket", "m", f"bucket/{SHA1_M}"),
        ("s3://raw", "s3://meta/a/b", "s3://raw/62c43121095652b8dfbdf5060d68d6a3861f1f1e"),
    ],
)
def test_deterministic_unique(prefix: str, metadata_prefix: str, expected: str) -> None:
    paths = DeterministicUniqueRawOutputPaths(prefix, metadata_prefix)
    assert paths.get_raw_output_prefix() == expected


def test_a_shard_that_cannot_be_a_key_fails_as_in_flyte() -> None:
    with pytest.raises(InvalidReferenceError):
        ShardedRawOutputPaths("s3://bucket", BAD_SHARD, "m")
    with pytest.raises(InvalidReferenceError):
        ShardedDeterministicRawOutputPaths("s3://bucket", BAD_SHARD, "m")


def test_task_id_layout() -> None:
    paths = TaskIdRawOutputPaths("s3://bucket", "project", "domain", "exec", "n1", 0, "task1")
    assert paths.get_raw_output_prefix() == "s3://bucket/project/domain/exec/n1/0/task1"
    later = TaskIdRawOutputPaths("s3://bucket/", "p", "d", "e", "n", 12, "t")
    assert later.get_raw_output_prefix() == "s3://bucket/p/d/e/n/12/t"


@pytest.mark.parametrize("attempt", [-1, 2**32, True, 1.0, "0"])
def test_task_id_attempt_must_be_a_uint32(attempt: object) -> None:
    with pytest.raises(ConfigurationError, match="attempt"):
        TaskIdRawOutputPaths("s3://b", "p", "d", "e", "n", attempt, "t")  # type: ignore[arg-type]


def test_largest_attempt_is_accepted() -> None:
    paths = TaskIdRawOutputPaths("s3://b", "p", "d", "e", "n", 2**32 - 1, "t")
    assert paths.get_raw_output_prefix() == "s3://b/p/d/e/n/4294967295/t"


def test_equality_and_repr() -> None:
    assert RawOutputPrefix("s3://b/x/unique") == RawOutputPrefix("s3://b/x/unique")
    sharded = ShardedRawOutputPaths("s3://b", ONE_SHARD, "unique")
    assert sharded == ShardedRawOutputPaths("s3://b", ONE_SHARD, "unique")
    assert sharded != RawOutputPrefix("s3://b/x/unique")  # same prefix, other layout
    assert hash(sharded) == hash(ShardedRawOutputPaths("s3://b", ONE_SHARD, "unique"))
    assert repr(sharded) == "ShardedRawOutputPaths(raw_output_prefix='s3://b/x/unique')"
    assert RawOutputPrefix("a") != "a"


RANDOM = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize(
    ("prefix", "file_name", "head", "tail"),
    [
        ("s3://b/raw", "data.csv", "s3://b/raw/", "/data.csv"),
        ("s3://b/raw/", "dir/data.csv", "s3://b/raw/", "/data.csv"),
        ("gs://b/raw", None, "gs://b/raw/", ""),
        ("gs://b/raw", "dir/", "gs://b/raw/", ""),
        ("memory://x/raw", "a b.txt", "memory://x/raw/", "/a%20b.txt"),
        ("/tmp/raw", "a b.txt", "/tmp/raw/", "/a b.txt"),
    ],
)
def test_random_raw_path(prefix: str, file_name: str | None, head: str, tail: str) -> None:
    path = random_raw_path(prefix, file_name)
    assert path.startswith(head)
    assert path.endswith(tail)
    assert RANDOM.fullmatch(path[len(head) : len(path) - len(tail)])


def test_random_raw_paths_differ() -> None:
    assert len({random_raw_path("s3://b/raw", "f") for _ in range(100)}) == 100


@given(st.text(st.characters(codec="utf-8", exclude_characters="?#"), min_size=1))
def test_sharded_prefix_ends_with_the_id_under_one_default_shard(unique_id: str) -> None:
    try:
        prefix = ShardedRawOutputPaths("s3://b/raw", default_shard_selector(), unique_id)
    except InvalidReferenceError:
        return  # ids that are not valid keys (schemes, control characters) are refused
    shard = default_shard_selector().select(unique_id)
    assert prefix.get_raw_output_prefix().startswith(f"s3://b/raw/{shard}/")
