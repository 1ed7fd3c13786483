"""Python values to literals: the entry points, and the uploads of local files they plan.

Local files and folders are not uploaded while encoding: their references are
chosen then, and the uploads run afterwards (concurrently in the async form).
How each value is written is in :mod:`plugio.literals._handlers`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from plugio.core import Literal, LiteralMap
from plugio.literals._blobs import upload_all, upload_all_async
from plugio.literals._handlers import Encoder, encode_value, encode_variables

if TYPE_CHECKING:
    from plugio.storage import DataStore

__all__ = ["to_literal", "to_literal_async", "to_literal_map", "to_literal_map_async"]


def to_literal(
    value: Any, *, store: DataStore | None = None, raw_output_prefix: str | None = None
) -> Literal:
    """The literal of ``value``, uploading the local files and folders it holds.

    Supported: ``None`` (``Scalar.none_type``); ``bool``, ``int`` (signed
    64-bit), ``float``, ``str`` and a str-valued ``Enum`` (primitives);
    ``bytes`` (``Binary``, no tag); a timezone-aware ``datetime``
    (``Primitive.datetime``, microseconds kept); a ``date`` (midnight UTC, as
    flytekit stores it); a ``timedelta`` (``Primitive.duration``); a ``list``
    (``LiteralCollection``); a mapping with ``str`` keys (``LiteralMap``); a
    pydantic model (``Scalar.generic``, its JSON form as a ``Struct``); a
    ``pathlib.Path`` or :class:`LocalBlob` (uploaded, a blob); a
    :class:`BlobRef` (its reference, nothing copied). Lists and maps nest.
    A model is stored whole as its JSON form, so a path inside it stays a
    string: give files as variables, or as lists and maps of them.

    Args:
        value: What to convert.
        store: Where local files and folders are uploaded.
        raw_output_prefix: Under which prefix (a fresh random folder each).

    Raises:
        LiteralConversionError: an unsupported or ambiguous value (a tuple, a
            set, a naive datetime, an integer beyond 64 bits, a dict key that
            is not a ``str``, a local path without ``store`` and
            ``raw_output_prefix``), naming where it is and its type.
        StorageError: an upload failed.
    """
    encoder = Encoder(store, raw_output_prefix)
    literal = encode_value(value, encoder)
    if encoder.uploads and store is not None:
        upload_all(store, encoder.uploads)
    return literal


async def to_literal_async(
    value: Any, *, store: DataStore | None = None, raw_output_prefix: str | None = None
) -> Literal:
    """Async twin of :func:`to_literal`; uploads run concurrently."""
    encoder = Encoder(store, raw_output_prefix)
    literal = encode_value(value, encoder)
    if encoder.uploads and store is not None:
        await upload_all_async(store, encoder.uploads)
    return literal


def to_literal_map(
    values: Mapping[str, Any] | BaseModel,
    *,
    store: DataStore | None = None,
    raw_output_prefix: str | None = None,
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
    encoder = Encoder(store, raw_output_prefix)
    literal_map = encode_variables(values, encoder)
    if encoder.uploads and store is not None:
        upload_all(store, encoder.uploads)
    return literal_map


async def to_literal_map_async(
    values: Mapping[str, Any] | BaseModel,
    *,
    store: DataStore | None = None,
    raw_output_prefix: str | None = None,
) -> LiteralMap:
    """Async twin of :func:`to_literal_map`; uploads run concurrently."""
    encoder = Encoder(store, raw_output_prefix)
    literal_map = encode_variables(values, encoder)
    if encoder.uploads and store is not None:
        await upload_all_async(store, encoder.uploads)
    return literal_map
