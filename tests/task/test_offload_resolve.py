"""Reading offloaded literals back, nested ones too, on every backend."""

from __future__ import annotations

import asyncio

import pytest
from rig import Rig

from plugio.core import (
    Literal,
    LiteralCollection,
    LiteralMap,
    LiteralOffloadedMetadata,
    Primitive,
    Scalar,
    Union,
)
from plugio.errors import (
    CorruptPayloadError,
    InvalidReferenceError,
    NotFoundError,
    PayloadTooLargeError,
)
from plugio.task import (
    OffloadPolicy,
    offload_literals,
    resolve_offloaded,
    resolve_offloaded_async,
)

SMALL = OffloadPolicy(enabled=True, min_bytes=100, max_bytes=10_000)


def integer(value: int) -> Literal:
    return Literal(scalar=Scalar(primitive=Primitive(integer=value)))


def text(value: str) -> Literal:
    return Literal(scalar=Scalar(primitive=Primitive(string_value=value)))


def pointer(uri: str) -> Literal:
    return Literal(offloaded_metadata=LiteralOffloadedMetadata(uri=uri, size_bytes=1))


def stored(rig: Rig, name: str, literal: Literal) -> Literal:
    """``literal`` written at ``name`` under the test prefix, and a pointer to it."""
    ref = rig.ref("objects", name)
    rig.store.write_protobuf(ref, literal)
    return pointer(ref)


def test_round_trip(rig: Rig) -> None:
    original = LiteralMap(
        literals={
            "o0": Literal(collection=LiteralCollection(literals=[text("z" * 50)] * 4)),
            "o1": integer(1),
        }
    )
    offloaded = offload_literals(rig.store, original, rig.ref("meta"), SMALL)
    assert offloaded.literals["o0"].HasField("offloaded_metadata")
    assert resolve_offloaded(rig.store, offloaded) == original


def test_nested_in_collections_maps_unions_and_fetched_content(rig: Rig) -> None:
    inner = stored(rig, "inner.pb", text("deep"))
    outer = stored(rig, "outer.pb", Literal(collection=LiteralCollection(literals=[inner])))
    union = Literal(scalar=Scalar(union=Union(value=stored(rig, "u.pb", integer(7)))))
    literal_map = LiteralMap(
        literals={
            "list": Literal(
                collection=LiteralCollection(literals=[stored(rig, "a.pb", integer(1)), integer(2)])
            ),
            "map": Literal(map=LiteralMap(literals={"k": stored(rig, "b.pb", text("v"))})),
            "union": union,
            "outer": outer,
        }
    )
    before = literal_map.SerializeToString(deterministic=True)
    resolved = resolve_offloaded(rig.store, literal_map)
    assert literal_map.SerializeToString(deterministic=True) == before
    assert [
        lit.scalar.primitive.integer for lit in resolved.literals["list"].collection.literals
    ] == [1, 2]
    assert resolved.literals["map"].map.literals["k"] == text("v")
    assert resolved.literals["union"].scalar.union.value == integer(7)
    assert resolved.literals["outer"].collection.literals[0] == text("deep")


def test_async_twin_with_bounded_concurrency(rig: Rig) -> None:
    items = [stored(rig, f"item-{i}.pb", integer(i)) for i in range(6)]
    literal_map = LiteralMap(literals={"xs": Literal(collection=LiteralCollection(literals=items))})
    resolved = asyncio.run(resolve_offloaded_async(rig.store, literal_map, max_concurrency=2))
    assert resolved.literals["xs"].collection.literals == [integer(i) for i in range(6)]


def test_missing_object_names_the_uri(rig: Rig) -> None:
    uri = rig.ref("objects", "gone.pb")
    with pytest.raises(NotFoundError) as raised:
        resolve_offloaded(rig.store, LiteralMap(literals={"o0": pointer(uri)}))
    assert raised.value.ref == uri
    assert uri in str(raised.value)


def test_corrupt_object_names_the_uri(rig: Rig) -> None:
    uri = rig.ref("objects", "corrupt.pb")
    rig.store.write_bytes(uri, b"\xff\xff\xff")
    with pytest.raises(CorruptPayloadError) as raised:
        resolve_offloaded(rig.store, LiteralMap(literals={"o0": pointer(uri)}))
    assert raised.value.ref == uri
    assert uri in str(raised.value)


def test_empty_object_is_corrupt(rig: Rig) -> None:
    uri = rig.ref("objects", "empty.pb")
    rig.store.write_bytes(uri, b"")
    with pytest.raises(CorruptPayloadError, match="holds no value") as raised:
        resolve_offloaded(rig.store, LiteralMap(literals={"o0": pointer(uri)}))
    assert raised.value.ref == uri


def test_object_over_the_limit(rig: Rig) -> None:
    literal = stored(rig, "big.pb", text("x" * 500))
    with pytest.raises(PayloadTooLargeError) as raised:
        resolve_offloaded(rig.store, LiteralMap(literals={"o0": literal}), max_payload_bytes=100)
    assert raised.value.ref == literal.offloaded_metadata.uri


def test_a_cycle_is_corrupt(rig: Rig) -> None:
    uri = rig.ref("objects", "self.pb")
    rig.store.write_protobuf(uri, pointer(uri))
    with pytest.raises(CorruptPayloadError, match="nest") as raised:
        resolve_offloaded(rig.store, LiteralMap(literals={"o0": pointer(uri)}))
    assert raised.value.ref == uri


def test_empty_uri_is_refused(rig: Rig) -> None:
    with pytest.raises(InvalidReferenceError, match="empty uri"):
        resolve_offloaded(rig.store, LiteralMap(literals={"o0": pointer("")}))


def test_map_without_offloaded_literals_is_copied(rig: Rig) -> None:
    literal_map = LiteralMap(literals={"o0": integer(3)})
    resolved = resolve_offloaded(rig.store, literal_map)
    assert resolved == literal_map
    assert resolved is not literal_map
