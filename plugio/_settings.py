"""Settings models: constructor arguments, then ``PLUGIO_*`` environment, then defaults.

A small replacement for pydantic-settings' environment source, which alone
took longer to import than the rest of plugio's start-up path. Names are
case-insensitive; ``__`` separates a section from its field
(``PLUGIO_S3__REGION``); a value of ``null`` stands for None; a whole section
or a mapping may be given as JSON (``PLUGIO_PROTOCOL_OPTIONS='{"s3": {...}}'``).
Arguments are merged over the environment, key by key for dictionaries.
Values are validated by the model, so a bad variable fails like a bad argument.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel

from plugio.errors import ConfigurationError

__all__ = ["EnvSettings"]

NULL = "null"
NESTED = "__"


class EnvSettings(BaseModel):
    """A pydantic model whose fields not given as arguments come from the environment."""

    env_prefix: ClassVar[str] = "PLUGIO_"

    def __init__(self, **values: Any) -> None:
        super().__init__(**merge(environment(type(self)), values))


def environment(model: type[BaseModel], prefix: str | None = None) -> dict[str, Any]:
    """The arguments the environment gives ``model`` (a nested dict of raw values)."""
    prefix = (prefix if prefix is not None else getattr(model, "env_prefix", "")).lower()
    found: dict[str, Any] = {}
    for name, raw in os.environ.items():
        lowered = name.lower()
        if not lowered.startswith(prefix):
            continue
        path = lowered[len(prefix) :].split(NESTED)
        field = model.model_fields.get(path[0])
        if field is None or not all(path):
            continue
        if len(path) == 1:
            found[path[0]] = merge(found.get(path[0], {}), _value(name, raw, field.annotation))
        else:
            section = found.setdefault(path[0], {})
            if isinstance(section, dict):
                _put(section, path[1:], None if raw == NULL else raw)
    return found


def merge(base: Any, override: Any) -> Any:
    """``override`` over ``base``: dictionaries key by key, anything else replaced."""
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(merged.get(key), value) if key in merged else value
        return merged
    return override


def _put(section: dict[str, Any], path: list[str], value: Any) -> None:
    for key in path[:-1]:
        section = section.setdefault(key, {})
    section[path[-1]] = value


def _value(name: str, raw: str, annotation: Any) -> Any:
    if raw == NULL:
        return None
    if _is_structured(annotation):
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ConfigurationError(f"{name} must be JSON: {exc}") from exc
    return raw


def _is_structured(annotation: Any) -> bool:
    origin = getattr(annotation, "__origin__", annotation)
    return origin is dict or (isinstance(origin, type) and issubclass(origin, BaseModel | dict))
