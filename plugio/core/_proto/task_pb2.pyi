# mypy: disable-error-code="type-arg"
from plugio.core._proto import artifact_id_pb2 as _artifact_id_pb2
from plugio.core._proto import literals_pb2 as _literals_pb2
from plugio.core._proto import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NamedLiteral(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: _literals_pb2.Literal
    def __init__(self, name: _Optional[str] = ..., value: _Optional[_Union[_literals_pb2.Literal, _Mapping]] = ...) -> None: ...

class Inputs(_message.Message):
    __slots__ = ("literals", "context")
    LITERALS_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    literals: _containers.RepeatedCompositeFieldContainer[NamedLiteral]
    context: _containers.RepeatedCompositeFieldContainer[_literals_pb2.KeyValuePair]
    def __init__(self, literals: _Optional[_Iterable[_Union[NamedLiteral, _Mapping]]] = ..., context: _Optional[_Iterable[_Union[_literals_pb2.KeyValuePair, _Mapping]]] = ...) -> None: ...

class ProducedArtifact(_message.Message):
    __slots__ = ("output", "name", "version", "info", "type", "parent_artifacts", "partitions", "time_partition")
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PARENT_ARTIFACTS_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    TIME_PARTITION_FIELD_NUMBER: _ClassVar[int]
    output: str
    name: str
    version: str
    info: _artifact_id_pb2.ArtifactInfo
    type: _types_pb2.LiteralType
    parent_artifacts: _containers.RepeatedCompositeFieldContainer[_artifact_id_pb2.ArtifactVersionId]
    partitions: _artifact_id_pb2.Partitions
    time_partition: _artifact_id_pb2.TimePartition
    def __init__(self, output: _Optional[str] = ..., name: _Optional[str] = ..., version: _Optional[str] = ..., info: _Optional[_Union[_artifact_id_pb2.ArtifactInfo, _Mapping]] = ..., type: _Optional[_Union[_types_pb2.LiteralType, _Mapping]] = ..., parent_artifacts: _Optional[_Iterable[_Union[_artifact_id_pb2.ArtifactVersionId, _Mapping]]] = ..., partitions: _Optional[_Union[_artifact_id_pb2.Partitions, _Mapping]] = ..., time_partition: _Optional[_Union[_artifact_id_pb2.TimePartition, _Mapping]] = ...) -> None: ...

class Outputs(_message.Message):
    __slots__ = ("literals", "produced_artifacts")
    LITERALS_FIELD_NUMBER: _ClassVar[int]
    PRODUCED_ARTIFACTS_FIELD_NUMBER: _ClassVar[int]
    literals: _containers.RepeatedCompositeFieldContainer[NamedLiteral]
    produced_artifacts: _containers.RepeatedCompositeFieldContainer[ProducedArtifact]
    def __init__(self, literals: _Optional[_Iterable[_Union[NamedLiteral, _Mapping]]] = ..., produced_artifacts: _Optional[_Iterable[_Union[ProducedArtifact, _Mapping]]] = ...) -> None: ...
