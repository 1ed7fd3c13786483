"""JSON-shaped values to and from ``google.protobuf.Struct`` (a generic scalar).

A ``Struct`` keeps numbers as doubles: an integer beyond 2**53 would come back
different, so it is refused rather than silently rounded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf.struct_pb2 import NULL_VALUE, Struct, Value

from plugio.literals._depth import MAX_MESSAGE_LEVEL, too_deep
from plugio.literals._errors import LiteralConversionError

__all__ = ["fill_struct", "struct_to_python"]

_EXACT_INT = 2**53


def fill_struct(target: Struct, data: Mapping[str, Any], level: int) -> None:
    """Set ``target`` (empty) to the JSON-shaped mapping ``data``.

    Values may be ``None``, ``bool``, ``int`` (at most 2**53 in magnitude),
    ``float``, ``str``, lists or tuples and mappings with ``str`` keys.

    Args:
        target: The empty ``Struct`` to fill.
        data: Its content.
        level: The message level ``target`` sits at (see :mod:`plugio.literals._depth`).

    Raises:
        LiteralConversionError: anything else, or data nesting too deep for
            protobuf to read back, named by its path from ``data``.
    """
    deepest = level + 2 if data else level  # the struct, its entries, their values
    if deepest > MAX_MESSAGE_LEVEL:
        raise too_deep(type(data).__name__, deepest)
    target.SetInParent()
    fields = target.fields
    for key, item in data.items():
        if not isinstance(key, str):
            raise LiteralConversionError("", type(key).__name__, "a JSON object key must be a str")
        try:
            _fill_value(fields[key], item, level + 2)
        except LiteralConversionError as exc:
            exc._prefix(f"[{key!r}]")
            raise


def _fill_value(target: Value, item: Any, level: int) -> None:
    """Set the ``Value`` at ``level``: a struct or a list in it is one level further."""
    if item is None:
        target.null_value = NULL_VALUE
    elif isinstance(item, bool):
        target.bool_value = item
    elif isinstance(item, int):
        if not -_EXACT_INT <= item <= _EXACT_INT:
            raise LiteralConversionError(
                "", "int", "a generic (JSON) number holds integers up to 2**53 exactly"
            )
        target.number_value = item
    elif isinstance(item, float):
        target.number_value = item
    elif isinstance(item, str):
        target.string_value = item
    elif isinstance(item, Mapping):
        fill_struct(target.struct_value, item, level + 1)
    elif isinstance(item, list | tuple):
        _fill_list(target, item, level + 1)
    else:
        raise LiteralConversionError("", type(item).__name__, "not a JSON value")


def _fill_list(target: Value, items: list[Any] | tuple[Any, ...], level: int) -> None:
    """Set ``target``'s ``ListValue`` (at ``level``); its values are one level further."""
    deepest = level + 1 if items else level
    if deepest > MAX_MESSAGE_LEVEL:
        raise too_deep(type(items).__name__, deepest)
    values = target.list_value.values
    target.list_value.SetInParent()
    for index, item in enumerate(items):
        try:
            _fill_value(values.add(), item, level + 1)
        except LiteralConversionError as exc:
            exc._prefix(f"[{index}]")
            raise


def struct_to_python(struct: Struct) -> dict[str, Any]:
    """The plain ``dict`` a ``Struct`` holds; every number is a ``float``."""
    return {key: _python_value(value) for key, value in struct.fields.items()}


def _python_value(value: Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return struct_to_python(value.struct_value)
    if kind == "list_value":
        return [_python_value(item) for item in value.list_value.values]
    if kind is None or kind == "null_value":
        return None
    return getattr(value, kind)
