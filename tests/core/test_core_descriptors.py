"""plugio.core's messages match Flyte IDL's ``flyteidl.core`` definition by definition.

Descriptors are compared through their ``DescriptorProto`` form, which every
supported protobuf runtime exposes the same way (``FieldDescriptor.label`` is
gone from recent runtimes). Type references are compared relative to each
side's package, since only the package differs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flyteidl.core import errors_pb2 as flyte_errors
from flyteidl.core import execution_pb2 as flyte_execution
from flyteidl.core import literals_pb2 as flyte_literals
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FileDescriptor

import plugio.core
from plugio.core._proto import errors_pb2, execution_pb2, literals_pb2, types_pb2

OUR_PACKAGE = "plugio.core"
FLYTE_PACKAGE = "flyteidl.core"
OUR_FILES: tuple[FileDescriptor, ...] = (
    types_pb2.DESCRIPTOR,
    literals_pb2.DESCRIPTOR,
    execution_pb2.DESCRIPTOR,
    errors_pb2.DESCRIPTOR,
)
FLYTE_POOL = flyte_literals.DESCRIPTOR.pool

#: The messages plugio stores; everything they reference must be defined too.
FLYTE_ROOTS: tuple[Descriptor, ...] = (
    flyte_literals.LiteralMap.DESCRIPTOR,
    flyte_errors.ErrorDocument.DESCRIPTOR,
    flyte_execution.ExecutionError.DESCRIPTOR,
)


def _nested_messages(message: Descriptor) -> Iterator[Descriptor]:
    yield message
    for nested in message.nested_types:
        yield from _nested_messages(nested)


def _our_messages() -> list[Descriptor]:
    return [
        nested
        for file in OUR_FILES
        for message in file.message_types_by_name.values()
        for nested in _nested_messages(message)
    ]


def _our_enums() -> list[EnumDescriptor]:
    top_level = [enum for file in OUR_FILES for enum in file.enum_types_by_name.values()]
    nested = [enum for message in _our_messages() for enum in message.enum_types]
    return top_level + nested


def _relative(full_name: str, package: str) -> str:
    """Name within its package; well-known types keep their full name."""
    prefix = f"{package}."
    return full_name[len(prefix) :] if full_name.startswith(prefix) else full_name


def _flyte_counterpart_name(ours: Descriptor | EnumDescriptor) -> str:
    return f"{FLYTE_PACKAGE}.{_relative(ours.full_name, OUR_PACKAGE)}"


def _as_proto(message: Descriptor) -> descriptor_pb2.DescriptorProto:
    proto = descriptor_pb2.DescriptorProto()
    message.CopyToProto(proto)
    return proto


def _field_facts(message: Descriptor, package: str) -> dict[str, dict[str, object]]:
    """Everything about each field that decides its encoding and its API."""
    proto = _as_proto(message)
    facts: dict[str, dict[str, object]] = {}
    for field in proto.field:
        runtime_field = message.fields_by_name[field.name]
        target = runtime_field.message_type
        facts[field.name] = {
            "number": field.number,
            "type": descriptor_pb2.FieldDescriptorProto.Type.Name(field.type),
            "label": descriptor_pb2.FieldDescriptorProto.Label.Name(field.label),
            "type_name": _relative(field.type_name.lstrip("."), package),
            "oneof": proto.oneof_decl[field.oneof_index].name
            if field.HasField("oneof_index")
            else None,
            "proto3_optional": field.proto3_optional,
            "json_name": runtime_field.json_name,
            "map": bool(target is not None and target.GetOptions().map_entry),
            "packed": field.options.packed if field.options.HasField("packed") else None,
        }
    return facts


def _referenced_closure(roots: tuple[Descriptor, ...]) -> set[str]:
    """Full names of the messages and enums reachable from ``roots`` in Flyte's IDL."""
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        message = pending.pop()
        if message.full_name in seen:
            continue
        seen.add(message.full_name)
        for enum in message.enum_types:
            seen.add(enum.full_name)
        for nested in message.nested_types:
            pending.append(nested)
        for field in message.fields:
            if field.enum_type is not None:
                seen.add(field.enum_type.full_name)
            if field.message_type is not None:
                pending.append(field.message_type)
    return {name for name in seen if name.startswith(f"{FLYTE_PACKAGE}.")}


