"""Dataclass instances and enum members, as Flyte 1 and Flyte 2 write and read them.

Both generations write a dataclass instance as a ``Binary`` tagged ``msgpack``
holding a map of its fields in declared order (flytekit 1.14 and later, and
Flyte 2, through mashumaro): nested dataclasses become maps, enum members their
value, ``datetime`` and ``date`` their ISO form, ``timedelta`` its seconds, a
pydantic model its JSON form, a path its string.

An enum member on its own is written by value in Flyte 1 and by name in
Flyte 2. Reading accepts either, given the Python type: a string that is not
one of the enum's values but is one of its members' names is that member.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import types
import typing
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel

from plugio.literals._errors import LiteralConversionError

__all__ = ["dataclass_fields", "enum_members_by_name"]


def dataclass_fields(value: Any) -> dict[str, Any]:
    """The MessagePack-ready map of a dataclass instance's fields, in declared order.

    Raises:
        LiteralConversionError: a field holds a value with no such form; the
            message names the field (``.field``, ``[index]``, ``['key']``).
    """
    return {
        field.name: _plain(getattr(value, field.name), f".{field.name}")
        for field in dataclasses.fields(value)
    }


def _plain(value: Any, where: str) -> Any:
    if value is None or isinstance(value, bool | int | float | str | bytes):
        return value
    if isinstance(value, enum.Enum):
        return _plain(value.value, where)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name), f"{where}.{f.name}")
            for f in dataclasses.fields(value)
        }
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, Mapping):
        return {key: _plain(item, f"{where}[{key!r}]") for key, item in value.items()}
    reason = "no MessagePack form for this type inside a dataclass"
    raise LiteralConversionError(where, type(value).__name__, reason)


def enum_members_by_name(value: Any, hint: Any) -> Any:
    """``value`` with each string that names a member of the enum ``hint`` wants made that member.

    Walks ``list[...]``, ``dict[str, ...]``, unions (``Optional``), pydantic
    models and dataclasses (given as dicts); anything else is returned as it
    is, for the validation that follows to judge. A string that is one of the
    enum's values stays a string: by value wins, as Flyte 1 writes it.
    """
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _member(value, hint)
    origin = typing.get_origin(hint)
    arguments = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        for argument in arguments:
            changed = enum_members_by_name(value, argument)
            if changed is not value:
                return changed
        return value
    if origin in (list, typing.List) and isinstance(value, list) and arguments:  # noqa: UP006
        return [enum_members_by_name(item, arguments[0]) for item in value]
    if origin in (dict, typing.Dict) and isinstance(value, dict) and len(arguments) == 2:  # noqa: UP006
        return {key: enum_members_by_name(item, arguments[1]) for key, item in value.items()}
    if isinstance(value, dict) and isinstance(hint, type):
        annotations = _field_types(hint)
        if annotations:
            return {
                key: enum_members_by_name(item, annotations[key]) if key in annotations else item
                for key, item in value.items()
            }
    return value


def _member(value: Any, enum_type: type[enum.Enum]) -> Any:
    if not isinstance(value, str):
        return value
    if any(member.value == value for member in enum_type):
        return value
    member = enum_type.__members__.get(value)
    return member if member is not None else value


def _field_types(cls: type) -> dict[str, Any]:
    """A model's fields (by alias and name) or a dataclass's, with their types."""
    if issubclass(cls, BaseModel):
        found: dict[str, Any] = {}
        for name, info in cls.model_fields.items():
            found[name] = info.annotation
            if info.alias:
                found[info.alias] = info.annotation
        return found
    if dataclasses.is_dataclass(cls):
        try:
            hints = typing.get_type_hints(cls)
        except Exception:  # an annotation that does not resolve: leave the value alone
            return {}
        return {field.name: hints.get(field.name, Any) for field in dataclasses.fields(cls)}
    return {}
