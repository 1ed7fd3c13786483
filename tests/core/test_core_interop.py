"""Bytes written by plugio.core parse with flyteidl, and the other way round.

Each corpus value is built with plugio's classes. Flyte's side builds its own
copy independently from the JSON form, so neither direction merely echoes the
other's bytes. Content is compared as deterministic bytes and as dicts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from flyteidl.core import errors_pb2 as flyte_errors
from flyteidl.core import execution_pb2 as flyte_execution
from flyteidl.core import literals_pb2 as flyte_literals
from flyteidl.core import types_pb2 as flyte_types
from google.protobuf import json_format, struct_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from hypothesis import given, settings
from hypothesis import strategies as st

from plugio.core import (
    Binary,
    Blob,
    BlobMetadata,
    BlobType,
    ContainerError,
    EnumType,
    Error,
    ErrorDocument,
    ExecutionError,
    KeyValuePair,
    Literal,
    LiteralCollection,
    LiteralMap,
    LiteralOffloadedMetadata,
    LiteralType,
    Primitive,
    Scalar,
    Schema,
    SchemaType,
    SimpleType,
    StructuredDataset,
    StructuredDatasetMetadata,
    StructuredDatasetType,
    TypeAnnotation,
    TypeStructure,
    Union,
    UnionType,
    Void,
)
from plugio.core._proto import artifact_id_pb2, execution_pb2, literals_pb2, task_pb2, types_pb2

FLYTE_MODULES = (flyte_types, flyte_literals, flyte_execution, flyte_errors)
OUR_MODULES = (types_pb2, artifact_id_pb2, literals_pb2, execution_pb2, task_pb2)
FLYTE_POOL = flyte_literals.DESCRIPTOR.pool


def flyte_class(ours: Message) -> type[Message]:
    """Flyte's class for the message type of ``ours`` (same name, other package)."""
    name = ours.DESCRIPTOR.full_name.removeprefix("plugio.core.")
    for module in FLYTE_MODULES:
        if hasattr(module, name):
            cls: type[Message] = getattr(module, name)
            return cls
    raise LookupError(name)


def as_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def assert_same_content(ours: Message, theirs: Message) -> None:
    assert ours.SerializeToString(deterministic=True) == theirs.SerializeToString(
        deterministic=True
    )
    assert as_dict(ours) == as_dict(theirs)


def assert_interoperable(ours: Message) -> None:
    cls = flyte_class(ours)
    # plugio writes, Flyte reads.
    read_by_flyte = cls.FromString(ours.SerializeToString())
    assert_same_content(ours, read_by_flyte)
    # Flyte writes its own copy, plugio reads.
    written_by_flyte = json_format.ParseDict(as_dict(ours), cls())
    read_by_us = type(ours).FromString(written_by_flyte.SerializeToString())
    assert read_by_us == ours
    assert_same_content(read_by_us, written_by_flyte)


# --- corpus ----------------------------------------------------------------

WHEN = datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=timezone.utc)


def primitive_literal(**value: Any) -> Literal:
    return Literal(scalar=Scalar(primitive=Primitive(**value)))


def timestamp_primitive() -> Primitive:
    primitive = Primitive()
    primitive.datetime.FromDatetime(WHEN)
    return primitive


def duration_primitive() -> Primitive:
    primitive = Primitive()
    primitive.duration.FromTimedelta(timedelta(days=-1, microseconds=7))
    return primitive


def generic_struct() -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(
        {
            "name": "run",
            "count": 3,
            "ratio": -0.25,
            "flag": True,
            "missing": None,
            "nested": {"list": [1, "two", None, [False, {"deep": []}]], "empty": {}},
        }
    )
    return struct


def schema_type() -> SchemaType:
    column = SchemaType.SchemaColumn
    return SchemaType(
        columns=[
            column(name=name.lower(), type=name) for name, _ in column.SchemaColumnType.items()
        ]
    )


