"""What the engine computes per attempt: unique id, raw prefix, previous checkpoints."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugio.errors import ConfigurationError
from plugio.paths import (
    ID_MAX_LENGTH,
    PrecomputedShardSelector,
    ShardedRawOutputPaths,
    UniqueIdOverflowError,
    attempt_previous_checkpoint_prefix,
    attempt_raw_output_prefix,
    attempt_unique_id,
    checkpoint_prefix,
    default_shard_selector,
    fixed_length_unique_id_for_parts,
)

LONG_OWNER = "a" * 45  # with "-node-1-3", 54 bytes: over the limit


def test_id_limit_is_the_engines() -> None:
    assert ID_MAX_LENGTH == 50


@pytest.mark.parametrize(
    ("owner", "node_id", "attempt", "max_length", "expected"),
    [
        ("exec", "n0", 0, 50, "exec-n0-0"),
        ("exec", "n0", 12, 50, "exec-n0-12"),
        (LONG_OWNER, "node-1", 3, 50, "fg5dy3ki"),
        (LONG_OWNER, "node-1", 3, 60, f"{LONG_OWNER}-node-1-3"),
        ("a" * 40, "node-1", 3, 50, "a" * 40 + "-node-1-3"),  # 49 bytes fit
        ("a" * 40, "node-1", 3, 14, "fbvq3ljq"),
    ],
)
def test_attempt_unique_id(
    owner: str, node_id: str, attempt: int, max_length: int, expected: str
) -> None:
    assert attempt_unique_id(owner, node_id, attempt, max_length=max_length) == expected
    parts = [owner, node_id, str(attempt)]
    assert expected == fixed_length_unique_id_for_parts(parts, max_length)


@pytest.mark.parametrize(
    ("base", "owner", "node_id", "attempt", "expected"),
    [
        ("s3://b/raw", "exec", "n0", 1, "s3://b/raw/bh/exec-n0-1"),
        ("s3://my-bucket/raw", "f1a2b3c4d5e6", "n0", 0, "s3://my-bucket/raw/xz/f1a2b3c4d5e6-n0-0"),
    ],
)
def test_attempt_raw_output_prefix(
    base: str, owner: str, node_id: str, attempt: int, expected: str
) -> None:
    assert attempt_raw_output_prefix(base, owner, node_id, attempt) == expected


def test_attempt_raw_output_prefix_is_the_sharded_layout() -> None:
    unique_id = attempt_unique_id(LONG_OWNER, "node-1", 3)
    expected = ShardedRawOutputPaths("gs://b/raw", default_shard_selector(), unique_id)
    assert attempt_raw_output_prefix("gs://b/raw", LONG_OWNER, "node-1", 3) == (
        expected.get_raw_output_prefix()
    )


def test_attempt_raw_output_prefix_with_another_selector() -> None:
    selector = PrecomputedShardSelector(["only"])
    result = attempt_raw_output_prefix("s3://b/raw", "exec", "n0", 0, selector)
    assert result == "s3://b/raw/only/exec-n0-0"


def test_previous_checkpoints_of_a_retry_are_the_attempt_befores() -> None:
    for attempt in (1, 2, 7):
        before = attempt_raw_output_prefix("s3://b/raw", "exec", "n0", attempt - 1)
        previous = attempt_previous_checkpoint_prefix("s3://b/raw", "exec", "n0", attempt)
        assert previous == checkpoint_prefix(before) == before + "/_flytecheckpoints"


def test_first_attempt_resumes_from_an_earlier_execution_or_nothing() -> None:
    assert attempt_previous_checkpoint_prefix("s3://b/raw", "exec", "n0", 0) == ""
    earlier = "s3://b/raw/aa/old-n0-2/_flytecheckpoints"
    given_prefix = attempt_previous_checkpoint_prefix(
        "s3://b/raw", "exec", "n0", 0, previous_execution_checkpoint=earlier
    )
    assert given_prefix == earlier


def test_too_small_a_limit_overflows() -> None:
    with pytest.raises(UniqueIdOverflowError) as caught:
        attempt_unique_id(LONG_OWNER, "node-1", 3, max_length=7)
    assert caught.value.unique_id == "fg5dy3ki"
    with pytest.raises(UniqueIdOverflowError):
        attempt_raw_output_prefix("s3://b/raw", LONG_OWNER, "node-1", 3, max_length=7)


@pytest.mark.parametrize("attempt", [-1, 2**32, True])
def test_attempt_must_be_a_uint32(attempt: int) -> None:
    with pytest.raises(ConfigurationError, match="attempt"):
        attempt_unique_id("exec", "n0", attempt)
    with pytest.raises(ConfigurationError, match="attempt"):
        attempt_previous_checkpoint_prefix("s3://b/raw", "exec", "n0", attempt)


names = st.text(st.characters(codec="ascii", categories=["Ll", "Nd"]), min_size=1, max_size=40)


@given(names, names, st.integers(min_value=0, max_value=2**32 - 1))
def test_raw_prefix_is_deterministic_and_bounded(owner: str, node_id: str, attempt: int) -> None:
    unique_id = attempt_unique_id(owner, node_id, attempt)
    assert len(unique_id) <= ID_MAX_LENGTH
    prefix = attempt_raw_output_prefix("s3://b/raw", owner, node_id, attempt)
    assert prefix == attempt_raw_output_prefix("s3://b/raw", owner, node_id, attempt)
    shard = default_shard_selector().select(unique_id)
    assert prefix == f"s3://b/raw/{shard}/{unique_id}"
