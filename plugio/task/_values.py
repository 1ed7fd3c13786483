"""A task's inputs and outputs: read as values or a model, written from values or literals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias, TypeVar, overload

from pydantic import BaseModel

from plugio.core import Inputs, LiteralMap, NamedLiteral, Outputs
from plugio.errors import ConfigurationError
from plugio.generation import FlyteGeneration
from plugio.literals import (
    check_nesting,
    from_literal_map,
    to_inputs,
    to_literal_map,
    to_literal_map_async,
    to_outputs,
)
from plugio.paths import InputPaths, RemoteFileOutputPaths
from plugio.readers import InMemoryOutputReader, InputReader
from plugio.storage import DataStore
from plugio.writers import BufferedOutputWriter, OutputWriter, RemoteFileOutputWriter

__all__ = [
    "read_inputs",
    "read_inputs_async",
    "write_inputs",
    "write_inputs_async",
    "write_outputs",
    "write_outputs_async",
]

ModelT = TypeVar("ModelT", bound=BaseModel)

Values: TypeAlias = Mapping[str, Any] | BaseModel | LiteralMap
"""What a task's inputs or outputs may be given as: values by name, a model of them, or literals."""


@overload
def read_inputs(
    reader: InputReader, model: None = None, *, store: DataStore | None = None
) -> dict[str, Any]: ...


@overload
def read_inputs(
    reader: InputReader, model: type[ModelT], *, store: DataStore | None = None
) -> ModelT: ...


def read_inputs(
    reader: InputReader, model: type[ModelT] | None = None, *, store: DataStore | None = None
) -> dict[str, Any] | ModelT:
    """The attempt's inputs, as a ``dict`` or validated as the pydantic ``model``.

    Args:
        reader: Where the inputs come from (``reader.get()``).
        model: The model whose fields are the task's inputs, if any.
        store: The store blob inputs (:class:`~plugio.literals.BlobRef`)
            download with; without one they use a store configured from the
            ``PLUGIO_*`` environment.

    Raises:
        LiteralConversionError: an input cannot be decoded or does not
            validate; the message names it.
        StorageError: the inputs could not be read (see the reader).
    """
    return from_literal_map(reader.get(), model, store=store)


@overload
async def read_inputs_async(
    reader: InputReader, model: None = None, *, store: DataStore | None = None
) -> dict[str, Any]: ...


@overload
async def read_inputs_async(
    reader: InputReader, model: type[ModelT], *, store: DataStore | None = None
) -> ModelT: ...


async def read_inputs_async(
    reader: InputReader, model: type[ModelT] | None = None, *, store: DataStore | None = None
) -> dict[str, Any] | ModelT:
    """Async twin of :func:`read_inputs`."""
    return from_literal_map(await reader.get_async(), model, store=store)


def write_inputs(
    store: DataStore,
    input_prefix: str,
    values: Values,
    *,
    raw_output_prefix: str | None = None,
    generation: FlyteGeneration | int | str | None = None,
) -> str:
    """Convert named inputs and store them as ``<input_prefix>/inputs.pb``; its reference.

    For Flyte 2 (``generation``) they are stored as its ``Inputs``, in the
    order given, enums by name; for Flyte 1 as a ``LiteralMap``.

    What an engine (or a person, with ``plugio inputs create``) does before
    an attempt starts. Local files and folders among the values are uploaded
    first, under ``raw_output_prefix``, so the stored inputs never reference a
    missing object. A ``LiteralMap`` is stored as it is, once checked to be
    readable back.

    Args:
        store: Where the inputs (and uploads) go.
        input_prefix: The attempt's input prefix.
        values: A mapping of input names, a pydantic model of them, or the
            ``LiteralMap`` itself.
        raw_output_prefix: Where local files and folders are uploaded (a
            fresh folder each); without it, a local path is refused.
        generation: The Flyte generation the inputs are for; by default the
            store's (``store.flyte``).

    Raises:
        LiteralConversionError: an input cannot be converted, or nests too
            deep for protobuf to read it back; it is named.
        StorageError: an upload or the write failed.
    """
    ref = InputPaths(store, input_prefix).get_input_path()
    inputs: LiteralMap | Inputs
    if isinstance(values, LiteralMap):
        check_nesting(values)
        inputs = values
    elif _generation_for(store, generation) is FlyteGeneration.FLYTE2:
        inputs = to_inputs(values, store=store, raw_output_prefix=raw_output_prefix)
    else:
        inputs = to_literal_map(values, store=store, raw_output_prefix=raw_output_prefix)
    store.write_protobuf(ref, inputs)
    return ref