def every_literal_type() -> list[LiteralType]:
    dataset_type = StructuredDatasetType(
        columns=[
            StructuredDatasetType.DatasetColumn(
                name="a", literal_type=LiteralType(simple=SimpleType.INTEGER)
            ),
            StructuredDatasetType.DatasetColumn(
                name="b",
                literal_type=LiteralType(collection_type=LiteralType(simple=SimpleType.STRING)),
            ),
        ],
        format="parquet",
        external_schema_type="arrow",
        external_schema_bytes=b"\x00\xffschema",
    )
    annotation = struct_pb2.Struct()
    annotation.update({"cache": {"version": 2}})
    metadata = struct_pb2.Struct()
    metadata.update({"module": "my.types", "hints": [1, None]})
    return [
        *(LiteralType(simple=name) for name, _ in SimpleType.items()),
        LiteralType(schema=schema_type()),
        LiteralType(collection_type=LiteralType(simple=SimpleType.FLOAT)),
        LiteralType(
            map_value_type=LiteralType(collection_type=LiteralType(simple=SimpleType.BOOLEAN))
        ),
        LiteralType(blob=BlobType(format="csv", dimensionality=BlobType.MULTIPART)),
        LiteralType(enum_type=EnumType(values=["red", "green"])),
        LiteralType(structured_dataset_type=dataset_type),
        LiteralType(
            union_type=UnionType(
                variants=[
                    LiteralType(simple=SimpleType.INTEGER, structure=TypeStructure(tag="int")),
                    LiteralType(simple=SimpleType.NONE, structure=TypeStructure(tag="none")),
                ]
            )
        ),
        LiteralType(
            simple=SimpleType.STRUCT,
            metadata=metadata,
            annotation=TypeAnnotation(annotations=annotation),
            structure=TypeStructure(
                tag="Point",
                dataclass_type={
                    "x": LiteralType(simple=SimpleType.FLOAT),
                    "tags": LiteralType(map_value_type=LiteralType(simple=SimpleType.STRING)),
                },
            ),
        ),
    ]


def literal_corpus() -> dict[str, Literal]:
    single = BlobType(format="", dimensionality=BlobType.SINGLE)
    multipart = BlobType(format="parquet", dimensionality=BlobType.MULTIPART)
    dataset_type = StructuredDatasetType(format="parquet", external_schema_type="arrow")
    union_type = LiteralType(
        union_type=UnionType(
            variants=[LiteralType(simple=SimpleType.STRING), LiteralType(simple=SimpleType.NONE)]
        )
    )
    corpus: dict[str, Literal] = {
        "integer": primitive_literal(integer=-(2**63)),
        "integer-zero": primitive_literal(integer=0),
        "float": primitive_literal(float_value=-1.5e-300),
        "float-zero": primitive_literal(float_value=0.0),
        "float-infinite": primitive_literal(float_value=float("inf")),
        "string": primitive_literal(string_value="héllo \u2603 \U0001f600"),
        "string-empty": primitive_literal(string_value=""),
        "boolean": primitive_literal(boolean=True),
        "boolean-false": primitive_literal(boolean=False),
        "datetime": Literal(scalar=Scalar(primitive=timestamp_primitive())),
        "duration": Literal(scalar=Scalar(primitive=duration_primitive())),
        "blob-single": Literal(
            scalar=Scalar(blob=Blob(uri="s3://bucket/file", metadata=BlobMetadata(type=single)))
        ),
        "blob-multipart": Literal(
            scalar=Scalar(blob=Blob(uri="gs://bucket/dir/", metadata=BlobMetadata(type=multipart)))
        ),
        "binary": Literal(scalar=Scalar(binary=Binary(value=b"\x00\x01\xfe\xff", tag="msgpack"))),
        "schema": Literal(
            scalar=Scalar(schema=Schema(uri="s3://bucket/schema", type=schema_type()))
        ),
        "none": Literal(scalar=Scalar(none_type=Void())),
        "error": Literal(scalar=Scalar(error=Error(failed_node_id="n1", message="boom"))),
        "generic": Literal(scalar=Scalar(generic=generic_struct())),
        "structured-dataset": Literal(
            scalar=Scalar(
                structured_dataset=StructuredDataset(
                    uri="s3://bucket/df",
                    metadata=StructuredDatasetMetadata(structured_dataset_type=dataset_type),
                )
            )
        ),
        "structured-dataset-unwritten": Literal(
            scalar=Scalar(structured_dataset=StructuredDataset())
        ),
        "union": Literal(
            scalar=Scalar(union=Union(value=primitive_literal(string_value="x"), type=union_type))
        ),
        "union-of-none": Literal(
            scalar=Scalar(
                union=Union(value=Literal(scalar=Scalar(none_type=Void())), type=union_type)
            )
        ),
        "collection-empty": Literal(collection=LiteralCollection()),
        "map-empty": Literal(map=LiteralMap()),
        "offloaded": Literal(
            offloaded_metadata=LiteralOffloadedMetadata(
                uri="s3://bucket/offloaded/o0",
                size_bytes=2**64 - 1,
                inferred_type=LiteralType(collection_type=LiteralType(simple=SimpleType.INTEGER)),
            )
        ),
        "hash-and-metadata": Literal(
            scalar=Scalar(primitive=Primitive(integer=1)),
            hash="sha256:abc",
            metadata={"origin": "cache", "": "empty key", "unicode-\u00e9": "\u2603"},
        ),
    }
    corpus["collection-of-maps-of-collections"] = Literal(
        collection=LiteralCollection(
            literals=[
                Literal(
                    map=LiteralMap(
                        literals={
                            "evens": Literal(
                                collection=LiteralCollection(literals=[corpus["integer-zero"]])
                            ),
                            "mixed": Literal(
                                collection=LiteralCollection(
                                    literals=[
                                        corpus["string"],
                                        corpus["none"],
                                        corpus["blob-single"],
                                    ]
                                )
                            ),
                        }
                    )
                ),
                Literal(map=LiteralMap()),
                corpus["offloaded"],
            ]
        )
    )
    for index, literal_type in enumerate(every_literal_type()):
        corpus[f"offloaded-type-{index}"] = Literal(
            offloaded_metadata=LiteralOffloadedMetadata(uri="s3://b/o", inferred_type=literal_type)
        )
    return corpus


