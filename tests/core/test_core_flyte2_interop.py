"""Bytes written by plugio.core parse with flyteidl2 (Flyte 2), and the other way round.

Every value of Flyte 1's corpus is also a Flyte 2 value; Flyte 2's own messages
and fields (Inputs, Outputs, artifacts, recoverability, GPU faults) are added.
Flyte's side builds its own copy from the JSON form, so neither direction
merely echoes the other's bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flyteidl2.core import artifact_id_pb2 as flyte2_artifacts
from flyteidl2.core import execution_pb2 as flyte2_execution
from flyteidl2.core import literals_pb2 as flyte2_literals
from flyteidl2.core import types_pb2 as flyte2_types
from flyteidl2.task import common_pb2 as flyte2_task
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message
from test_core_interop import CORPUS, WHEN, primitive_literal

from plugio.core import (
    ArtifactBindingData,
    ArtifactCard,
    ArtifactInfo,
    ArtifactKey,
    ArtifactVersionId,
    ContainerError,
    ErrorDocument,
    ExecutionError,
    GpuFault,
    Granularity,
    InputBindingData,
    Inputs,
    KeyValuePair,
    LabelValue,
    Literal,
    LiteralMap,
    LiteralType,
    NamedLiteral,
    Operator,
    Outputs,
    Partitions,
    ProducedArtifact,
    RuntimeBinding,
    SimpleType,
    TimePartition,
    TimeTransform,
)

FLYTE2_MODULES = (flyte2_types, flyte2_artifacts, flyte2_literals, flyte2_execution, flyte2_task)


def flyte2_class(ours: Message | Descriptor) -> type[Message]:
    """Flyte 2's class for the message type of ``ours`` (same name, other package)."""
    descriptor = ours if isinstance(ours, Descriptor) else ours.DESCRIPTOR
    name = descriptor.full_name.removeprefix("plugio.core.")
    for module in FLYTE2_MODULES:
        if hasattr(module, name):
            cls: type[Message] = getattr(module, name)
            return cls
    raise LookupError(name)


def as_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def assert_interoperable(ours: Message) -> None:
    cls = flyte2_class(ours)
    read_by_flyte = cls.FromString(ours.SerializeToString())
    assert read_by_flyte.SerializeToString(deterministic=True) == ours.SerializeToString(
        deterministic=True
    )
    assert as_dict(read_by_flyte) == as_dict(ours)
    written_by_flyte = json_format.ParseDict(as_dict(ours), cls())
    read_by_us = type(ours).FromString(written_by_flyte.SerializeToString())
    assert read_by_us == ours


def label(**value: Any) -> LabelValue:
    return LabelValue(**value)


def artifact_id(name: str) -> ArtifactVersionId:
    return ArtifactVersionId(
        key=ArtifactKey(project="p", domain="d", name=name, org="o"), version="v\u00e9"
    )


def flyte2_corpus() -> dict[str, Message]:
    when = label()
    when.time_value.FromDatetime(WHEN)
    partitions = Partitions(
        value={
            "region": label(static_value="eu"),
            "when": when,
            "triggered": label(
                triggered_binding=ArtifactBindingData(
                    partition_key="ds",
                    time_transform=TimeTransform(transform="1d", op=Operator.PLUS),
                )
            ),
            "time": label(triggered_binding=ArtifactBindingData(bind_to_time_partition=True)),
            "input": label(input_binding=InputBindingData(var="x")),
            "runtime": label(runtime_binding=RuntimeBinding()),
        }
    )
    artifact = ProducedArtifact(
        output="o0",
        name="model",
        version="3",
        info=ArtifactInfo(
            description="a model",
            user_metadata={"k": "v"},
            card=ArtifactCard(uri="s3://b/card.md", format="markdown", type="model"),
        ),
        type=LiteralType(simple=SimpleType.INTEGER),
        parent_artifacts=[artifact_id("parent")],
        partitions=partitions,
        time_partition=TimePartition(value=when, granularity=Granularity.HOUR, key="ds"),
    )
    granularities = {
        f"time-partition-{name.lower()}": TimePartition(granularity=name)
        for name, _ in Granularity.items()
    }
    fault = GpuFault(
        kind=GpuFault.KIND_XID,
        code=79,
        name="GPU has fallen off the bus",
        severity=GpuFault.SEVERITY_CRITICAL,
        gpu_uuid="GPU-1",
        gpu_index=0,
        pci_bus_id="0000:3b:00.0",
        node="node-1",
        pid=4242,
        process="python",
    )
    faults = {
        f"gpu-fault-{kind.lower()}-{severity.lower()}": GpuFault(kind=kind, severity=severity)
        for kind, _ in GpuFault.Kind.items()
        for severity, _ in GpuFault.Severity.items()
    }
    execution_error = ExecutionError(
        code="ValueError",
        message="bad",
        kind=ExecutionError.USER,
        recoverability=ContainerError.RECOVERABLE,
        gpu_fault=fault,
    )
    named = [
        NamedLiteral(name="b", value=primitive_literal(integer=2)),
        NamedLiteral(name="a", value=CORPUS["string"]),  # type: ignore[arg-type]
        NamedLiteral(name="b", value=primitive_literal(integer=3)),
    ]
    return {
        "literal-with-artifact": Literal(
            scalar=primitive_literal(integer=1).scalar, artifact_id=artifact_id("x")
        ),
        "inputs": Inputs(
            literals=named,
            context=[KeyValuePair(key="trace", value="1"), KeyValuePair(key="trace", value="2")],
        ),
        "inputs-empty": Inputs(),
        "outputs": Outputs(literals=named, produced_artifacts=[artifact]),
        "outputs-empty": Outputs(),
        "execution-error": execution_error,
        "container-error": ContainerError(
            code="ValueError",
            message="bad",
            kind=ContainerError.RECOVERABLE,
            origin=ExecutionError.USER,
        ),
        "error-document": ErrorDocument(
            error=ContainerError(code="RuntimeSystemError", origin=ExecutionError.SYSTEM)
        ),
        **granularities,
        **faults,
    }


