"""The handlers that write each Python value into a literal message already in place.

Each value is dispatched on its exact type through one dict lookup (the
resolved handler of a subclass is cached the first time it is seen), and each
handler sets the fields of a message that is already in place
(``collection.literals.add()``, ``map.literals[key]``): no intermediate
message is built and copied, which is what makes large lists and maps cheap.

Containers track how many message levels down their items sit and refuse a
value that would go deeper than protobuf parses back (see
:mod:`plugio.literals._depth`); far from that limit the check costs one
comparison per container, not per item.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import os
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from plugio.core import BlobType, Literal, LiteralMap
from plugio.generation import FlyteGeneration
from plugio.literals._blobs import BlobRef, LocalBlob, Upload, plan_upload
from plugio.literals._classes import dataclass_fields
from plugio.literals._depth import MAX_MESSAGE_LEVEL, VARIABLE_LEVEL, too_deep
from plugio.literals._errors import LiteralConversionError
from plugio.literals._msgpack import packb
from plugio.literals._struct import fill_struct

if TYPE_CHECKING:
    from plugio.storage import DataStore

__all__ = ["EPOCH", "Encoder", "encode_value", "encode_variables"]

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_MAX_DURATION_SECONDS = 315_576_000_000  # google.protobuf.Duration's range, about 10,000 years
_MICROSECONDS = dt.timedelta(microseconds=1)
_SUPPORTED = (
    "None, bool, int, float, str, bytes, datetime (timezone-aware), date, timedelta, "
    "Enum, list, dict with str keys, dataclass, pydantic model, pathlib.Path, LocalBlob, BlobRef"
)


class Encoder:
    """What handlers share: where local files go, the uploads planned, how deep they are.

    ``level`` is the message level of the literal being filled (see
    :mod:`plugio.literals._depth`); containers set it for their items.
    ``generation`` decides how an enum member is written.
    """

    __slots__ = ("generation", "level", "raw_output_prefix", "store", "uploads")

    def __init__(
        self,
        store: DataStore | None,
        raw_output_prefix: str | None,
        generation: FlyteGeneration = FlyteGeneration.FLYTE1,
    ) -> None:
        self.store = store
        self.raw_output_prefix = raw_output_prefix
        self.uploads: list[Upload] = []
        self.level = VARIABLE_LEVEL
        self.generation = generation


Handler = Callable[[Literal, Any, Encoder], None]


def encode_value(value: Any, encoder: Encoder) -> Literal:
    """The literal of one value, errors named from ``value``."""
    literal = Literal()
    try:
        (_HANDLERS.get(type(value)) or _handler_for(type(value)))(literal, value, encoder)
    except LiteralConversionError as exc:
        exc._prefix("value")
        raise
    except (ValueError, TypeError, OverflowError) as exc:
        raise _out_of_range("value", value, exc) from exc
    return literal


def encode_variables(values: Mapping[str, Any] | BaseModel, encoder: Encoder) -> LiteralMap:
    """The ``LiteralMap`` of named values or a model's fields, errors named from the name."""
    if isinstance(values, BaseModel):
        values = _model_variables(values)
    elif not isinstance(values, Mapping):
        raise LiteralConversionError(
            "values", type(values).__name__, "expected a mapping of names or a pydantic model"
        )
    literal_map = LiteralMap()
    _fill_entries(literal_map.literals, values, encoder, "", VARIABLE_LEVEL)
    return literal_map


def _model_variables(model: BaseModel) -> dict[str, Any]:
    fields = type(model).model_fields
    return {info.alias or name: getattr(model, name) for name, info in fields.items()}


def _fill_entries(
    target: Any, values: Mapping[Any, Any], encoder: Encoder, prefix: str, level: int
) -> None:
    """Fill the protobuf map ``target`` (name -> Literal) from ``values``.

    ``prefix`` is ``""`` for top-level variables (named bare) and ``"["`` for
    nested maps (named ``['key']``); ``level`` is the level of their literals.
    """
    handlers = _HANDLERS
    key: Any = None
    item: Any = None
    outer, encoder.level = encoder.level, level
    try:
        if level + _DEEPEST_LEAF <= MAX_MESSAGE_LEVEL:
            for key, item in values.items():
                (handlers.get(type(item)) or _handler_for(type(item)))(target[key], item, encoder)
        else:
            for key, item in values.items():
                _fill_near_limit(target[key], item, encoder)
    except LiteralConversionError as exc:
        exc._prefix(_segment(prefix, key))
        raise
    except (ValueError, TypeError, OverflowError) as exc:
        if not isinstance(key, str):
            reason = "names and map keys must be str"
            raise LiteralConversionError(_segment(prefix, key), type(key).__name__, reason) from exc
        raise _out_of_range(_segment(prefix, key), item, exc) from exc
    finally:
        encoder.level = outer