def error_corpus() -> dict[str, Message]:
    container_error = ContainerError(
        code="USER:ValueError",
        message="Traceback (most recent call last):\n  ...\nValueError: bad",
        kind=ContainerError.RECOVERABLE,
        origin=ExecutionError.USER,
        worker="worker-3",
    )
    container_error.timestamp.FromDatetime(WHEN)
    execution_error = ExecutionError(
        code="OutputsNotFound",
        message="outputs not found",
        error_uri="s3://bucket/out/error.pb",
        kind=ExecutionError.SYSTEM,
        worker="w0",
    )
    execution_error.timestamp.FromDatetime(WHEN)
    return {
        "container-error": container_error,
        "container-error-defaults": ContainerError(),
        "container-error-system-origin": ContainerError(code="c", origin=ExecutionError.SYSTEM),
        "error-document": ErrorDocument(error=container_error),
        "error-document-empty": ErrorDocument(),
        "execution-error": execution_error,
        "execution-error-unknown": ExecutionError(code="Unknown", kind=ExecutionError.UNKNOWN),
    }


def corpus() -> dict[str, Message]:
    literals = literal_corpus()
    maps: dict[str, Message] = {
        "literal-map-of-everything": LiteralMap(literals=literals),
        "literal-map-empty": LiteralMap(),
    }
    types: dict[str, Message] = {
        f"literal-type-{index}": literal_type
        for index, literal_type in enumerate(every_literal_type())
    }
    # Flyte 1 defines KeyValuePair too, though its task files never hold one.
    pairs: dict[str, Message] = {"key-value-pair": KeyValuePair(key="k\u00e9", value="v")}
    return {**literals, **maps, **types, **error_corpus(), **pairs}


CORPUS = corpus()


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_value_is_interoperable(name: str) -> None:
    assert_interoperable(CORPUS[name])


def _set_fields(message: Message) -> Iterator[tuple[str, FieldDescriptor, Any]]:
    """(message type, field, value) for every field set anywhere inside ``message``."""
    for field, value in message.ListFields():
        yield message.DESCRIPTOR.full_name, field, value
        children: list[object]
        if isinstance(value, Message):
            children = [value]
        elif isinstance(value, (str, bytes, int, float)):
            children = []
        elif field.message_type is not None and field.message_type.GetOptions().map_entry:
            children = list(value.values())
        else:
            children = list(value)
        for child in children:
            if isinstance(child, Message):
                yield from _set_fields(child)


def flyte1_fields(message: Descriptor) -> set[str]:
    """Names of the fields Flyte 1 defines in ``message``; empty when it has no such message."""
    name = message.full_name.replace("plugio.core.", "flyteidl.core.", 1)
    try:
        return {field.name for field in FLYTE_POOL.FindMessageTypeByName(name).fields}
    except KeyError:
        return set()


def _all_messages() -> Iterator[Descriptor]:
    """plugio's messages that Flyte 1 has too (Flyte 2's extras are covered beside this)."""
    pending = [
        m for module in OUR_MODULES for m in module.DESCRIPTOR.message_types_by_name.values()
    ]
    while pending:
        message = pending.pop()
        pending.extend(message.nested_types)
        if not message.GetOptions().map_entry and flyte1_fields(message):
            yield message


def test_corpus_sets_every_field_and_every_nonzero_enum_value() -> None:
    set_fields = [found for value in CORPUS.values() for found in _set_fields(value)]
    seen = {(message, field.name) for message, field, _ in set_fields}
    wanted = {
        (message.full_name, field.name)
        for message in _all_messages()
        for field in message.fields
        if field.name in flyte1_fields(message)
    }
    assert wanted - seen == set()

    seen_values = {
        (field.enum_type.full_name, value) for _, field, value in set_fields if field.enum_type
    }
    wanted_values = {
        (field.enum_type.full_name, value.number)
        for message in _all_messages()
        for field in message.fields
        if field.enum_type is not None and field.name in flyte1_fields(message)
        for value in field.enum_type.values
        if value.number != 0  # proto3 never writes a zero enum value outside a oneof
    }
    assert wanted_values - seen_values == set()