MESSAGES = _our_messages()
ENUMS = _our_enums()


def test_every_referenced_flyte_type_is_defined_and_nothing_else() -> None:
    ours = {_flyte_counterpart_name(message) for message in MESSAGES}
    ours |= {_flyte_counterpart_name(enum) for enum in ENUMS}
    assert ours == _referenced_closure(FLYTE_ROOTS)


@pytest.mark.parametrize("ours", MESSAGES, ids=lambda message: message.full_name)
def test_message_fields_match_flyteidl(ours: Descriptor) -> None:
    theirs = FLYTE_POOL.FindMessageTypeByName(_flyte_counterpart_name(ours))
    our_fields = _field_facts(ours, OUR_PACKAGE)
    their_fields = _field_facts(theirs, FLYTE_PACKAGE)
    assert sorted(our_fields) == sorted(their_fields), "field names differ"
    for name, facts in their_fields.items():
        assert our_fields[name] == facts, f"{ours.full_name}.{name}"
    # Declaration order decides the order protoc-generated code serializes in.
    assert [f.name for f in ours.fields] == [f.name for f in theirs.fields]


@pytest.mark.parametrize("ours", MESSAGES, ids=lambda message: message.full_name)
def test_message_shape_matches_flyteidl(ours: Descriptor) -> None:
    theirs = FLYTE_POOL.FindMessageTypeByName(_flyte_counterpart_name(ours))
    our_proto, their_proto = _as_proto(ours), _as_proto(theirs)
    assert [o.name for o in our_proto.oneof_decl] == [o.name for o in their_proto.oneof_decl]
    assert list(our_proto.reserved_range) == list(their_proto.reserved_range)
    assert list(our_proto.reserved_name) == list(their_proto.reserved_name)
    assert list(our_proto.extension_range) == list(their_proto.extension_range)
    assert our_proto.options.map_entry == their_proto.options.map_entry
    assert sorted(n.name for n in our_proto.nested_type) == sorted(
        n.name for n in their_proto.nested_type
    )
    assert sorted(e.name for e in our_proto.enum_type) == sorted(
        e.name for e in their_proto.enum_type
    )


@pytest.mark.parametrize("ours", ENUMS, ids=lambda enum: enum.full_name)
def test_enum_values_match_flyteidl(ours: EnumDescriptor) -> None:
    theirs = FLYTE_POOL.FindEnumTypeByName(_flyte_counterpart_name(ours))
    assert [(v.name, v.number) for v in ours.values] == [(v.name, v.number) for v in theirs.values]
    our_proto = descriptor_pb2.EnumDescriptorProto()
    their_proto = descriptor_pb2.EnumDescriptorProto()
    ours.CopyToProto(our_proto)
    theirs.CopyToProto(their_proto)
    assert list(our_proto.reserved_range) == list(their_proto.reserved_range)
    assert our_proto.options.allow_alias == their_proto.options.allow_alias


def test_literal_reserves_six_and_seven() -> None:
    reserved = _as_proto(literals_pb2.DESCRIPTOR.message_types_by_name["Literal"]).reserved_range
    assert [(r.start, r.end) for r in reserved] == [(6, 7), (7, 8)]


@pytest.mark.parametrize("file", OUR_FILES, ids=lambda file: file.name)
def test_files_are_proto3_in_the_plugio_package(file: FileDescriptor) -> None:
    proto = descriptor_pb2.FileDescriptorProto()
    file.CopyToProto(proto)
    assert proto.syntax == "proto3"
    assert proto.package == OUR_PACKAGE
    assert file.name.startswith("plugio/core/_proto/")


def test_public_names_cover_every_top_level_definition() -> None:
    defined = {
        name
        for file in OUR_FILES
        for name in [*file.message_types_by_name, *file.enum_types_by_name]
    }
    assert set(plugio.core.__all__) == defined
    assert plugio.core.__all__ == sorted(plugio.core.__all__)
    for name in plugio.core.__all__:
        assert getattr(plugio.core, name) is not None
