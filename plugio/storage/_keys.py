"""The one key rule: how a reference names a stored object, and back again.

A URL reference of a protocol Flyte's engine writes (``s3``, ``gs``, ``abfs``,
``file``, ``memory``) names the key its path spells once percent-escapes are
decoded, as Go's ``net/url`` decodes them: ``s3://b/my%20data.csv`` is the
object ``my data.csv``. A bare local path is taken literally. Every operation
(head, read, write, delete, list, copy, open, put, get) resolves a reference
through :func:`locate`, and a listing names each object by :func:`reference_of`,
the inverse, so a listed reference always reads the object that was listed.

Temporary files (local writes, partial downloads) carry one recognisable
name, so that listings and folder transfers skip them and later runs can
remove the ones a killed process left behind.
"""

from __future__ import annotations

import os
import re
import time

from plugio import references
from plugio._gourl import _PATH, _bytes, _escape
from plugio.errors import InvalidReferenceError
from plugio.storage._protocols import canonical_protocol, split_protocol, strip_local_path

__all__ = [
    "GO_KEYED",
    "is_temporary",
    "local_key",
    "locate",
    "protocol_of",
    "reference_of",
    "remove_if_stale",
    "temporary_name",
]

#: Protocols whose references follow Go's net/url rules (escapes decoded into keys).
GO_KEYED = frozenset({"s3", "gs", "abfs", "file", "memory"})
#: Longest file name most local file systems accept, in bytes.
NAME_MAX = 255
#: Temporaries older than this (seconds) were left by a process that died.
STALE_AFTER = 3600.0
_TEMPORARY = re.compile(r"\.plugio-[0-9a-f]{16}-")


def protocol_of(ref: str) -> str:
    """The canonical protocol of ``ref`` (``file`` for a bare path)."""
    if not isinstance(ref, str) or not ref.strip():
        raise InvalidReferenceError(f"not a data reference: {ref!r}", str(ref))
    protocol, _ = split_protocol(ref)
    return canonical_protocol(protocol or "file")


def locate(ref: str, protocol: str | None = None) -> tuple[str, str]:
    """``(protocol, key)`` of ``ref`` under the one key rule, for Go-keyed protocols.

    ``protocol`` is ``protocol_of(ref)`` when the caller knows it already.

    Raises:
        InvalidReferenceError: The reference is invalid, or its key has a
            ``..`` segment (it would name an object outside its prefix).
    """
    protocol = protocol or protocol_of(ref)
    _, path = references.split_protocol(ref)
    if "/../" in f"/{path}/":
        raise InvalidReferenceError(f"{ref}: its key has a '..' segment", ref)
    return protocol, strip_local_path(path) if protocol == "file" else path


def local_key(ref: str) -> str | None:
    """The key of a bare absolute local path, or None for anything that needs parsing.

    The same key :func:`locate` gives, found without parsing the reference:
    a path with no ``.`` or ``..`` segment, no doubled ``/``, only printable
    characters and no surrounding whitespace is its own key. (A hidden file's
    ``/.`` also takes the full route, which gives the same key.)
    """
    if (
        ref[:1] != "/"
        or "//" in ref
        or "/." in ref
        or not ref.isprintable()
        or ref[-1].isspace()
        or ref[1:2].isspace()
    ):
        return None
    return ref.rstrip("/") or "/"


def reference_of(prefix_ref: str, key: str) -> str:
    """The reference that names ``key``, spelled with the scheme of ``prefix_ref``.

    The inverse of :func:`locate`: ``locate(reference_of(p, k))[1] == k`` for
    any key, ``%``, ``#``, ``?``, spaces and non-ASCII letters included.
    """
    scheme, _ = split_protocol(prefix_ref)
    if scheme is None:
        return key
    escaped = _escape(_bytes(key), _PATH)
    if canonical_protocol(scheme) == "file":
        return f"{scheme}://{escaped}"
    return f"{scheme}://{escaped.lstrip('/')}"


def temporary_name(path: str) -> str:
    """A new temporary file beside ``path``, whose name fits the file system's limit."""
    directory, name = os.path.split(path)
    marker = f".plugio-{os.urandom(8).hex()}-"
    room = NAME_MAX - len(marker)
    encoded = name.encode("utf-8", "surrogateescape")[:room]
    short = encoded.decode("utf-8", "ignore")
    return os.path.join(directory, marker + short)


def is_temporary(name: str) -> bool:
    """Whether the file name ``name`` is one of plugio's temporaries."""
    return _TEMPORARY.match(name) is not None


def remove_if_stale(path: str, now: float | None = None) -> None:
    """Delete the temporary ``path`` when a process that died left it long ago."""
    try:
        age = (time.time() if now is None else now) - os.stat(path).st_mtime
        if age > STALE_AFTER:
            os.unlink(path)
    except OSError:
        return
