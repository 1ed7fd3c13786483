"""The machinery of plugio's settings: frozen dataclasses whose fields are checked by hand.

A settings class subclasses :class:`Settings` and declares its fields with
types (``bool``, ``int``, ``float``, ``str``, ``Literal[...]``, :class:`Secret`,
a mapping of protocol options, another settings class, each optionally ``|
None``) and bounds in the field's metadata (``{"ge": 0}``, ``{"gt": 0}``).
Values are converted from text the way environment variables give them, and a
bad one raises ``ConfigurationError`` naming the variable or argument path,
never the value. No pydantic: building settings loads only the standard library.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, fields
from types import UnionType
from typing import (
    TYPE_CHECKING,
    Any,
    Literal,
    Protocol,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

from plugio._environment import Gathered
from plugio.errors import ConfigurationError

__all__ = ["Secret", "SecretStr", "Settings", "field_hints", "section_of", "settings_class"]

_S = TypeVar("_S", bound="Settings")
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})
#: Each settings class's field types, evaluated on first use.
_HINTS: dict[type[Any], dict[str, Any]] = {}


class Secret(Protocol):
    """A credential: whatever gives its text through ``get_secret_value()``."""

    def get_secret_value(self) -> str:
        """The credential's text."""
        ...


class SecretStr:
    """A credential given as text: shown as ``**********``, revealed on request."""

    __slots__ = ("_secret_value",)

    def __init__(self, secret_value: str) -> None:
        self._secret_value = secret_value

    def get_secret_value(self) -> str:
        """The credential's text."""
        return self._secret_value

    def __repr__(self) -> str:
        return "SecretStr('**********')"

    def __str__(self) -> str:
        return "**********" if self._secret_value else ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._secret_value == self._secret_value

    def __hash__(self) -> int:
        return hash(self._secret_value)


class _Invalid(Exception):
    """What is wrong with a value, in words that never repeat it."""


class _FieldsOf:
    """``Class.model_fields``: each field's name and its ``dataclasses.Field``."""

    def __get__(self, instance: object, owner: type[Any]) -> dict[str, Field[Any]]:
        return {spec.name: spec for spec in fields(owner)}


if TYPE_CHECKING:
    from dataclasses import dataclass as settings_class
else:

    def settings_class(*, frozen: bool = True, init: bool = True) -> Any:
        """``@dataclass(frozen=True)`` at the price of one function per class.

        A frozen dataclass compiles an ``__init__``, ``__setattr__``,
        ``__delattr__``, ``__repr__``, ``__eq__`` and ``__hash__`` for each
        class, and a task's start pays for every one. Here the class gets only
        its ``__init__``; :class:`Settings` refuses to change a field once set,
        and gives the representation, equality and hash. Type checkers see
        ``dataclasses.dataclass`` itself.
        """
        if not frozen:
            raise TypeError("settings classes are frozen")

        def wrap(target: type[_S]) -> type[_S]:
            return dataclass(init=init, repr=False, eq=False)(target)

        return wrap


class Settings:
    """The base of a settings class: fields checked when built, and checked copies.

    Its subclasses are decorated with :func:`settings_class`: frozen
    dataclasses whose representation, equality and hash are the ones below.
    """

    model_fields = _FieldsOf()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__ or name not in self.__dataclass_fields__:  # type: ignore[attr-defined]
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)  # the dataclass's __init__, setting a field once

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __repr__(self) -> str:
        specs = self.model_fields.values()
        shown = (f"{spec.name}={getattr(self, spec.name)!r}" for spec in specs if spec.repr)
        return f"{type(self).__qualname__}({', '.join(shown)})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Settings)
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def _compared(self) -> tuple[Any, ...]:
        specs = self.model_fields.values()
        return tuple(getattr(self, spec.name) for spec in specs if spec.compare)

    def __post_init__(self) -> None:
        values = {name: getattr(self, name) for name in self.model_fields}
        for name, value in self._checked(values, Gathered(), self._path()).items():
            object.__setattr__(self, name, value)

    @classmethod
    def model_validate(cls: type[_S], values: Mapping[str, Any] | _S) -> _S:
        """An instance from a mapping of field values (sections as mappings or instances)."""
        if isinstance(values, cls):
            return values
        return cls._build(values, Gathered(), cls._path())

    def model_copy(self: _S, *, update: Mapping[str, Any] | None = None) -> _S:
        """A copy with the fields in ``update`` replaced, checked as arguments are."""
        values = {name: getattr(self, name) for name in self.model_fields}
        return type(self)._build({**values, **(update or {})}, Gathered(), self._path())

    @property
    def model_fields_set(self) -> set[str]:
        """The fields whose values differ from their defaults."""
        return {
            name
            for name, spec in self.model_fields.items()
            if getattr(self, name) != _default(spec)
        }

    @classmethod
    def _path(cls) -> tuple[str, ...]:
        return (cls.__name__,)

    @classmethod
    def _build(cls: type[_S], values: Any, gathered: Gathered, path: tuple[str, ...]) -> _S:
        if not isinstance(values, Mapping):
            name = gathered.name(path) or cls.__name__
            raise ConfigurationError(f"{name}: must be {cls.__name__} or a mapping of its settings")
        instance = object.__new__(cls)
        for name, value in cls._checked(values, gathered, path).items():
            object.__setattr__(instance, name, value)
        return instance

    @classmethod
    def _checked(
        cls, values: Mapping[Any, Any], gathered: Gathered, path: tuple[str, ...]
    ) -> dict[str, Any]:
        """Every field's value from ``values`` (checked) or its default."""
        specs = cls.model_fields
        for key in values:
            if key not in specs:
                raise ConfigurationError(_unknown(gathered, (*path, str(key)), specs))
        hints = field_hints(cls)
        checked: dict[str, Any] = {}
        for name, spec in specs.items():
            hint, here = hints[name], (*path, name)
            if name not in values:
                checked[name] = _default(spec)
            elif (section := section_of(hint)) is not None:
                value = values[name]
                checked[name] = (
                    value if isinstance(value, section) else section._build(value, gathered, here)
                )
            else:
                checked[name] = _checked_value(hint, values[name], spec.metadata, gathered, here)
        return checked