def _fill_near_limit(target: Literal, item: Any, encoder: Encoder) -> None:
    """Fill ``target`` as its handler does, once sure the value fits below the limit.

    Containers check their own depth; a value of any other type costs a fixed
    number of levels, which only matters this close to the limit.
    """
    handler = _HANDLERS.get(type(item)) or _handler_for(type(item))
    depth = _LEAF_DEPTH.get(handler)
    if depth is not None and encoder.level + depth > MAX_MESSAGE_LEVEL:
        raise too_deep(type(item).__name__, encoder.level + depth)
    handler(target, item, encoder)


def _segment(prefix: str, key: Any) -> str:
    return f"[{key!r}]" if prefix else str(key)


def _out_of_range(name: str, value: Any, exc: Exception) -> LiteralConversionError:
    """The error of a value protobuf refused (an int beyond 64 bits, a lone surrogate)."""
    if isinstance(value, int):
        reason = "an integer literal is a signed 64-bit integer"
    else:
        reason = f"the value does not fit its literal: {exc}"
    return LiteralConversionError(name, type(value).__name__, reason)


# -- handlers: each fills ``target`` (an empty Literal) from ``value`` --------


def _fill_none(target: Literal, value: None, encoder: Encoder) -> None:
    target.scalar.none_type.SetInParent()


def _fill_bool(target: Literal, value: bool, encoder: Encoder) -> None:
    target.scalar.primitive.boolean = value


def _fill_int(target: Literal, value: int, encoder: Encoder) -> None:
    target.scalar.primitive.integer = value


def _fill_float(target: Literal, value: float, encoder: Encoder) -> None:
    target.scalar.primitive.float_value = value


def _fill_str(target: Literal, value: str, encoder: Encoder) -> None:
    target.scalar.primitive.string_value = value


def _fill_bytes(target: Literal, value: bytes, encoder: Encoder) -> None:
    target.scalar.binary.value = bytes(value)


def _fill_enum(target: Literal, value: enum.Enum, encoder: Encoder) -> None:
    if encoder.generation is FlyteGeneration.FLYTE2:
        target.scalar.primitive.string_value = value.name  # Flyte 2 writes the name
        return
    if not isinstance(value.value, str):
        reason = "only str-valued enums convert for Flyte 1 (Flyte 2 writes any by name)"
        raise LiteralConversionError("", type(value).__name__, reason)
    target.scalar.primitive.string_value = value.value


def _fill_dataclass(target: Literal, value: Any, encoder: Encoder) -> None:
    binary = target.scalar.binary
    binary.value = packb(dataclass_fields(value))
    binary.tag = "msgpack"


def _fill_datetime(target: Literal, value: dt.datetime, encoder: Encoder) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        reason = "a naive datetime is ambiguous: give it a timezone (e.g. timezone.utc)"
        raise LiteralConversionError("", type(value).__name__, reason)
    delta = value - EPOCH
    stamp = target.scalar.primitive.datetime
    stamp.seconds = delta.days * 86_400 + delta.seconds
    stamp.nanos = delta.microseconds * 1000


def _fill_date(target: Literal, value: dt.date, encoder: Encoder) -> None:
    stamp = target.scalar.primitive.datetime
    stamp.seconds = (value - EPOCH.date()).days * 86_400
    stamp.nanos = 0


def _fill_timedelta(target: Literal, value: dt.timedelta, encoder: Encoder) -> None:
    microseconds = value // _MICROSECONDS
    seconds = abs(microseconds) // 1_000_000
    if seconds > _MAX_DURATION_SECONDS:
        reason = "a duration literal spans at most 315,576,000,000 seconds"
        raise LiteralConversionError("", type(value).__name__, reason)
    sign = -1 if microseconds < 0 else 1
    duration = target.scalar.primitive.duration
    duration.seconds = sign * seconds
    duration.nanos = sign * (abs(microseconds) % 1_000_000) * 1000


def _fill_list(target: Literal, value: list[Any], encoder: Encoder) -> None:
    level = encoder.level
    deepest = level + (2 if value else 1)  # the collection, then its literals
    if deepest > MAX_MESSAGE_LEVEL:
        raise too_deep(type(value).__name__, deepest)
    collection = target.collection
    collection.SetInParent()
    add = collection.literals.add
    handlers = _HANDLERS
    encoder.level = level + 2
    try:
        if level + 2 + _DEEPEST_LEAF <= MAX_MESSAGE_LEVEL:
            for item in value:
                (handlers.get(type(item)) or _handler_for(type(item)))(add(), item, encoder)
        else:
            for item in value:
                _fill_near_limit(add(), item, encoder)
    except LiteralConversionError as exc:
        exc._prefix(f"[{len(collection.literals) - 1}]")
        raise
    except (ValueError, TypeError, OverflowError) as exc:
        index = len(collection.literals) - 1
        raise _out_of_range(f"[{index}]", value[index], exc) from exc
    finally:
        encoder.level = level


