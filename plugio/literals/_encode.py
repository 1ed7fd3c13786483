"""Python values to literals: the entry points, and the uploads of local files they plan.

Local files and folders are not uploaded while encoding: their references are
chosen then, and the uploads run afterwards (concurrently in the async form).
How each value is written is in :mod:`plugio.literals._handlers`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from plugio.core import (
    Inputs,
    KeyValuePair,
    Literal,
    LiteralMap,
    NamedLiteral,
    Outputs,
    ProducedArtifact,
)
from plugio.generation import FlyteGeneration
from plugio.literals._blobs import upload_all, upload_all_async
from plugio.literals._handlers import Encoder, encode_value, encode_variables

if TYPE_CHECKING:
    from plugio.storage import DataStore

__all__ = [
    "to_inputs",
    "to_literal",
    "to_literal_async",
    "to_literal_map",
    "to_literal_map_async",
    "to_outputs",
]


def to_literal(
    value: Any,
    *,
    store: DataStore | None = None,
    raw_output_prefix: str | None = None,
    generation: FlyteGeneration | int | str = FlyteGeneration.FLYTE1,
) -> Literal:
    """The literal of ``value``, uploading the local files and folders it holds.

    Supported: ``None`` (``Scalar.none_type``); ``bool``, ``int`` (signed
    64-bit), ``float``, ``str`` and an ``Enum`` member (primitives: the
    member's value for Flyte 1, which must be a ``str``, its name for Flyte
    2, as ``generation`` says);
    ``bytes`` (``Binary``, no tag); a timezone-aware ``datetime``
    (``Primitive.datetime``, microseconds kept); a ``date`` (midnight UTC, as
    flytekit stores it); a ``timedelta`` (``Primitive.duration``); a ``list``
    (``LiteralCollection``); a mapping with ``str`` keys (``LiteralMap``); a
    pydantic model (``Scalar.generic``, its JSON form as a ``Struct``); a
    dataclass instance (``Binary`` tagged ``msgpack``, as both SDKs write
    it); a
    ``pathlib.Path`` or :class:`LocalBlob` (uploaded, a blob); a
    :class:`BlobRef` (its reference, nothing copied). Lists and maps nest.
    A model is stored whole as its JSON form, so a path inside it stays a
    string: give files as variables, or as lists and maps of them.

    Args:
        value: What to convert.
        store: Where local files and folders are uploaded.
        raw_output_prefix: Under which prefix (a fresh random folder each).
        generation: The Flyte generation the literal is for (1 by default).

    Raises:
        LiteralConversionError: an unsupported or ambiguous value (a tuple, a
            set, a naive datetime, an integer beyond 64 bits, a dict key that
            is not a ``str``, a local path without ``store`` and
            ``raw_output_prefix``), naming where it is and its type.
        StorageError: an upload failed.
    """
    encoder = Encoder(store, raw_output_prefix, FlyteGeneration.parse(generation))
    literal = encode_value(value, encoder)
    if encoder.uploads and store is not None:
        upload_all(store, encoder.uploads)
    return literal


async def to_literal_async(
    value: Any,
    *,
    store: DataStore | None = None,
    raw_output_prefix: str | None = None,
    generation: FlyteGeneration | int | str = FlyteGeneration.FLYTE1,
) -> Literal:
    """Async twin of :func:`to_literal`; uploads run concurrently."""
    encoder = Encoder(store, raw_output_prefix, FlyteGeneration.parse(generation))
    literal = encode_value(value, encoder)
    if encoder.uploads and store is not None:
        await upload_all_async(store, encoder.uploads)
    return literal


def to_literal_map(
    values: Mapping[str, Any] | BaseModel,
    *,
    store: DataStore | None = None,
    raw_output_prefix: str | None = None,
    generation: FlyteGeneration | int | str = FlyteGeneration.FLYTE1,
) -> LiteralMap:
    """A ``LiteralMap`` of named values (inputs or outputs), one literal per name.

    ``values`` is a mapping of variable names, or a pydantic model whose
    fields (by alias, when one is set) are the variables. Each value converts
    as in :func:`to_literal`.

    Raises:
        LiteralConversionError: a name that is not a ``str``, or a value that
            cannot be converted; the message names the variable and the type.
        StorageError: an upload failed.
    """
    encoder = Encoder(store, raw_output_prefix, FlyteGeneration.parse(generation))
    literal_map = encode_variables(values, encoder)
    if encoder.uploads and store is not None:
        upload_all(store, encoder.uploads)
    return literal_map


async def to_literal_map_async(
    values: Mapping[str, Any] | BaseModel,
    *,
    store: DataStore | None = None,
    raw_output_prefix: str | None = None,
    generation: FlyteGeneration | int | str = FlyteGeneration.FLYTE1,
) -> LiteralMap:
    """Async twin of :func:`to_literal_map`; uploads run concurrently."""
    encoder = Encoder(store, raw_output_prefix, FlyteGeneration.parse(generation))
    literal_map = encode_variables(values, encoder)
    if encoder.uploads and store is not None:
        await upload_all_async(store, encoder.uploads)
    return literal_map


def to_outputs(
    values: Mapping[str, Any] | BaseModel,
    *,
    store: DataStore | None = None,
    raw_output_prefix: str | None = None,
    generation: FlyteGeneration | int | str = FlyteGeneration.FLYTE2,
    produced_artifacts: Iterable[ProducedArtifact] = (),
) -> Outputs:
    """Flyte 2's ``Outputs`` of named values, in the order given (a model's field order).

    Each value converts as in :func:`to_literal` (enums by name, by default);
    the bytes are what Flyte 2's runtime writes for the same values.
    ``produced_artifacts`` are the artifacts made from them, stored beside.

    Raises:
        LiteralConversionError, StorageError: as :func:`to_literal_map`.
    """
    literals = _named(values, store, raw_output_prefix, generation)
    return Outputs(literals=literals, produced_artifacts=list(produced_artifacts))


def to_inputs(
    values: Mapping[str, Any] | BaseModel,
    *,
    context: Mapping[str, str] | None = None,
    store: DataStore | None = None,
    raw_output_prefix: str | None = None,
    generation: FlyteGeneration | int | str = FlyteGeneration.FLYTE2,
) -> Inputs:
    """Flyte 2's ``Inputs`` of named values, in the order given, with the run's ``context``.

    Raises:
        LiteralConversionError, StorageError: as :func:`to_literal_map`.
    """
    pairs = [KeyValuePair(key=key, value=value) for key, value in (context or {}).items()]
    return Inputs(literals=_named(values, store, raw_output_prefix, generation), context=pairs)


def _named(
    values: Mapping[str, Any] | BaseModel,
    store: DataStore | None,
    raw_output_prefix: str | None,
    generation: FlyteGeneration | int | str,
) -> list[NamedLiteral]:
    """The values' literals as a list in their order (a map's entries would be sorted)."""
    literal_map = to_literal_map(
        values, store=store, raw_output_prefix=raw_output_prefix, generation=generation
    )
    names = list(_model_names(values) if isinstance(values, BaseModel) else values)
    return [NamedLiteral(name=name, value=literal_map.literals[name]) for name in names]


def _model_names(model: BaseModel) -> list[str]:
    return [info.alias or name for name, info in type(model).model_fields.items()]
