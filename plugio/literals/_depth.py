"""How deep a literal may nest and still be read back.

Protobuf refuses to parse a message nested more than 100 levels below the
top one (the default recursion limit of its Python and upb backends; the C++
backend's default is the same). Every submessage counts, map entries
included: a variable of an ``outputs.pb`` sits at level 2 (``LiteralMap`` 0,
its map entry 1, the ``Literal`` 2); a nested list costs 2 levels
(``LiteralCollection``, ``Literal``), a nested dict 3 (``LiteralMap``, map
entry, ``Literal``), and the value at the bottom 2 to 4 more (``Scalar`` and
``Primitive``; ``Blob``, ``BlobMetadata`` and ``BlobType`` for a blob).
Measured with protobuf 7 (upb and pure Python alike), the deepest variables
that read back are 48 nested lists or 32 nested dicts of integers.

Writing has no such limit, so a value that nests deeper would be stored and
then fail to read as corrupt. Conversion refuses such values up front
(:func:`plugio.literals.to_literal_map`), and :func:`check_nesting` finds the
same problem in a message built by hand, naming where it is.
"""

from __future__ import annotations

import functools
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message
from google.protobuf.struct_pb2 import ListValue, Struct

from plugio._memory import large_message
from plugio.core import Inputs, LiteralCollection, LiteralMap, Outputs
from plugio.literals._errors import LiteralConversionError

__all__ = ["MAX_MESSAGE_LEVEL", "VARIABLE_LEVEL", "check_nesting", "too_deep"]

MAX_MESSAGE_LEVEL = 100
"""The deepest level below the top message that protobuf parses (its recursion limit)."""

VARIABLE_LEVEL = 2
"""The level of a variable's ``Literal`` in a ``LiteralMap``: the map 0, its entry 1."""

_INDEXED = frozenset(
    {
        LiteralCollection.DESCRIPTOR.fields_by_name["literals"].full_name,
        ListValue.DESCRIPTOR.fields_by_name["values"].full_name,
    }
)
#: Flyte 2's lists of named literals: an entry is named by its ``name``.
_NAMED = frozenset(
    {
        Inputs.DESCRIPTOR.fields_by_name["literals"].full_name,
        Outputs.DESCRIPTOR.fields_by_name["literals"].full_name,
    }
)
_KEYED = frozenset(
    {
        LiteralMap.DESCRIPTOR.fields_by_name["literals"].full_name,
        Struct.DESCRIPTOR.fields_by_name["fields"].full_name,
    }
)


def too_deep(python_type: str, level: int) -> LiteralConversionError:
    """The error for something that would sit at ``level``, beyond what protobuf reads.

    The name is left empty: the containers it passes through put the path in.
    """
    reason = (
        f"nests too deep to be read back: part of its literal would be {level} message levels "
        f"down, and protobuf reads at most {MAX_MESSAGE_LEVEL} (about 48 nested lists or "
        "32 nested dicts in a variable)"
    )
    return LiteralConversionError("", python_type, reason)


def check_nesting(message: Message, serialized: bytes | None = None) -> None:
    """Check that ``message``, stored as it is, can be parsed back.

    ``message`` is the top of what is stored: a ``LiteralMap`` (an
    ``inputs.pb`` or ``outputs.pb``), Flyte 2's ``Inputs`` or ``Outputs``,
    or a ``Literal`` on its own (an offloaded literal); ``serialized`` is
    its bytes, when the caller has them. A message too small to be too deep
    (each level costs at least 2 bytes) is accepted at once; a larger one
    when protobuf parses its bytes back; only one that fails is walked, to
    name the part that is too deep.

    Raises:
        LiteralConversionError: some part would be more than
            :data:`MAX_MESSAGE_LEVEL` levels down; its name says where, as
            conversion errors do: a ``LiteralMap``'s variable bare, then
            indexes and keys (``x[0]['key']``).
    """
    data = message.SerializeToString() if serialized is None else serialized
    if len(data) // 2 <= MAX_MESSAGE_LEVEL:
        return  # each level costs at least 2 bytes: too small to be too deep
    if _parses_back(type(message), data):
        return  # protobuf's own parser, at C speed, found no level too deep
    _walk(message, 0)  # find the part that is too deep, and name it


def _parses_back(message_type: type[Message], data: bytes) -> bool:
    """Whether protobuf parses ``data`` as ``message_type`` (its depth limit is the one above).

    A wide map of many values (a list of 20,000 strings, say) is checked by
    one parse, about 1 ms per MiB, instead of a walk in Python over every value.
    """
    large_message(len(data))  # see plugio._memory: the first large one tunes malloc
    try:
        message_type().ParseFromString(data)
    except (DecodeError, RuntimeError, RecursionError):
        return False
    return True


def _walk(message: Message, level: int) -> None:
    """Raise if a submessage of ``message`` (which sits at ``level``) is too deep."""
    if level + message.ByteSize() // 2 <= MAX_MESSAGE_LEVEL:
        return
    for field, value in message.ListFields():
        kind = _kind(field)
        if kind == "plain":
            continue
        if level + 1 > MAX_MESSAGE_LEVEL:  # the submessage, or each map entry
            raise too_deep(_type_name(field), level + 1)
        if kind == "map":
            _walk_map(field, value, level + 1)
        elif isinstance(value, Message):
            _walk(value, level + 1)
        elif kind == "message" and field.full_name in _NAMED:  # Flyte 2's Inputs, Outputs
            for item in value:
                _walk_named(item, level + 1, item.name)
        elif kind == "message":  # a repeated field
            indexed = field.full_name in _INDEXED
            for index, item in enumerate(value):
                _walk_named(item, level + 1, f"[{index}]" if indexed else "")


def _walk_map(field: FieldDescriptor, entries: Any, entry_level: int) -> None:
    """Walk the message values of a map, one level below its entries."""
    if entries and entry_level + 1 > MAX_MESSAGE_LEVEL:
        entry_type = field.message_type
        value_field = entry_type.fields_by_name["value"] if entry_type is not None else field
        raise too_deep(_type_name(value_field), entry_level + 1)
    keyed = field.full_name in _KEYED
    bare = entry_level == 1  # the variables of a top-level LiteralMap
    for key in entries:
        segment = (str(key) if bare else f"[{key!r}]") if keyed else ""
        _walk_named(entries[key], entry_level + 1, segment)


def _walk_named(message: Message, level: int, segment: str) -> None:
    try:
        _walk(message, level)
    except LiteralConversionError as exc:
        exc._prefix(segment)
        raise


@functools.cache
def _kind(field: FieldDescriptor) -> str:
    """What a field holds, as far as depth goes.

    ``plain``: no message; ``message``: messages (one, or repeated); ``map``: a
    map whose values are messages; ``entries``: a map of plain values, whose
    entries are messages all the same, one level down.
    """
    message_type = field.message_type
    if field.type != FieldDescriptor.TYPE_MESSAGE or message_type is None:
        return "plain"
    if not message_type.GetOptions().map_entry:
        return "message"
    value = message_type.fields_by_name["value"]
    return "map" if value.type == FieldDescriptor.TYPE_MESSAGE else "entries"


def _type_name(field: FieldDescriptor) -> str:
    return field.message_type.name if field.message_type is not None else field.name
