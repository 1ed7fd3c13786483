"""plugio.core's messages match Flyte IDL's, definition by definition, for both generations.

Flyte 1's ``flyteidl.core`` and Flyte 2's ``flyteidl2.core``/``flyteidl2.task``
define most messages identically; where they differ, plugio defines every field
of both: each of Flyte's fields is in plugio's message with the same facts, and
each of plugio's fields is in one generation's message at least.

Descriptors are compared through their ``DescriptorProto`` form, which every
supported protobuf runtime exposes the same way (``FieldDescriptor.label`` is
gone from recent runtimes). Type references are compared relative to each
side's package, since only the package differs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flyteidl.core import errors_pb2 as flyte_errors
from flyteidl.core import execution_pb2 as flyte_execution
from flyteidl.core import literals_pb2 as flyte_literals
from flyteidl2.core import execution_pb2 as flyte2_execution
from flyteidl2.core import literals_pb2 as flyte2_literals
from flyteidl2.task import common_pb2 as flyte2_task
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FileDescriptor
from google.protobuf.descriptor_pool import DescriptorPool

import plugio.core
from plugio.core._proto import artifact_id_pb2, execution_pb2, literals_pb2, task_pb2, types_pb2

OUR_PACKAGE = "plugio.core"
OUR_FILES: tuple[FileDescriptor, ...] = (
    types_pb2.DESCRIPTOR,
    artifact_id_pb2.DESCRIPTOR,
    literals_pb2.DESCRIPTOR,
    execution_pb2.DESCRIPTOR,
    task_pb2.DESCRIPTOR,
)


@dataclass(frozen=True)
class Generation:
    """One generation of Flyte's IDL: where its messages live and which plugio stores."""

    name: str
    pool: DescriptorPool
    #: The messages plugio stores; everything they reference must be defined too.
    roots: tuple[Descriptor, ...]
    #: Its package for messages of plugio's task.proto, and for every other file.
    task_package: str
    core_package: str

    def package_of(self, ours: Descriptor | EnumDescriptor) -> str:
        return self.task_package if ours.file is task_pb2.DESCRIPTOR else self.core_package

    def counterpart_name(self, ours: Descriptor | EnumDescriptor) -> str:
        return f"{self.package_of(ours)}.{_relative(ours.full_name, OUR_PACKAGE)}"

    def message(self, ours: Descriptor) -> Descriptor | None:
        try:
            return self.pool.FindMessageTypeByName(self.counterpart_name(ours))
        except KeyError:
            return None

    def enum(self, ours: EnumDescriptor) -> EnumDescriptor | None:
        try:
            return self.pool.FindEnumTypeByName(self.counterpart_name(ours))
        except KeyError:
            return None

    def closure(self) -> set[str]:
        """plugio-relative names of the messages and enums reachable from the roots."""
        names = set()
        for full_name in _referenced_closure(self.roots):
            for package in (self.task_package, self.core_package):
                if full_name.startswith(f"{package}."):
                    names.add(_relative(full_name, package))
        return names


FLYTE1 = Generation(
    "flyteidl",
    flyte_literals.DESCRIPTOR.pool,
    (
        flyte_literals.LiteralMap.DESCRIPTOR,
        flyte_errors.ErrorDocument.DESCRIPTOR,
        flyte_execution.ExecutionError.DESCRIPTOR,
    ),
    "flyteidl.core",
    "flyteidl.core",
)
FLYTE2 = Generation(
    "flyteidl2",
    flyte2_literals.DESCRIPTOR.pool,
    (
        flyte2_literals.LiteralMap.DESCRIPTOR,
        flyte2_task.Inputs.DESCRIPTOR,
        flyte2_task.Outputs.DESCRIPTOR,
        flyte2_execution.ErrorDocument.DESCRIPTOR,
        flyte2_execution.ExecutionError.DESCRIPTOR,
    ),
    "flyteidl2.task",
    "flyteidl2.core",
)
GENERATIONS = (FLYTE1, FLYTE2)


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


def _as_proto(message: Descriptor) -> descriptor_pb2.DescriptorProto:
    proto = descriptor_pb2.DescriptorProto()
    message.CopyToProto(proto)
    return proto