def field_hints(cls: type[Settings]) -> dict[str, Any]:
    """Each field's type, its annotation evaluated (once per class)."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = get_type_hints(cls)
    return hints


def section_of(hint: Any) -> type[Settings] | None:
    """The settings class a field holds, if it holds one."""
    if get_origin(hint) is None and isinstance(hint, type) and issubclass(hint, Settings):
        return hint
    return None


def _default(spec: Field[Any]) -> Any:
    if spec.default_factory is not MISSING:
        return spec.default_factory()
    return spec.default


def _unknown(gathered: Gathered, path: tuple[str, ...], known: Mapping[str, Any]) -> str:
    import difflib

    close = difflib.get_close_matches(path[-1], list(known), n=1)
    hint = f"; did you mean {gathered.name(path, close[0])}?" if close else ""
    return f"{gathered.name(path)}: no such setting{hint}"


def _checked_value(
    hint: Any, value: Any, limits: Mapping[str, Any], gathered: Gathered, path: tuple[str, ...]
) -> Any:
    try:
        return _in_range(_converted(hint, value), limits)
    except _Invalid as exc:
        problem = str(exc)  # raised below, so that no exception carrying the value is chained
    raise ConfigurationError(f"{gathered.name(path)}: {problem}") from None


def _converted(hint: Any, value: Any) -> Any:
    if get_origin(hint) in (Union, UnionType):
        if value is None:
            return None
        (hint,) = (arg for arg in get_args(hint) if arg is not type(None))
    elif value is None:
        raise _Invalid("must be set (null is not allowed)")
    if get_origin(hint) is Literal:
        if isinstance(value, str) and value in get_args(hint):
            return value
        raise _Invalid(f"must be one of {', '.join(get_args(hint))}")
    if hint is bool:
        return _boolean(value)
    if hint is int:
        return _integer(value)
    if hint is float:
        return _number(value)
    if hint is Secret:
        if isinstance(value, str):
            return SecretStr(value)
        if callable(getattr(value, "get_secret_value", None)):
            return value
        raise _Invalid("must be text")
    if hint is str:
        if isinstance(value, str):
            return value
        raise _Invalid("must be text")
    if get_origin(hint) is dict:
        return _protocol_options(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _member(hint, value)
    raise TypeError(f"no check for fields of type {hint!r}")


def _member(kind: type[enum.Enum], value: Any) -> enum.Enum:
    """A member of ``kind``, by its own ``parse`` where it has one, else by value."""
    parse = getattr(kind, "parse", None)
    try:
        member: enum.Enum = parse(value) if parse is not None else kind(value)
    except ValueError:
        choices = ", ".join(str(member.value) for member in kind)
        raise _Invalid(f"must be one of {choices}") from None
    return member


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _Invalid("must be true or false")


def _integer(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        with suppress(ValueError):  # the message below, not one quoting the value
            return int(value)
    raise _Invalid("must be a whole number")


def _number(value: Any) -> float:
    number = math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        with suppress(ValueError):  # the message below, not one quoting the value
            number = float(value)
    if math.isfinite(number):
        return number
    raise _Invalid("must be a finite number")


def _protocol_options(value: Any) -> dict[str, dict[str, Any]]:
    if isinstance(value, Mapping) and all(
        isinstance(protocol, str) and isinstance(options, Mapping)
        for protocol, options in value.items()
    ):
        return {protocol.lower(): dict(options) for protocol, options in value.items()}
    raise _Invalid("must map each protocol to a mapping of its options")


def _in_range(value: Any, limits: Mapping[str, Any]) -> Any:
    if value is None:
        return None
    if "ge" in limits and not value >= limits["ge"]:
        raise _Invalid(f"must be at least {limits['ge']}")
    if "gt" in limits and not value > limits["gt"]:
        raise _Invalid(f"must be greater than {limits['gt']}")
    return value
