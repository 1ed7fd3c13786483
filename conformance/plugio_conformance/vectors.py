"""Golden vectors: encoded messages from Flyte's own packages, with their meaning.

Each vector is two files under ``golden/``: ``<name>.pb``, the bytes as the
producer wrote them, and ``<name>.json``::

    {
      "name": "error_user_non_recoverable",
      "message": "flyteidl.core.ErrorDocument",
      "producer": "flytekit 1.16.31",
      "meaning": "a user failure that may not be retried",
      "canonical": true,
      "value": {...},
      "execution_error": {...}
    }

``value`` is the message as ``google.protobuf.json_format.MessageToDict``
gives it (proto field names, int64 as strings, enums by name). ``canonical``
says whether the bytes are the deterministic encoding (map entries sorted by
key), so re-encoding them gives the same bytes. For an ``ErrorDocument``,
``execution_error`` is what an output reader reports for it: ``code``,
``message`` (``{path}`` stands for the error file's reference), ``kind``
(``UNKNOWN``/``USER``/``SYSTEM``), ``is_recoverable``, ``timestamp`` (RFC 3339
or null) and ``worker``. ``golden/index.json`` names the producers' versions.
The files are plain data: any language can check its decoder against them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from plugio.execution import ErrorKind, ExecutionError

__all__ = ["GoldenVector", "golden_index", "golden_vectors"]


@dataclass(frozen=True)
class GoldenVector:
    """One encoded message and what it must decode to."""

    name: str
    message: str
    producer: str
    meaning: str
    canonical: bool
    value: dict[str, Any]
    data: bytes
    execution_error: dict[str, Any] | None = None

    @property
    def message_name(self) -> str:
        """The message's short name (``LiteralMap``, ``ErrorDocument``)."""
        return self.message.rpartition(".")[2]

    def expected_execution_error(self, error_path: str) -> ExecutionError:
        """The ``ExecutionError`` a reader reports for this document stored at ``error_path``.

        Raises:
            ValueError: the vector is not an error document.
        """
        if self.execution_error is None:
            raise ValueError(f"{self.name} is a {self.message}, not an error document")
        fields = self.execution_error
        stamp = fields["timestamp"]
        when = None if stamp is None else datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        return ExecutionError(
            code=fields["code"],
            message=fields["message"].replace("{path}", error_path),
            kind=ErrorKind[fields["kind"]],
            is_recoverable=fields["is_recoverable"],
            timestamp=when,
            worker=fields["worker"],
        )


@cache
def golden_index() -> dict[str, Any]:
    """``golden/index.json``: how and by which producers the vectors were made."""
    text = (
        resources.files("plugio_conformance").joinpath("golden").joinpath("index.json").read_text()
    )
    index: dict[str, Any] = json.loads(text)
    return index


def golden_vectors(message: str | None = None) -> list[GoldenVector]:
    """Every golden vector, sorted by name; only those of ``message`` (a short name) if given."""
    return [vector for vector in _load_all() if message is None or vector.message_name == message]


@cache
def _load_all() -> tuple[GoldenVector, ...]:
    folder = resources.files("plugio_conformance").joinpath("golden")
    vectors = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".json") or entry.name == "index.json":
            continue
        fields = json.loads(entry.read_text())
        data = folder.joinpath(f"{fields['name']}.pb").read_bytes()
        vectors.append(GoldenVector(data=data, **fields))
    return tuple(vectors)
