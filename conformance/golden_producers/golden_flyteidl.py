"""Golden vectors encoded by flyteidl's own message classes.

Every oneof branch of ``Literal``, ``Scalar`` and ``Primitive``, nested
collections and maps, offloaded literals, and every error-document case of
CONTRACT.md. Maps are encoded deterministically (keys sorted), as plugio and
Flyte's engine write them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flyteidl.core import errors_pb2 as errors
from flyteidl.core import execution_pb2 as execution
from flyteidl.core import literals_pb2 as lit
from flyteidl.core import types_pb2 as types
from google.protobuf.duration_pb2 import Duration
from google.protobuf.struct_pb2 import Struct
from google.protobuf.timestamp_pb2 import Timestamp

__all__ = ["STAMP", "Vector", "flyteidl_vectors", "hand_encoded_vectors", "stamp"]

Vector = tuple[str, str, str, bytes]
"""``(name, message full name, meaning, bytes)``."""

STAMP = datetime(2024, 2, 21, 12, 30, 15, 250000, tzinfo=timezone.utc)
LITERAL_MAP = "flyteidl.core.LiteralMap"
ERROR_DOCUMENT = "flyteidl.core.ErrorDocument"


def stamp(when: datetime = STAMP) -> Timestamp:
    """``when`` as a protobuf ``Timestamp``."""
    message = Timestamp()
    message.FromDatetime(when)
    return message


def _scalar(**fields: Any) -> Any:
    return lit.Literal(scalar=lit.Scalar(**fields))


def _prim(**fields: Any) -> Any:
    return _scalar(primitive=lit.Primitive(**fields))


def _list(*items: Any) -> Any:
    return lit.Literal(collection=lit.LiteralCollection(literals=list(items)))


def _map(**items: Any) -> Any:
    return lit.Literal(map=lit.LiteralMap(literals=items))


def _literals(name: str, meaning: str, **literals: Any) -> Vector:
    data: bytes = lit.LiteralMap(literals=literals).SerializeToString(deterministic=True)
    return name, LITERAL_MAP, meaning, data


def _types() -> dict[str, Any]:
    integer = types.LiteralType(simple=types.INTEGER, structure=types.TypeStructure(tag="int"))
    columns = [
        types.SchemaType.SchemaColumn(name=name, type=kind)
        for kind, name in enumerate(["i", "f", "s", "b", "t", "d"])
    ]
    column = types.StructuredDatasetType.DatasetColumn(name="x", literal_type=integer)
    return {
        "integer": integer,
        "csv": types.BlobType(format="csv", dimensionality=types.BlobType.SINGLE),
        "folder": types.BlobType(format="", dimensionality=types.BlobType.MULTIPART),
        "schema": types.SchemaType(columns=columns),
        "table": types.StructuredDatasetType(
            columns=[column],
            format="parquet",
            external_schema_type="arrow",
            external_schema_bytes=b"\x01\x02",
        ),
    }


def _primitive_vectors() -> list[Vector]:
    return [
        _literals(
            "literal_primitive_integer",
            "integers: 0, -7 and the int64 extremes",
            zero=_prim(integer=0),
            negative=_prim(integer=-7),
            max=_prim(integer=2**63 - 1),
            min=_prim(integer=-(2**63)),
        ),
        _literals(
            "literal_primitive_float",
            "doubles: 0.5, a small negative value and a large one",
            half=_prim(float_value=0.5),
            small=_prim(float_value=-1.25e-3),
            large=_prim(float_value=1e300),
        ),
        _literals(
            "literal_primitive_string",
            "strings: ASCII, non-ASCII UTF-8, and the empty string (still set in the oneof)",
            ascii=_prim(string_value="hello"),
            unicode=_prim(string_value="héllo ✓ 日本"),
            empty=_prim(string_value=""),
        ),
        _literals(
            "literal_primitive_boolean",
            "booleans true and false (false still set in the oneof)",
            yes=_prim(boolean=True),
            no=_prim(boolean=False),
        ),
        _literals(
            "literal_primitive_datetime",
            "a datetime with milliseconds, in UTC",
            t=_prim(datetime=stamp()),
        ),
        _literals(
            "literal_primitive_duration",
            "a duration of 90.5 seconds",
            d=_prim(duration=Duration(seconds=90, nanos=500_000_000)),
        ),
    ]


def _scalar_vectors() -> list[Vector]:
    kinds = _types()
    generic = Struct()
    generic.update({"name": "run", "ratio": 0.25, "tags": ["a", "b"], "nested": {"ok": True}})
    blob = lit.Blob(uri="s3://bucket/raw/ab/data.csv", metadata=lit.BlobMetadata(type=kinds["csv"]))
    folder = lit.Blob(
        uri="s3://bucket/raw/cd/folder", metadata=lit.BlobMetadata(type=kinds["folder"])
    )
    table_metadata = lit.StructuredDatasetMetadata(structured_dataset_type=kinds["table"])
    return [
        _literals(
            "literal_blob_single", "a single-file blob of format csv", file=_scalar(blob=blob)
        ),
        _literals(
            "literal_blob_multipart",
            "a multipart blob (a folder), no format",
            folder=_scalar(blob=folder),
        ),
        _literals(
            "literal_binary",
            "bytes tagged msgpack, as flytekit sends a dataclass",
            point=_scalar(binary=lit.Binary(value=b"\x82\xa1x\x01\xa1y\x02", tag="msgpack")),
        ),
        _literals(
            "literal_schema",
            "a schema with one column of every column type",
            frame=_scalar(schema=lit.Schema(uri="s3://bucket/raw/schema", type=kinds["schema"])),
        ),
        _literals("literal_none", "the none value (Void)", nothing=_scalar(none_type=lit.Void())),
        _literals(
            "literal_error",
            "an error literal: a failed upstream node",
            failed=_scalar(error=types.Error(failed_node_id="n3", message="upstream failed")),
        ),
        _literals(
            "literal_generic",
            "a google.protobuf.Struct with nesting",
            config=_scalar(generic=generic),
        ),
        _literals(
            "literal_structured_dataset",
            "a structured dataset: parquet, one column, an external schema",
            table=_scalar(
                structured_dataset=lit.StructuredDataset(
                    uri="s3://bucket/raw/table", metadata=table_metadata
                )
            ),
        ),
        _literals(
            "literal_union",
            "a union holding an integer, tagged with its variant",
            choice=_scalar(union=lit.Union(value=_prim(integer=7), type=kinds["integer"])),
        ),
    ]


def _structure_vectors() -> list[Vector]:
    offloaded = lit.LiteralOffloadedMetadata(
        uri="s3://bucket/meta/n0/big_offloaded_metadata.pb",
        size_bytes=12_582_912,
        inferred_type=types.LiteralType(simple=types.STRING),
    )
    tagged = _prim(integer=1)
    tagged.hash = "0a1b2c"
    tagged.metadata.update({"b-key": "2", "a-key": "1"})
    many = {f"k{index:02d}": _prim(integer=index) for index in range(11, -1, -1)}
    content: bytes = _prim(string_value="x" * 64).SerializeToString(deterministic=True)
    return [
        _literals(
            "literal_collection_nested",
            "a list of lists of integers, and an empty list",
            grid=_list(_list(_prim(integer=1), _prim(integer=2)), _list(_prim(integer=3))),
            empty=_list(),
        ),
        _literals(
            "literal_map_nested",
            "a map of maps, and an empty map",
            outer=_map(inner=_map(x=_prim(float_value=1.5)), other=_map()),
            empty=_map(),
        ),
        _literals(
            "literal_offloaded_metadata",
            "an output offloaded to its own object: URI, size and inferred type",
            big=lit.Literal(offloaded_metadata=offloaded, hash="h1"),
        ),
        _literals("literal_hash_and_metadata", "a literal with a hash and metadata", tagged=tagged),
        _literals("literal_map_many_keys", "twelve entries, encoded with keys sorted", **many),
        _literals("literal_map_empty", "the empty map: zero bytes, a task without outputs"),
        (
            "literal_offloaded_content",
            "flyteidl.core.Literal",
            "what an offloaded literal's own object holds: one Literal",
            content,
        ),
    ]


def _error(code: str, recoverable: bool, origin: int, stamped: bool, worker: str) -> bytes:
    error = errors.ContainerError(
        code=code,
        message=f"{code} happened",
        kind=errors.ContainerError.RECOVERABLE
        if recoverable
        else errors.ContainerError.NON_RECOVERABLE,
        origin=origin,
        worker=worker,
    )
    if stamped:
        error.timestamp.CopyFrom(stamp())
    data: bytes = errors.ErrorDocument(error=error).SerializeToString(deterministic=True)
    return data


#: name, code, recoverable, origin, with a timestamp, worker, meaning
_ERRORS = [
    (
        "error_user_non_recoverable",
        "USER:ValueError",
        False,
        1,
        True,
        "",
        "user failure: not retried",
    ),
    (
        "error_user_recoverable",
        "USER:Recoverable",
        True,
        1,
        True,
        "",
        "raised as recoverable: retried",
    ),
    ("error_system_recoverable", "SYSTEM:Download", True, 2, True, "", "platform failure: retried"),
    (
        "error_system_non_recoverable",
        "SYSTEM:Convert",
        False,
        2,
        True,
        "",
        "conversion: not retried",
    ),
    ("error_unknown_origin", "Unknown", False, 0, True, "", "origin UNKNOWN"),
    ("error_future_origin", "NEWER", True, 7, True, "", "origin from a newer schema: UNKNOWN"),
    ("error_with_worker_and_timestamp", "USER:OOM", False, 1, True, "w-3", "a worker's error file"),
    (
        "error_with_worker_without_timestamp",
        "USER:OOM",
        False,
        1,
        False,
        "w-4",
        "no time: the epoch",
    ),
    (
        "error_without_timestamp_and_worker",
        "USER:ValueError",
        False,
        1,
        False,
        "",
        "no time, no worker",
    ),
]


def _error_vectors() -> list[Vector]:
    vectors = [
        (name, ERROR_DOCUMENT, meaning, _error(code, recoverable, origin, stamped, worker))
        for name, code, recoverable, origin, stamped, worker, meaning in _ERRORS
    ]
    empty: bytes = errors.ErrorDocument().SerializeToString()
    hollow: bytes = errors.ErrorDocument(error=errors.ContainerError()).SerializeToString()
    message = execution.ExecutionError(
        code="USER:ValueError",
        message="bad input",
        error_uri="s3://bucket/meta/n0/error.pb",
        kind=execution.ExecutionError.USER,
        timestamp=stamp(),
        worker="w-1",
    )
    return [
        *vectors,
        (
            "error_document_zero_bytes",
            ERROR_DOCUMENT,
            "empty document, zero bytes: bad format",
            empty,
        ),
        ("error_document_error_without_fields", ERROR_DOCUMENT, "an empty error: Unknown", hollow),
        (
            "execution_error_message",
            "flyteidl.core.ExecutionError",
            "the engine's ExecutionError message with every field set",
            message.SerializeToString(deterministic=True),
        ),
    ]


def flyteidl_vectors() -> list[Vector]:
    """Every vector flyteidl encodes."""
    return [*_primitive_vectors(), *_scalar_vectors(), *_structure_vectors(), *_error_vectors()]


def hand_encoded_vectors() -> list[Vector]:
    """Documents no Flyte package writes, which readers still meet."""
    meaning = "only a field the schema does not know (2: varint 1), no error: bad format"
    return [("error_document_unknown_field_only", ERROR_DOCUMENT, meaning, b"\x10\x01")]