# --- unknown and reserved fields -------------------------------------------


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _bytes_field(number: int, payload: bytes) -> bytes:
    """A length-delimited field, encoded by hand so no schema is involved."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _varint_field(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


UNKNOWN_CASES: dict[str, tuple[type[Message], bytes]] = {
    "container-error-field-99": (
        ContainerError,
        ContainerError(code="c", message="m").SerializeToString()
        + _varint_field(99, 12345)
        + _bytes_field(100, b"future"),
    ),
    "literal-reserved-6-and-7": (
        Literal,
        primitive_literal(integer=5).SerializeToString()
        + _bytes_field(6, b"legacy")
        + _varint_field(7, 1),
    ),
    "nested-in-map-value": (
        LiteralMap,
        _bytes_field(
            1,
            _bytes_field(1, b"key")
            + _bytes_field(
                2,
                primitive_literal(string_value="v").SerializeToString() + _varint_field(1000, 7),
            ),
        ),
    ),
    "error-document-top-level": (
        ErrorDocument,
        ErrorDocument(error=ContainerError(code="c")).SerializeToString() + _varint_field(2, 1),
    ),
}


@pytest.mark.parametrize("name", sorted(UNKNOWN_CASES))
def test_unknown_fields_survive_both_sides(name: str) -> None:
    our_class, original = UNKNOWN_CASES[name]
    ours = our_class.FromString(original)
    rewritten = ours.SerializeToString()
    assert rewritten == original
    theirs = flyte_class(ours).FromString(rewritten)
    assert theirs.SerializeToString() == original
    assert our_class.FromString(theirs.SerializeToString()) == ours


# --- generated literals ----------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


def _with_timestamp(seconds: int, nanos: int) -> Primitive:
    primitive = Primitive()
    primitive.datetime.seconds, primitive.datetime.nanos = seconds, nanos
    return primitive


def _with_duration(seconds: int, nanos: int) -> Primitive:
    primitive = Primitive()
    sign = -1 if seconds < 0 else 1
    primitive.duration.seconds, primitive.duration.nanos = seconds, sign * nanos
    return primitive


nanos = st.integers(0, 999_999_999)
primitives = st.one_of(
    st.builds(Primitive, integer=st.integers(-(2**63), 2**63 - 1)),
    st.builds(Primitive, float_value=st.floats(allow_nan=False)),
    st.builds(Primitive, string_value=st.text(max_size=20)),
    st.builds(Primitive, boolean=st.booleans()),
    # Timestamps JSON can express: years 0001 to 9999.
    st.builds(_with_timestamp, st.integers(-62_135_596_800, 253_402_300_799), nanos),
    st.builds(_with_duration, st.integers(-315_576_000_000, 315_576_000_000), nanos),
)
scalars = st.one_of(
    st.builds(Scalar, primitive=primitives),
    st.builds(Scalar, none_type=st.just(Void())),
    st.builds(
        Scalar, binary=st.builds(Binary, value=st.binary(max_size=16), tag=st.text(max_size=5))
    ),
    st.builds(
        Scalar, generic=st.dictionaries(st.text(max_size=5), json_values, max_size=4).map(_struct)
    ),
    st.builds(
        Scalar,
        blob=st.builds(
            Blob,
            uri=st.text(max_size=10),
            metadata=st.builds(
                BlobMetadata,
                type=st.builds(
                    BlobType, format=st.text(max_size=4), dimensionality=st.sampled_from([0, 1])
                ),
            ),
        ),
    ),
)
literals: st.SearchStrategy[Literal] = st.recursive(
    st.builds(Literal, scalar=scalars, hash=st.text(max_size=4)),
    lambda children: (
        st.builds(
            Literal,
            collection=st.builds(LiteralCollection, literals=st.lists(children, max_size=3)),
        )
        | st.builds(
            Literal,
            map=st.builds(
                LiteralMap, literals=st.dictionaries(st.text(max_size=6), children, max_size=3)
            ),
        )
    ),
    max_leaves=10,
)


@settings(max_examples=75, deadline=None)
@given(literals)
def test_generated_literals_are_interoperable(literal: Literal) -> None:
    assert_interoperable(literal)
    assert_interoperable(LiteralMap(literals={"o0": literal}))
