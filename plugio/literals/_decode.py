"""Literals to Python values, and on to the type the caller names.

Decoding needs no type: every literal has one natural Python value. A type
hint, or a pydantic model for a whole map, is then applied by pydantic's
validation, which also turns a generic ``Struct`` (or flytekit's MessagePack
``Binary``) back into a model, a ``float`` such as ``3.0`` into an ``int``
field, and a ``datetime`` at midnight into a ``date``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, TypeAdapter, ValidationError

from plugio.core import BlobType, Literal, LiteralMap, Scalar
from plugio.literals._blobs import BlobRef
from plugio.literals._classes import enum_members_by_name
from plugio.literals._depth import check_nesting
from plugio.literals._errors import LiteralConversionError
from plugio.literals._handlers import EPOCH
from plugio.literals._msgpack import unpackb
from plugio.literals._struct import struct_to_python

if TYPE_CHECKING:
    from plugio.storage import DataStore

__all__ = ["from_literal", "from_literal_map"]

ModelT = TypeVar("ModelT", bound=BaseModel)
MSGPACK_TAG = "msgpack"


def from_literal(literal: Literal, type_hint: Any = None, *, store: DataStore | None = None) -> Any:
    """The Python value of a literal, validated as ``type_hint`` when one is given.

    Without a hint: a none type is ``None``; primitives are ``int``,
    ``float``, ``str``, ``bool``, a UTC ``datetime`` (microseconds; finer
    digits are dropped) or a ``timedelta``; a collection is a ``list``; a map
    a ``dict``; a union its value; a ``Binary`` is ``bytes``, unless tagged
    ``msgpack`` (flytekit's dicts, dataclasses and models), then its decoded
    value; a generic ``Struct`` is a ``dict`` whose numbers are ``float``; a
    blob is a :class:`BlobRef` (nothing is downloaded).

    With a hint, that value is validated by pydantic as the hint (a model,
    ``list[Model]``, ``date``, ``Optional[int]``, a dataclass, ...). An enum
    member is read by value (Flyte 1) or by name (Flyte 2), wherever the hint
    has an enum.

    Args:
        literal: The literal to read.
        type_hint: The type wanted, or ``None`` for the natural value.
        store: The store the returned :class:`BlobRef` objects download with.

    Raises:
        LiteralConversionError: a literal with no Python value here (empty, an
            offloaded literal not yet resolved, an error, a schema or a
            structured dataset, undecodable MessagePack, nested too deep), or
            a value that does not validate as ``type_hint``; the message says
            where.
    """
    try:
        value = _decode(literal, store)
    except LiteralConversionError as exc:
        exc._prefix("value")
        raise
    except RecursionError:
        raise _too_deep(literal, "value") from None
    if type_hint is None or type_hint is Any:
        return value
    try:
        return _adapter(type_hint).validate_python(enum_members_by_name(value, type_hint))
    except ValidationError as exc:
        raise _invalid("value", _type_name(type_hint), exc) from exc


@overload
def from_literal_map(
    literal_map: LiteralMap, model: None = None, *, store: DataStore | None = None
) -> dict[str, Any]: ...


@overload
def from_literal_map(
    literal_map: LiteralMap, model: type[ModelT], *, store: DataStore | None = None
) -> ModelT: ...


def from_literal_map(
    literal_map: LiteralMap, model: type[ModelT] | None = None, *, store: DataStore | None = None
) -> dict[str, Any] | ModelT:
    """The named values of a ``LiteralMap``: a ``dict``, or a validated ``model``.

    Each literal decodes as in :func:`from_literal`; with ``model``, the
    dict is then validated as that pydantic model (variables matched to field
    aliases, or names).

    Raises:
        LiteralConversionError: a literal cannot be decoded, or the values do
            not validate as ``model``; the message names the variable.
    """
    try:
        values = _decode_entries(literal_map.literals, store, "")
    except RecursionError:
        raise _too_deep(literal_map, "") from None
    if model is None:
        return values
    try:
        return model.model_validate(enum_members_by_name(values, model))
    except ValidationError as exc:
        raise _invalid("", model.__name__, exc) from exc


def _too_deep(message: Literal | LiteralMap, root: str) -> LiteralConversionError:
    """The error for a message built in memory too deep to decode, named where it is."""
    try:
        check_nesting(message)
    except LiteralConversionError as exc:
        exc._prefix(root)
        return exc
    return LiteralConversionError(root or "values", type(message).__name__, "nests too deep")


def _decode(literal: Literal, store: DataStore | None) -> Any:
    # The primitive first, in one chain: reading an unset submessage gives an
    # empty default, so a kind is found only when the literal is a primitive.
    primitive = literal.scalar.primitive
    primitive_kind = primitive.WhichOneof("value")
    if primitive_kind is not None:
        value = getattr(primitive, primitive_kind)
        convert = _CONVERTERS.get(primitive_kind)
        return value if convert is None else convert(value)
    kind = literal.WhichOneof("value")
    if kind == "scalar":
        return _decode_scalar(literal.scalar, store)
    if kind == "collection":
        return _decode_list(literal.collection.literals, store)
    if kind == "map":
        return _decode_map(literal.map.literals, store)
    if kind == "offloaded_metadata":
        reason = "an offloaded literal: resolve it first (plugio.task.resolve_offloaded)"
        raise LiteralConversionError("", "Literal", reason)
    raise LiteralConversionError("", "Literal", "an empty literal has no value")


def _decode_list(literals: Any, store: DataStore | None) -> list[Any]:
    values: list[Any] = []
    append = values.append
    converters = _CONVERTERS
    try:
        for literal in literals:
            # _decode's primitive path, inlined: most large lists are of primitives.
            primitive = literal.scalar.primitive
            primitive_kind = primitive.WhichOneof("value")
            if primitive_kind is None:
                append(_decode(literal, store))
            elif primitive_kind in converters:
                append(converters[primitive_kind](getattr(primitive, primitive_kind)))
            else:
                append(getattr(primitive, primitive_kind))
    except LiteralConversionError as exc:
        exc._prefix(f"[{len(values)}]")
        raise
    return values


def _decode_map(literals: Mapping[str, Literal], store: DataStore | None) -> dict[str, Any]:
    return _decode_entries(literals, store, "[")


def _decode_entries(
    literals: Mapping[str, Literal], store: DataStore | None, prefix: str
) -> dict[str, Any]:
    """Decode a protobuf map; an error is named ``key`` (``prefix`` ``""``) or ``['key']``."""
    try:
        # Keys then lookups: a protobuf map's items() is several times slower.
        return {key: _decode(literals[key], store) for key in literals}
    except LiteralConversionError as exc:
        for key, literal in literals.items():  # find the culprit, only now
            try:
                _decode(literal, store)
            except LiteralConversionError:
                exc._prefix(f"[{key!r}]" if prefix else key)
                break
        raise


def _decode_scalar(scalar: Scalar, store: DataStore | None) -> Any:
    kind = scalar.WhichOneof("value")
    if kind == "primitive":  # the primitive is empty: _decode returned the others
        raise LiteralConversionError("", "Primitive", "an empty primitive has no value")
    if kind == "none_type":
        return None
    if kind == "union":
        return _decode(scalar.union.value, store)
    if kind == "binary":
        return _decode_binary(scalar.binary.value, scalar.binary.tag)
    if kind == "generic":
        return struct_to_python(scalar.generic)
    if kind == "blob":
        blob = scalar.blob
        multipart = blob.metadata.type.dimensionality == BlobType.MULTIPART
        return BlobRef(blob.uri, multipart, blob.metadata.type.format, store)
    if kind == "error":
        reason = f"an upstream error ({scalar.error.message or 'no message'})"
        raise LiteralConversionError("", "Error", reason)
    reason = f"{kind or 'an empty scalar'} literals are not supported"
    raise LiteralConversionError("", "Scalar", reason)


def _decode_binary(value: bytes, tag: str) -> Any:
    if tag != MSGPACK_TAG:
        return value
    try:
        return unpackb(value)
    except ValueError as exc:
        raise LiteralConversionError("", "Binary", f"undecodable msgpack: {exc}") from exc


def _datetime_of(stamp: Timestamp) -> dt.datetime:
    try:
        return EPOCH + dt.timedelta(seconds=stamp.seconds, microseconds=stamp.nanos // 1000)
    except OverflowError as exc:
        reason = f"{stamp.seconds} seconds from the epoch is beyond Python's datetime"
        raise LiteralConversionError("", "datetime", reason) from exc


def _timedelta_of(duration: Duration) -> dt.timedelta:
    nanos = duration.nanos
    microseconds = nanos // 1000 if nanos >= 0 else -(-nanos // 1000)
    try:
        return dt.timedelta(seconds=duration.seconds, microseconds=microseconds)
    except OverflowError as exc:
        reason = f"{duration.seconds} seconds is beyond Python's timedelta"
        raise LiteralConversionError("", "timedelta", reason) from exc


#: Primitive kinds whose protobuf value is not yet the Python value.
_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "datetime": _datetime_of,
    "duration": _timedelta_of,
}


def _adapter(type_hint: Any) -> TypeAdapter[Any]:
    try:
        return _cached_adapter(type_hint)
    except TypeError:  # an unhashable hint
        return TypeAdapter(type_hint)


@functools.lru_cache(maxsize=256)
def _cached_adapter(type_hint: Any) -> TypeAdapter[Any]:
    return TypeAdapter(type_hint)


def _invalid(root: str, type_name: str, exc: ValidationError) -> LiteralConversionError:
    """The first validation failure, named by its location under ``root``."""
    first = exc.errors()[0]
    name = root
    for part in first["loc"]:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    more = exc.error_count() - 1
    reason = first["msg"] + (f" (and {more} more problems)" if more else "")
    return LiteralConversionError(name or root or type_name, type_name, reason)


def _type_name(type_hint: Any) -> str:
    return getattr(type_hint, "__name__", None) or repr(type_hint)