async def write_inputs_async(
    store: DataStore,
    input_prefix: str,
    values: Values,
    *,
    raw_output_prefix: str | None = None,
    generation: FlyteGeneration | int | str | None = None,
) -> str:
    """Async twin of :func:`write_inputs`; uploads run concurrently."""
    ref = InputPaths(store, input_prefix).get_input_path()
    inputs: LiteralMap | Inputs
    if isinstance(values, LiteralMap):
        check_nesting(values)
        inputs = values
    else:
        generation = _generation_for(store, generation)
        flyte2 = generation is FlyteGeneration.FLYTE2
        literal_map = await to_literal_map_async(
            values, store=store, raw_output_prefix=raw_output_prefix, generation=generation
        )
        if flyte2:
            names = _names(values)
            inputs = Inputs(
                literals=[NamedLiteral(name=n, value=literal_map.literals[n]) for n in names]
            )
        else:
            inputs = literal_map
    await store.write_protobuf_async(ref, inputs)
    return ref


def write_outputs(
    writer: OutputWriter,
    values: Values,
    *,
    store: DataStore | None = None,
    generation: FlyteGeneration | int | str | None = None,
) -> None:
    """Convert named outputs and commit them with ``writer`` (``outputs.pb``).

    The outputs keep the order given (Flyte 2's ``Outputs``; a Flyte 1
    writer stores them as a map), and enums are written as ``generation``
    says: by default the writer's own (a
    :class:`~plugio.writers.RemoteFileOutputWriter` knows it), else Flyte 1.

    Local files and folders among the values are uploaded first, under the
    writer's raw output prefix, so the committed outputs never reference a
    missing object. A ``LiteralMap`` is committed as it is, once checked to
    be readable back.

    Args:
        writer: Where the outputs go.
        values: A mapping of output names, a pydantic model of them, or the
            ``LiteralMap`` itself.
        store: Where local files are uploaded; by default the store of the
            writer's paths, when the writer is a
            :class:`~plugio.writers.RemoteFileOutputWriter` or a
            :class:`~plugio.writers.BufferedOutputWriter` and its paths are
            :class:`~plugio.paths.RemoteFileOutputPaths` (which carry one).
        generation: The Flyte generation the values are for.

    Raises:
        LiteralConversionError: an output cannot be converted, or nests too
            deep for protobuf to read it back; it is named.
        StorageError: an upload or the commit failed.
    """
    outputs: LiteralMap | Outputs
    if isinstance(values, LiteralMap):
        if not isinstance(writer, RemoteFileOutputWriter):  # which checks the bytes it writes
            check_nesting(values)
        outputs = values
    else:
        store, raw_output_prefix = _upload_target(writer, store)
        outputs = to_outputs(
            values,
            store=store,
            raw_output_prefix=raw_output_prefix,
            generation=_generation_of(writer, generation),
        )
    writer.put(InMemoryOutputReader(literals=outputs))


async def write_outputs_async(
    writer: OutputWriter,
    values: Values,
    *,
    store: DataStore | None = None,
    generation: FlyteGeneration | int | str | None = None,
) -> None:
    """Async twin of :func:`write_outputs`; uploads run concurrently."""
    outputs: LiteralMap | Outputs
    if isinstance(values, LiteralMap):
        if not isinstance(writer, RemoteFileOutputWriter):  # which checks the bytes it writes
            check_nesting(values)
        outputs = values
    else:
        store, raw_output_prefix = _upload_target(writer, store)
        literal_map = await to_literal_map_async(
            values,
            store=store,
            raw_output_prefix=raw_output_prefix,
            generation=_generation_of(writer, generation),
        )
        outputs = Outputs(
            literals=[NamedLiteral(name=n, value=literal_map.literals[n]) for n in _names(values)]
        )
    await writer.put_async(InMemoryOutputReader(literals=outputs))


def _generation_for(
    store: DataStore, generation: FlyteGeneration | int | str | None
) -> FlyteGeneration:
    """The generation asked for, else the store's."""
    return store.flyte if generation is None else FlyteGeneration.parse(generation)


def _generation_of(
    writer: OutputWriter, generation: FlyteGeneration | int | str | None
) -> FlyteGeneration:
    """The generation asked for, else the writer's, else Flyte 1."""
    if generation is not None:
        return FlyteGeneration.parse(generation)
    if isinstance(writer, RemoteFileOutputWriter):
        return writer.generation
    return FlyteGeneration.FLYTE1


def _names(values: Mapping[str, Any] | BaseModel) -> list[str]:
    """The variable names in their order: a mapping's, or a model's fields (by alias)."""
    if isinstance(values, BaseModel):
        return [info.alias or name for name, info in type(values).model_fields.items()]
    return list(values)


def _upload_target(
    writer: OutputWriter, store: DataStore | None
) -> tuple[DataStore | None, str | None]:
    """The store and raw output prefix local files go to (None for either: nowhere)."""
    if store is None and isinstance(writer, RemoteFileOutputWriter | BufferedOutputWriter):
        paths = writer.paths
        store = paths.store if isinstance(paths, RemoteFileOutputPaths) else None
    try:
        raw_output_prefix: str | None = writer.get_raw_output_prefix()
    except ConfigurationError:  # read-only paths: no raw output area
        raw_output_prefix = None
    return store, raw_output_prefix