def _fill_map(target: Literal, value: Mapping[Any, Any], encoder: Encoder) -> None:
    deepest = encoder.level + (3 if value else 1)  # the map, its entries, their literals
    if deepest > MAX_MESSAGE_LEVEL:
        raise too_deep(type(value).__name__, deepest)
    target.map.SetInParent()
    _fill_entries(target.map.literals, value, encoder, "[", encoder.level + 3)


def _fill_model(target: Literal, value: BaseModel, encoder: Encoder) -> None:
    try:
        data = value.model_dump(mode="json", by_alias=True)
    except Exception as exc:  # pydantic's serialization errors have no common base
        reason = f"the model has no JSON form: {exc}"
        raise LiteralConversionError("", type(value).__name__, reason) from exc
    fill_struct(target.scalar.generic, data, encoder.level + 2)


def _fill_blob_ref(target: Literal, value: BlobRef, encoder: Encoder) -> None:
    _set_blob(target, value.uri, value.format, value.multipart)


def _fill_path(target: Literal, value: os.PathLike[str], encoder: Encoder) -> None:
    _fill_local(target, LocalBlob(value), encoder)


def _fill_local(target: Literal, value: LocalBlob, encoder: Encoder) -> None:
    if encoder.store is None or not encoder.raw_output_prefix:
        reason = "a local file or folder is uploaded: pass store and raw_output_prefix"
        raise LiteralConversionError("", type(value).__name__, reason)
    try:
        upload, multipart = plan_upload(os.fspath(value.path), encoder.raw_output_prefix)
    except FileNotFoundError as exc:
        raise LiteralConversionError("", type(value).__name__, str(exc)) from exc
    encoder.uploads.append(upload)
    _set_blob(target, upload.uri, value.format, multipart)


def _set_blob(target: Literal, uri: str, blob_format: str, multipart: bool) -> None:
    blob = target.scalar.blob
    blob.uri = uri
    blob.metadata.type.format = blob_format
    blob.metadata.type.dimensionality = BlobType.MULTIPART if multipart else BlobType.SINGLE


def _refuse(reason: str) -> Handler:
    def refuse(target: Literal, value: Any, encoder: Encoder) -> None:
        raise LiteralConversionError("", type(value).__name__, reason)

    return refuse


_HANDLERS: dict[type, Handler] = {
    type(None): _fill_none,
    bool: _fill_bool,
    int: _fill_int,
    float: _fill_float,
    str: _fill_str,
    bytes: _fill_bytes,
    dt.datetime: _fill_datetime,
    dt.date: _fill_date,
    dt.timedelta: _fill_timedelta,
    list: _fill_list,
    dict: _fill_map,
    BlobRef: _fill_blob_ref,
    LocalBlob: _fill_local,
}

#: For subclasses, in this order: the first base a type derives from wins.
_BY_BASE: tuple[tuple[type | tuple[type, ...], Handler], ...] = (
    (enum.Enum, _fill_enum),
    (bool, _fill_bool),
    (int, _fill_int),
    (float, _fill_float),
    (str, _fill_str),
    ((bytes, bytearray), _fill_bytes),
    (dt.datetime, _fill_datetime),
    (dt.date, _fill_date),
    (dt.timedelta, _fill_timedelta),
    (BaseModel, _fill_model),
    (PurePath, _fill_path),
    (list, _fill_list),
    (Mapping, _fill_map),
    ((tuple, set, frozenset), _refuse("ambiguous: a tuple or set has no literal; pass a list")),
)


#: The levels below its literal that a value of each fixed shape reaches (lists,
#: dicts and models check their own): Scalar and Primitive (or Void, Binary);
#: a Timestamp or Duration one further; Blob, BlobMetadata and BlobType for a blob.
_LEAF_DEPTH: dict[Handler, int] = {
    _fill_none: 2,
    _fill_bool: 2,
    _fill_int: 2,
    _fill_float: 2,
    _fill_str: 2,
    _fill_enum: 2,
    _fill_bytes: 2,
    _fill_datetime: 3,
    _fill_date: 3,
    _fill_timedelta: 3,
    _fill_model: 2,
    _fill_dataclass: 2,
    _fill_blob_ref: 4,
    _fill_path: 4,
    _fill_local: 4,
}
_DEEPEST_LEAF = max(_LEAF_DEPTH.values())


def _handler_for(cls: type) -> Handler:
    """The handler of a type not in the table, resolved by base class and cached."""
    handler = next(
        (found for base, found in _BY_BASE if issubclass(cls, base)),
        _fill_dataclass
        if dataclasses.is_dataclass(cls)
        else _refuse(f"no literal for this type; supported are {_SUPPORTED}"),
    )
    _HANDLERS[cls] = handler
    return handler
