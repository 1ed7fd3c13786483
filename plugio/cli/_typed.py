"""Typed ``--set`` values of ``plugio inputs create``: ``NAME:TYPE=VALUE``.

==========  ===============================================  ======================
TYPE        VALUE                                            flytekit reads it as
==========  ===============================================  ======================
(none)      JSON when it parses (``3``, ``true``, ``[1]``),  ``int``, ``bool``,
            else the text                                    ``list``, ``str``, ...
``str``     the text, as it is                               ``str``
``int``     an integer                                       ``int``
``float``   a number                                         ``float``
``bool``    ``true``/``false`` (or ``1``/``0``, ``yes``/     ``bool``
            ``no``)
``json``    any JSON document                                by its shape
``datetime``  ISO 8601 with a timezone:                      ``datetime``
            ``2024-05-01T12:00:00Z``, ``...+02:00``
``date``    ``2024-05-01``                                   ``date``
``duration``  ``90s``, ``1h30m``, ``1.5h``, ``250ms``,       ``timedelta``
            ``2d``, or seconds (``90``)
``struct``  a JSON object                                    a dataclass or model
``file``    a local file (uploaded) or a stored one's URI    ``FlyteFile``
``folder``  a local folder (uploaded) or a stored one's URI  ``FlyteDirectory``
==========  ===============================================  ======================

``file`` and ``folder`` take a format after a second colon:
``data:file:csv=rows.csv``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from pydantic import RootModel

from plugio.literals import BlobRef, LocalBlob
from plugio.references import parse_reference

__all__ = ["TYPES", "TypedValueError", "parse_item"]

TYPES = (
    "str", "int", "float", "bool", "json", "datetime", "date", "duration", "struct", "file",
    "folder",
)  # fmt: skip
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6}
_PART = re.compile(r"(\d+(?:\.\d+)?)(d|h|ms|us|m|s)")


class TypedValueError(ValueError):
    """A ``--set`` item that is not ``NAME[:TYPE]=VALUE`` or whose value is not of its type."""


class Struct(RootModel[dict[str, Any]]):
    """A JSON object stored as Flyte's generic struct (``Scalar.generic``)."""


def parse_item(item: str) -> tuple[str, Any]:
    """``NAME[:TYPE[:FORMAT]]=VALUE`` as a name and the Python value to store."""
    head, separator, text = item.partition("=")
    if not separator or not head:
        raise TypedValueError(f"{item!r}: expected NAME=VALUE or NAME:TYPE=VALUE")
    name, _, kind = head.partition(":")
    if not name:
        raise TypedValueError(f"{item!r}: the name is empty")
    if not kind:
        return name, _json_or_text(text)
    kind, _, blob_format = kind.partition(":")
    if kind not in TYPES:
        raise TypedValueError(f"{name}: unknown type {kind!r}; one of {', '.join(TYPES)}")
    if blob_format and kind not in ("file", "folder"):
        raise TypedValueError(f"{name}: only file and folder take a format, not {kind}")
    try:
        return name, _typed(kind, text, blob_format)
    except ValueError as exc:
        raise TypedValueError(f"{name}: {text!r} is not a {kind}: {exc}") from None


def _typed(kind: str, text: str, blob_format: str) -> Any:
    if kind == "str":
        return text
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    if kind == "bool":
        return _boolean(text)
    if kind == "json":
        return json.loads(text)
    if kind == "datetime":
        return _datetime(text)
    if kind == "date":
        return dt.date.fromisoformat(text)
    if kind == "duration":
        return _duration(text)
    if kind == "struct":
        document = json.loads(text)
        if not isinstance(document, dict):
            raise ValueError("expected a JSON object")
        return Struct(document)
    return _blob(text, kind == "folder", blob_format)


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("expected true or false")


def _datetime(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("give a timezone (Z or +02:00): a time without one is ambiguous")
    return value


def _duration(text: str) -> dt.timedelta:
    compact = text.strip().replace(" ", "")
    try:
        return dt.timedelta(seconds=float(compact))
    except ValueError:
        pass
    sign = -1.0 if compact.startswith("-") else 1.0
    compact = compact.lstrip("+-")
    parts = _PART.findall(compact)
    if not compact or "".join(number + unit for number, unit in parts) != compact:
        raise ValueError("expected e.g. 90s, 1h30m, 1.5h, 250ms, 2d or seconds") from None
    return dt.timedelta(seconds=sign * sum(float(n) * _UNITS[u] for n, u in parts))


def _blob(text: str, multipart: bool, blob_format: str) -> BlobRef | LocalBlob:
    if parse_reference(text).scheme not in ("", "file"):
        return BlobRef(text, multipart=multipart, format=blob_format)
    path = Path(text)
    if not path.exists():
        raise ValueError("no such file or folder")
    if path.is_dir() != multipart:
        raise ValueError("a folder" if path.is_dir() else "a file, not a folder")
    return LocalBlob(path, blob_format)
