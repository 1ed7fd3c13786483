"""Offloading large literals, on every backend, read back with flyteidl."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json

import pytest
from flyteidl.core import literals_pb2
from google.protobuf import json_format
from rig import Rig

from plugio.core import (
    Literal,
    LiteralCollection,
    LiteralMap,
    LiteralType,
    Primitive,
    Scalar,
    SimpleType,
)
from plugio.errors import LiteralTooLargeError, PayloadTooLargeError
from plugio.task import (
    MIB,
    OffloadPolicy,
    literal_hash,
    offload_literals,
    offload_literals_async,
    offloaded_literal_ref,
)

SMALL = OffloadPolicy(enabled=True, min_bytes=100, max_bytes=10_000)
STRINGS = LiteralType(collection_type=LiteralType(simple=SimpleType.STRING))


def string(value: str) -> Literal:
    return Literal(scalar=Scalar(primitive=Primitive(string_value=value)))


def strings(*values: str) -> Literal:
    return Literal(collection=LiteralCollection(literals=[string(v) for v in values]))


def outputs() -> LiteralMap:
    big = strings(*(f"item-{i:03d}" for i in range(20)))
    return LiteralMap(literals={"o0": big, "o1": string("small")})


def flyte_literal(data: bytes) -> literals_pb2.Literal:
    message = literals_pb2.Literal()
    message.ParseFromString(data)
    return message


def test_large_literal_is_offloaded_beside_outputs(rig: Rig) -> None:
    original = outputs()
    prefix = rig.ref("meta")
    result = offload_literals(rig.store, original, prefix, SMALL, inferred_types={"o0": STRINGS})
    assert result.literals["o1"] == original.literals["o1"]
    offloaded = result.literals["o0"]
    assert offloaded.WhichOneof("value") == "offloaded_metadata"
    metadata = offloaded.offloaded_metadata
    assert metadata.uri == rig.ref("meta", "o0_offloaded_metadata.pb")
    assert metadata.size_bytes == original.literals["o0"].ByteSize()
    assert metadata.inferred_type == STRINGS
    stored = flyte_literal(rig.store.read_bytes(metadata.uri))
    assert stored.SerializeToString(deterministic=True) == original.literals[
        "o0"
    ].SerializeToString(deterministic=True)
    assert len(stored.collection.literals) == 20


def test_the_map_parses_with_flyteidl(rig: Rig) -> None:
    result = offload_literals(
        rig.store, outputs(), rig.ref("meta"), SMALL, inferred_types={"o0": STRINGS}
    )
    flyte_map = literals_pb2.LiteralMap()
    flyte_map.ParseFromString(result.SerializeToString())
    metadata = flyte_map.literals["o0"].offloaded_metadata
    assert flyte_map.literals["o0"].WhichOneof("value") == "offloaded_metadata"
    assert metadata.uri.endswith("/o0_offloaded_metadata.pb")
    assert metadata.inferred_type.collection_type.simple == SimpleType.STRING
    assert flyte_map.literals["o0"].hash == result.literals["o0"].hash
    assert flyte_map.literals["o1"].scalar.primitive.string_value == "small"


def test_the_hash_is_the_flyte_sdk_hash_of_the_literal() -> None:
    literal = outputs().literals["o0"]
    flyte = flyte_literal(literal.SerializeToString())
    text = json.dumps(json_format.MessageToDict(flyte), sort_keys=True, separators=(",", ":"))
    expected = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    assert literal_hash(literal) == expected


def test_an_existing_hash_is_kept(rig: Rig) -> None:
    literals = outputs()
    literals.literals["o0"].hash = "user-hash"
    result = offload_literals(rig.store, literals, rig.ref("meta"), SMALL)
    assert result.literals["o0"].hash == "user-hash"
    assert not result.literals["o0"].offloaded_metadata.HasField("inferred_type")


def test_the_input_map_is_not_changed(rig: Rig) -> None:
    original = outputs()
    before = original.SerializeToString(deterministic=True)
    offload_literals(rig.store, original, rig.ref("meta"), SMALL)
    assert original.SerializeToString(deterministic=True) == before


def test_threshold_is_inclusive(rig: Rig) -> None:
    literals = outputs()
    size = literals.literals["o0"].ByteSize()
    at = OffloadPolicy(enabled=True, min_bytes=size, max_bytes=size + 1)
    above = OffloadPolicy(enabled=True, min_bytes=size + 1, max_bytes=size + 2)
    offloaded = offload_literals(rig.store, literals, rig.ref("a"), at)
    assert offloaded.literals["o0"].HasField("offloaded_metadata")
    kept = offload_literals(rig.store, literals, rig.ref("b"), above)
    assert kept == literals
    assert not rig.store.exists(offloaded_literal_ref(rig.ref("b"), "o0"))


def test_disabled_policy_writes_nothing(rig: Rig) -> None:
    literals = outputs()
    policy = OffloadPolicy(enabled=False, min_bytes=1, max_bytes=2)
    assert offload_literals(rig.store, literals, rig.ref("meta"), policy) == literals
    assert not rig.store.exists(offloaded_literal_ref(rig.ref("meta"), "o0"))


def test_oversize_literal_is_refused_naming_it_and_nothing_is_written(rig: Rig) -> None:
    literals = outputs()
    literals.literals["a_first"].CopyFrom(strings("x" * 200))
    size = literals.literals["o0"].ByteSize()
    policy = OffloadPolicy(enabled=True, min_bytes=100, max_bytes=size)
    with pytest.raises(LiteralTooLargeError) as raised:
        offload_literals(rig.store, literals, rig.ref("meta"), policy)
    error = raised.value
    assert isinstance(error, PayloadTooLargeError)
    assert isinstance(error, ValueError)
    assert (error.name, error.size, error.limit) == ("o0", size, size)
    assert "'o0'" in str(error)
    assert f"{size} bytes" in str(error)
    assert error.ref == offloaded_literal_ref(rig.ref("meta"), "o0")
    assert not rig.store.exists(offloaded_literal_ref(rig.ref("meta"), "a_first"))


def test_async_twin_with_bounded_concurrency(rig: Rig) -> None:
    literals = LiteralMap(literals={f"o{i}": strings("y" * 120) for i in range(5)})
    result = asyncio.run(
        offload_literals_async(rig.store, literals, rig.ref("meta"), SMALL, max_concurrency=2)
    )
    for name, literal in result.literals.items():
        assert literal.offloaded_metadata.uri == offloaded_literal_ref(rig.ref("meta"), name)
        assert flyte_literal(rig.store.read_bytes(literal.offloaded_metadata.uri)) == (
            flyte_literal(literals.literals[name].SerializeToString())
        )


def test_policy_defaults_are_flytes() -> None:
    policy = OffloadPolicy()
    assert (policy.enabled, policy.min_bytes, policy.max_bytes) == (False, 10 * MIB, 1000 * MIB)
    assert MIB == 1024 * 1024


def test_policy_from_flyte_environment() -> None:
    assert OffloadPolicy.from_env({}) == OffloadPolicy()
    assert OffloadPolicy.from_env({"_F_L_MIN_SIZE_MB": "10"}) == OffloadPolicy(enabled=True)
    env = {"_F_L_MIN_SIZE_MB": "1", "_F_L_MAX_SIZE_MB": "5"}
    assert OffloadPolicy.from_env(env) == OffloadPolicy(True, 1 * MIB, 5 * MIB)


def test_policy_is_validated() -> None:
    with pytest.raises(ValueError, match="min_bytes"):
        OffloadPolicy(min_bytes=10, max_bytes=5)
    with pytest.raises(ValueError, match="min_bytes"):
        OffloadPolicy(min_bytes=-1)