def _field_facts(
    message: Descriptor, package_of: Callable[[str], str]
) -> dict[str, dict[str, object]]:
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
            "type_name": _relative(field.type_name.lstrip("."), package_of(field.type_name)),
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
    return {name for name in seen if name.startswith("flyteidl")}


MESSAGES = _our_messages()
ENUMS = _our_enums()


def _package_of(generation: Generation | None) -> Callable[[str], str]:
    """The package a referenced type name is relative to, on one side."""

    def package_of(type_name: str) -> str:
        name = type_name.lstrip(".")
        if generation is None:
            return OUR_PACKAGE
        if name.startswith(f"{generation.task_package}."):
            return generation.task_package
        return generation.core_package

    return package_of


def _pairs() -> list[tuple[Descriptor, Generation]]:
    return [
        (ours, generation)
        for ours in MESSAGES
        for generation in GENERATIONS
        if generation.message(ours) is not None
    ]


def _pair_id(pair: tuple[Descriptor, Generation]) -> str:
    return f"{pair[0].full_name}-{pair[1].name}"


def test_every_referenced_flyte_type_is_defined_and_nothing_else() -> None:
    ours = {_relative(message.full_name, OUR_PACKAGE) for message in MESSAGES}
    ours |= {_relative(enum.full_name, OUR_PACKAGE) for enum in ENUMS}
    assert ours == FLYTE1.closure() | FLYTE2.closure()


def test_the_generations_differ_only_where_plugio_says() -> None:
    only_flyte2 = {
        "ArtifactBindingData",
        "ArtifactCard",
        "ArtifactInfo",
        "ArtifactInfo.UserMetadataEntry",
        "ArtifactKey",
        "ArtifactVersionId",
        "GpuFault",
        "GpuFault.Kind",
        "GpuFault.Severity",
        "Granularity",
        "InputBindingData",
        "Inputs",
        "KeyValuePair",
        "LabelValue",
        "NamedLiteral",
        "Operator",
        "Outputs",
        "Partitions",
        "Partitions.ValueEntry",
        "ProducedArtifact",
        "RuntimeBinding",
        "TimePartition",
        "TimeTransform",
    }
    assert FLYTE2.closure() - FLYTE1.closure() == only_flyte2
    assert FLYTE1.closure() - FLYTE2.closure() == set()


@pytest.mark.parametrize("ours", MESSAGES, ids=lambda message: message.full_name)
def test_every_field_belongs_to_a_generation(ours: Descriptor) -> None:
    theirs = [found for g in GENERATIONS if (found := g.message(ours)) is not None]
    assert theirs, f"{ours.full_name} is in neither generation"
    assert {f.name for f in ours.fields} == {f.name for m in theirs for f in m.fields}


@pytest.mark.parametrize("pair", _pairs(), ids=_pair_id)
def test_message_fields_match_flyteidl(pair: tuple[Descriptor, Generation]) -> None:
    ours, generation = pair
    theirs = generation.message(ours)
    assert theirs is not None
    our_fields = _field_facts(ours, _package_of(None))
    their_fields = _field_facts(theirs, _package_of(generation))
    for name, facts in their_fields.items():
        assert name in our_fields, f"{ours.full_name}.{name} is missing"
        assert our_fields[name] == facts, f"{ours.full_name}.{name}"
    # Declaration order decides the order protoc-generated code serializes in.
    assert [f.name for f in ours.fields if f.name in their_fields] == [
        f.name for f in theirs.fields
    ]


@pytest.mark.parametrize("pair", _pairs(), ids=_pair_id)
def test_message_shape_matches_flyteidl(pair: tuple[Descriptor, Generation]) -> None:
    ours, generation = pair
    theirs = generation.message(ours)
    assert theirs is not None
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


def _enum_pairs() -> list[tuple[EnumDescriptor, Generation]]:
    return [(ours, g) for ours in ENUMS for g in GENERATIONS if g.enum(ours) is not None]


@pytest.mark.parametrize(
    "pair", _enum_pairs(), ids=lambda pair: f"{pair[0].full_name}-{pair[1].name}"
)
def test_enum_values_match_flyteidl(pair: tuple[EnumDescriptor, Generation]) -> None:
    ours, generation = pair
    theirs = generation.enum(ours)
    assert theirs is not None
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