def _without_flyte1_only_fields(value: Message) -> Message:
    """Flyte 1's corpus values Flyte 2 can hold: its ContainerError has no timestamp or worker."""
    copy = type(value)()
    copy.CopyFrom(value)
    for message in _walk(copy):
        if isinstance(message, ContainerError):
            message.ClearField("timestamp")
            message.ClearField("worker")
    return copy


def _walk(message: Message) -> Iterator[Message]:
    yield message
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            children = list(value.values())
        elif isinstance(value, Message):
            children = [value]
        else:
            children = list(value)
        for child in children:
            if isinstance(child, Message):
                yield from _walk(child)


FLYTE2_CORPUS = flyte2_corpus()
SHARED = {name: _without_flyte1_only_fields(value) for name, value in CORPUS.items()}


@pytest.mark.parametrize("name", sorted(FLYTE2_CORPUS))
def test_flyte2_value_is_interoperable(name: str) -> None:
    assert_interoperable(FLYTE2_CORPUS[name])


@pytest.mark.parametrize("name", sorted(SHARED))
def test_flyte1_corpus_is_interoperable_with_flyte2(name: str) -> None:
    assert_interoperable(SHARED[name])


def _flyte2_messages() -> Iterator[Descriptor]:
    """Flyte 2's message types reachable from its task files, map entries left out."""
    seen: set[str] = set()
    pending = [
        flyte2_task.Inputs.DESCRIPTOR,
        flyte2_task.Outputs.DESCRIPTOR,
        flyte2_execution.ErrorDocument.DESCRIPTOR,
        flyte2_execution.ExecutionError.DESCRIPTOR,
    ]
    while pending:
        message = pending.pop()
        if message.full_name in seen or not message.full_name.startswith("flyteidl2."):
            continue
        seen.add(message.full_name)
        pending.extend(f.message_type for f in message.fields if f.message_type is not None)
        if not message.GetOptions().map_entry:
            yield message


def test_corpora_set_every_flyte2_field_and_every_nonzero_enum_value() -> None:
    values = [*FLYTE2_CORPUS.values(), *SHARED.values()]
    seen: set[tuple[str, str]] = set()
    seen_values: set[tuple[str, int]] = set()
    for value in values:
        for message in _walk(value):
            for field, content in message.ListFields():
                seen.add((message.DESCRIPTOR.name, field.name))
                if field.enum_type is not None:
                    seen_values.add((field.enum_type.name, content))
    wanted: set[tuple[str, str]] = set()
    wanted_values: set[tuple[str, int]] = set()
    for descriptor in _flyte2_messages():
        for field in descriptor.fields:
            wanted.add((descriptor.name, field.name))
            if field.enum_type is not None:
                wanted_values |= {
                    (field.enum_type.name, v.number) for v in field.enum_type.values if v.number
                }
    assert wanted - seen == set()
    assert wanted_values - seen_values == set()


def test_a_literal_map_and_flyte2_inputs_parse_as_each_other() -> None:
    inputs = FLYTE2_CORPUS["inputs"]
    assert isinstance(inputs, Inputs)
    as_map = LiteralMap.FromString(inputs.SerializeToString())
    # A map keeps the last of a repeated name; the context is an unknown field.
    assert set(as_map.literals) == {"a", "b"}
    assert as_map.literals["b"] == primitive_literal(integer=3)
    literals = {name: value for name, value in SHARED.items() if isinstance(value, Literal)}
    theirs = flyte2_task.Inputs.FromString(LiteralMap(literals=literals).SerializeToString())
    assert {n.name for n in theirs.literals} == set(literals)


def test_outputs_parse_as_inputs_by_design() -> None:
    outputs = FLYTE2_CORPUS["outputs"]
    assert isinstance(outputs, Outputs)
    as_inputs = flyte2_task.Inputs.FromString(outputs.SerializeToString())
    assert [n.name for n in as_inputs.literals] == ["b", "a", "b"]
    assert list(as_inputs.context) == []
