"""A task's side: its inputs as a validated model, its outputs from a model or a dict."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, overload

from pydantic import BaseModel

from plugio.errors import ConfigurationError
from plugio.literals._decode import from_literal_map
from plugio.literals._encode import to_literal_map, to_literal_map_async
from plugio.readers import InMemoryOutputReader, InputReader
from plugio.storage import DataStore
from plugio.writers import OutputWriter

__all__ = ["read_inputs", "read_inputs_async", "write_outputs", "write_outputs_async"]

ModelT = TypeVar("ModelT", bound=BaseModel)


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
        store: The store blob inputs (:class:`BlobRef`) download with.

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


def write_outputs(
    writer: OutputWriter, values: Mapping[str, Any] | BaseModel, *, store: DataStore | None = None
) -> None:
    """Convert named outputs and commit them with ``writer`` (``outputs.pb``).

    Local files and folders among the values are uploaded first, under the
    writer's raw output prefix, so the committed outputs never reference a
    missing object.

    Args:
        writer: Where the outputs go.
        values: A mapping of output names, or a pydantic model of them.
        store: Where local files are uploaded; by default the store of the
            writer's paths, when they have one.

    Raises:
        LiteralConversionError: an output cannot be converted; it is named.
        StorageError: an upload or the commit failed.
    """
    store, raw_output_prefix = _upload_target(writer, store)
    outputs = to_literal_map(values, store=store, raw_output_prefix=raw_output_prefix)
    writer.put(InMemoryOutputReader(literals=outputs))


async def write_outputs_async(
    writer: OutputWriter, values: Mapping[str, Any] | BaseModel, *, store: DataStore | None = None
) -> None:
    """Async twin of :func:`write_outputs`; uploads run concurrently."""
    store, raw_output_prefix = _upload_target(writer, store)
    outputs = await to_literal_map_async(values, store=store, raw_output_prefix=raw_output_prefix)
    await writer.put_async(InMemoryOutputReader(literals=outputs))


def _upload_target(
    writer: OutputWriter, store: DataStore | None
) -> tuple[DataStore | None, str | None]:
    if store is None:
        found = getattr(getattr(writer, "paths", writer), "store", None)
        store = found if isinstance(found, DataStore) else None
    try:
        raw_output_prefix: str | None = writer.get_raw_output_prefix()
    except ConfigurationError:  # read-only paths: no raw output area
        raw_output_prefix = None
    return store, raw_output_prefix
