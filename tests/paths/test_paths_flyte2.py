"""Flyte 2's layout: attempt prefixes sharded after the bucket, attempts from 1.

The expected shard of each vector is computed here from the engine's algorithm
as its source states it (FNV-1a 32 over ``<namespace>/<name>``, modulo 1296,
into the base-36 prefixes ``aa, ab, ..., 99``), without plugio's selector.
"""

from __future__ import annotations

import pytest

from plugio.errors import ConfigurationError, InvalidReferenceError
from plugio.paths import (
    Flyte2Attempt,
    PrecomputedShardSelector,
    flyte2_run_inputs_path,
    flyte2_sub_action_inputs_path,
)
from plugio.storage import DataStore

BASE36 = "abcdefghijklmnopqrstuvwxyz0123456789"


def engine_shard(namespace: str, name: str) -> str:
    """The engine's shard, from its stated algorithm."""
    value = 0x811C9DC5
    for byte in f"{namespace}/{name}".encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    prefixes = [first + second for first in BASE36 for second in BASE36]
    return prefixes[value % len(prefixes)]


VECTORS = [
    # run base, namespace, task action name, action, attempt, expected prefix (shard as {})
    ("s3://bucket/p/d/r1", "flyte", "r1-a0", "a0", 1, "s3://bucket/{}/p/d/r1/a0/1"),
    ("s3://bucket/p/d/r1/", "flyte", "r1-a0", "a0", 3, "s3://bucket/{}/p/d/r1/a0/3"),
    ("gs://b/org/p/d/run-x", "team-ns", "run-x-n1", "n1", 2, "gs://b/{}/org/p/d/run-x/n1/2"),
    ("abfs://c/p/d/r%20é", "ns", "name with space", "a 1", 1, "abfs://c/{}/p/d/r%20é/a 1/1"),
    ("s3://bucket", "ns", "only-bucket", "a0", 1, "s3://bucket/{}/a0/1"),
    ("file:///tmp/base", "ns", "t", "a0", 1, "file:///{}/tmp/base/a0/1"),
]


@pytest.mark.parametrize(("base", "namespace", "name", "action", "attempt", "expected"), VECTORS)
def test_output_prefix_is_the_engines(
    base: str, namespace: str, name: str, action: str, attempt: int, expected: str
) -> None:
    layout = Flyte2Attempt(base, namespace, name, action, attempt)
    shard = engine_shard(namespace, name)
    assert layout.shard == shard
    assert layout.output_prefix == expected.format(shard)
    assert layout.raw_output_prefix == layout.output_prefix
    assert layout.checkpoint == f"{layout.output_prefix}/_flytecheckpoints"


def test_known_shards() -> None:
    # Worked by hand from the algorithm above; they pin the hash and the table order.
    assert engine_shard("ns", "r1-a0") == Flyte2Attempt("s3://b/p", "ns", "r1-a0", "a0").shard
    assert Flyte2Attempt("s3://b/p/d/r1", "ns", "r1-a0", "a0").shard == "wa"


def test_previous_checkpoint_is_the_attempt_before() -> None:
    first = Flyte2Attempt("s3://b/p/d/r", "ns", "t", "a0", 1)
    third = Flyte2Attempt("s3://b/p/d/r", "ns", "t", "a0", 3)
    second = Flyte2Attempt("s3://b/p/d/r", "ns", "t", "a0", 2)
    assert first.previous_checkpoint == ""
    assert third.previous_checkpoint == second.checkpoint
    assert second.previous_checkpoint == first.checkpoint


def test_inputs_of_the_run_and_of_sub_actions_are_unsharded() -> None:
    layout = Flyte2Attempt("s3://b/p/d/r/", "ns", "t", "a0")
    assert layout.run_inputs_path == "s3://b/p/d/r/inputs/inputs.pb"
    assert flyte2_run_inputs_path("s3://b/p/d/r") == layout.run_inputs_path
    assert layout.sub_action_inputs_path("a1") == "s3://b/p/d/r/a1/inputs.pb"
    assert flyte2_sub_action_inputs_path("s3://b/p/d/r", "a1") == "s3://b/p/d/r/a1/inputs.pb"


def test_output_paths_put_raw_data_and_report_under_the_attempt() -> None:
    store = DataStore()
    layout = Flyte2Attempt("memory://b/p/d/r", "ns", "t", "a0", 2)
    paths = layout.output_paths(store)
    prefix = layout.output_prefix
    assert paths.get_output_path() == f"{prefix}/outputs.pb"
    assert paths.get_error_path() == f"{prefix}/error.pb"
    assert paths.get_deck_path() == f"{prefix}/report.html"
    assert paths.get_checkpoint_prefix() == layout.checkpoint
    assert paths.get_previous_checkpoints_prefix() == layout.previous_checkpoint


def test_a_selector_can_be_given() -> None:
    layout = Flyte2Attempt(
        "s3://b/r", "ns", "t", "a0", shard_selector=PrecomputedShardSelector(["x"])
    )
    assert layout.output_prefix == "s3://b/x/r/a0/1"


@pytest.mark.parametrize("attempt", [0, -1, True, 1.0])
def test_attempts_count_from_one(attempt: object) -> None:
    with pytest.raises(ConfigurationError, match="counts from 1"):
        Flyte2Attempt("s3://b/r", "ns", "t", "a0", attempt)  # type: ignore[arg-type]


@pytest.mark.parametrize("action", ["", "a/b"])
def test_an_action_is_one_segment(action: str) -> None:
    with pytest.raises(ConfigurationError, match="one non-empty path segment"):
        Flyte2Attempt("s3://b/r", "ns", "t", action)
    with pytest.raises(ConfigurationError, match="one non-empty path segment"):
        flyte2_sub_action_inputs_path("s3://b/r", action)


def test_a_run_base_needs_a_bucket() -> None:
    with pytest.raises(ConfigurationError, match="needs a scheme and a bucket: '/tmp/run'"):
        Flyte2Attempt("/tmp/run", "ns", "t", "a0")
    with pytest.raises(InvalidReferenceError):
        Flyte2Attempt("s3://", "ns", "t", "a0")
