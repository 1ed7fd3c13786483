"""Data references: storage URLs parsed and joined exactly as Flyte's Go engine does.

A data reference is a plain ``str``: ``s3://bucket/key``, ``gs://``, ``gcs://``,
``abfs://``, ``abfss://``, ``az://``, ``file:///abs/path``, ``memory://name/key``
or a bare local path. Functions take and return plain strings;
:class:`ParsedReference` is a read-only view of one.

:func:`join` gives the string of Flyte's ``URLPathConstructor.ConstructReference``
(Go's ``net/url`` reference resolution, not Python's ``urljoin``): the base gets
a trailing ``/``, keys lose surrounding slashes and are joined with ``/``, dot
segments are resolved and the path is escaped as Go's ``URL.String`` does::

    >>> join("s3://b", "x", "y")
    's3://b/x/y'
    >>> join("s3://b/prefix/", "/a b/", "c+d", "é", "")
    's3://b/prefix/a%20b/c+d/%C3%A9/'
    >>> join("s3://b/p", "x/./y/../z")
    's3://b/p/x/z'

plugio is stricter by default; relaxing a rule gives Go's result:

- a key may not climb above the base (``..``, ``%2e%2e``, or an empty first
  key, which Go resolves from the container root): ``allow_traversal=True``;
- a key may not carry a scheme (``s3://other/x``, ``file:/etc``, ``name:v1``;
  Go drops the base for it): ``allow_scheme=True``. Write a name as ``./name:v1``;
- ``?`` and ``#`` are refused in URL keys and references: Go drops them and what
  follows from the object key while fsspec keeps them. Write ``%3F``, ``%23``.

Where Go refuses a first key whose first segment holds a colon
(``2024-01-01T00:00``), plugio gives Go's result for ``./2024-01-01T00:00``.
A reference without a scheme (or with a one-letter one, a Windows drive) is a
local path and stays one: it is joined as a POSIX path, never percent-encoded,
where Go would turn ``hello`` into ``/hello/``::

    >>> join("/tmp/a", "b c"), join("file:///tmp/a", "b c")
    ('/tmp/a/b c', 'file:///tmp/a/b%20c')
    >>> split_protocol("s3://b/a%20b"), split_protocol("memory://x/y")
    (('s3', 'b/a b'), ('memory', '/x/y'))
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, replace
from typing import TypeAlias

from plugio._gourl import (
    _FRAGMENT,
    _HOST,
    _PATH,
    _URL,
    SCHEME,
    _bytes,
    _escape,
    _escaped_path,
    _GoError,
    _parse_without_fragment,
    _resolve_path,
    _resolve_reference,
    _string,
    _text,
    _unescape,
)
from plugio.errors import InvalidReferenceError

__all__ = [
    "DataReference",
    "ParsedReference",
    "join",
    "name",
    "parent",
    "parse_reference",
    "split_protocol",
]

DataReference: TypeAlias = str
"""A storage URL or local path; any ``str`` is accepted where one is expected."""

_SCHEME = SCHEME
_LOCAL_SCHEMES = ("file", "memory")  # the only schemes whose container may be empty
# Unreserved characters only, no empty/dot segments: Go neither escapes nor resolves.
_SAFE_SEGMENT = r"(?!\.\.?(?:/|$))[A-Za-z0-9_~.-]+"
_SAFE_URL = re.compile(rf"(?P<scheme>[a-z][a-z0-9]*)://{_SAFE_SEGMENT}(?:/{_SAFE_SEGMENT})*/?")
_SAFE_KEY = re.compile(rf"{_SAFE_SEGMENT}(?:/{_SAFE_SEGMENT})*")
_SAFE_LOCAL = re.compile(rf"(?:/{_SAFE_SEGMENT})+/?")


@dataclass(frozen=True)
class ParsedReference:
    """A validated data reference, split the way the Go engine splits it.

    Attributes:
        scheme: The lower-cased URL scheme (``s3``, ``gs``, ``file``, ...);
            ``""`` for a bare local path.
        container: The bucket or container (the URL host, decoded); ``""`` for
            ``file`` URLs and bare paths.
        key: The decoded path inside the container without surrounding
            slashes, as Go's ``DataReference.Split`` returns it. For a bare
            local path it is the path exactly as given.
        ref: The reference as it was given.
    """

    scheme: str
    container: str
    key: str
    ref: str

    @property
    def protocol(self) -> str:
        """The fsspec protocol: the scheme, or ``file`` for a bare path."""
        return self.scheme or "file"

    @property
    def path(self) -> str:
        """The path to hand to fsspec's filesystem for this protocol.

        Percent-escapes are decoded (the Go engine stores ``a%20b`` as the key
        ``a b``) and a trailing slash is dropped, as fsspec does.
        """
        if not self.scheme:
            return self.key
        if self.scheme == "file":
            return "/" + self.key
        if self.scheme == "memory":
            return ("/" + "/".join(part for part in (self.container, self.key) if part)).rstrip("/")
        return f"{self.container}/{self.key}" if self.key else self.container

    @property
    def url(self) -> str:
        """The reference rebuilt from its parts, escaped as Go's ``URL.String``."""
        if not self.scheme:
            return self.key
        path = _text(_escape(_bytes("/" + self.key), _PATH))
        if not self.container:
            return f"{self.scheme}://{path}"
        host = _text(_escape(_bytes(self.container), _HOST))
        return f"{self.scheme}://{host}{path if self.key else ''}"


def parse_reference(ref: str) -> ParsedReference:
    """Validate a data reference and split it into scheme, container and key.

    Raises:
        InvalidReferenceError: The reference is empty, has surrounding
            whitespace or control characters, is refused by Go's
            ``url.Parse`` (``%zz``, a space in the host), lacks the container
            its scheme needs (``s3://``, ``s3:///key``), is not in
            ``scheme://`` form, or has a query, fragment or user information.
    """
    problem = _text_problem(ref, reference=True)
    if problem:
        raise _invalid(ref, problem)
    if _is_local_path(ref):
        return ParsedReference("", "", ref, ref)
    if "?" in ref or "#" in ref:
        raise _invalid(ref, "'?' and '#' would start a query or fragment; use %3F or %23")
    url = _parse(_bytes(ref), ref)
    _check_shape(ref, url)
    try:
        return ParsedReference(url.scheme, _text(url.host), _text(url.path).strip("/"), ref)
    except UnicodeDecodeError:
        raise _invalid(ref, "its percent-escapes do not decode to UTF-8") from None


def join(base: str, *keys: str, allow_traversal: bool = False, allow_scheme: bool = False) -> str:
    """Append keys to a base reference, giving the string Flyte's Go engine gives.

    Args:
        base: A data reference; a bare local path is joined as a POSIX path.
        *keys: Path pieces; surrounding slashes are ignored, inner ones kept.
            No keys gives the base with a trailing slash, as Go does.
        allow_traversal: Let keys climb above the base (then Go's result).
        allow_scheme: Let a key carry its own scheme (then Go's result, which
            ignores the base when the first key is absolute).

    Raises:
        InvalidReferenceError: The base is invalid, a key is malformed, holds
            ``?`` or ``#`` (URL bases) or carries a scheme, or the result would
            leave the base or not be a valid reference itself.
    """
    fast = _fast_join(base, keys)
    if fast is not None:
        return fast
    parsed = parse_reference(base)
    for key in keys:
        _check_key(base, key, parsed.scheme, allow_scheme)
    relative = "/".join(key.strip("/") for key in keys)
    if _SCHEME.match(relative):  # only with allow_scheme: Go ignores the base
        return _go_join(base, *keys)
    if not parsed.scheme:
        return _join_local(base, relative, keys, allow_traversal)
    return _join_url(base, relative, keys, allow_traversal)


def split_protocol(ref: str) -> tuple[str, str]:
    """Split a reference into an fsspec protocol and the path fsspec expects.

    ``s3://b/k`` gives ``("s3", "b/k")``, ``file:///tmp/x`` and ``/tmp/x``
    give ``("file", "/tmp/x")``, a relative path is returned as given, and
    ``memory://x/y`` gives ``("memory", "/x/y")`` as ``MemoryFileSystem``
    strips it. Escapes are decoded: see :attr:`ParsedReference.path`.

    Raises:
        InvalidReferenceError: The reference is invalid (see :func:`parse_reference`).
    """
    match = _SAFE_URL.fullmatch(ref)
    if match is not None and match["scheme"] not in _LOCAL_SCHEMES:
        return match["scheme"], ref[len(match["scheme"]) + 3 :].rstrip("/")
    parsed = parse_reference(ref)
    return parsed.protocol, parsed.path


def parent(ref: str) -> str:
    """The reference one level up; a container root or ``/`` is its own parent.

    URLs come back in Go's canonical spelling (``s3://b/a%2Fb`` has the key
    ``a/b``, so its parent is ``s3://b/a``); a bare path stays a bare path and
    a single relative name has the parent ``.``.
    """
    parsed = parse_reference(ref)
    if parsed.scheme:
        return replace(parsed, key=parsed.key.rpartition("/")[0]).url
    head = posixpath.dirname(ref.rstrip("/"))
    return head or ("/" if ref.startswith("/") else ".")


def name(ref: str) -> str:
    """The last segment of the reference's key, decoded; ``""`` for a root."""
    parsed = parse_reference(ref)
    key = parsed.key if parsed.scheme else ref.rstrip("/")
    return key.rpartition("/")[2]


def _fast_join(base: str, keys: tuple[str, ...]) -> str | None:
    """Go's result, computed directly when nothing can need escaping or resolving.

    A base (URL or absolute local path) and keys made only of unreserved
    characters, with no empty, ``.`` or ``..`` segment, resolve to plain
    concatenation; anything else (or ``None`` here) takes the full algorithm.
    """
    safe = _SAFE_LOCAL if base.startswith("/") else _SAFE_URL
    if not keys or safe.fullmatch(base) is None:
        return None
    if len(keys) == 1:  # the common case, without a list
        key = keys[0].strip("/")
        return base.rstrip("/") + "/" + key if _SAFE_KEY.fullmatch(key) else None
    stripped = [key.strip("/") for key in keys]
    if not all(_SAFE_KEY.fullmatch(key) for key in stripped):
        return None
    return base.rstrip("/") + "/" + "/".join(stripped)


def _invalid(ref: object, reason: str) -> InvalidReferenceError:
    return InvalidReferenceError(f"invalid data reference {ref!r}: {reason}", str(ref))


def _key_error(base: str, key: object, reason: str) -> InvalidReferenceError:
    return InvalidReferenceError(f"cannot join {key!r} to {base!r}: {reason}", base)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _text_problem(text: object, *, reference: bool) -> str | None:
    if not isinstance(text, str):
        return f"expected a str, got {type(text).__name__}"
    if reference and not text.strip():
        return "it is empty"
    if reference and text != text.strip():
        return "it has surrounding whitespace"
    if _CONTROL.search(text):
        return "it holds a control character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "it is not valid Unicode"
    return None


def _is_local_path(ref: str) -> bool:
    match = _SCHEME.match(ref)
    return not ref.startswith(":") and (match is None or len(match[1]) == 1)


def _check_shape(ref: str, url: _URL) -> None:
    scheme = url.scheme
    form = "file:///path" if scheme == "file" else f"{scheme}://container/key"
    if not ref[len(scheme) + 1 :].startswith("/"):
        raise _invalid(ref, f"expected {form}")
    if url.user is not None:
        raise _invalid(ref, "user information is not allowed; configure credentials instead")
    if scheme == "file" and (url.host or not url.path):
        raise _invalid(ref, f"expected {form}: a file URL has no host and an absolute path")
    if scheme not in _LOCAL_SCHEMES and not url.host:
        raise _invalid(ref, f"expected {form}: the container is missing")


def _check_key(base: str, key: str, scheme: str, allow_scheme: bool) -> None:
    problem = _text_problem(key, reference=False)
    if problem:
        raise _key_error(base, key, problem)
    if scheme and ("?" in key or "#" in key):
        raise _key_error(base, key, "'?' and '#' would start a query or fragment; use %3F or %23")
    match = _SCHEME.match(key.strip("/"))
    if match and not allow_scheme:
        raise _key_error(
            base, key, f"it carries the scheme {match[1]!r} (write './{key}' for a name)"
        )


def _join_local(base: str, relative: str, keys: tuple[str, ...], allow_traversal: bool) -> str:
    directory = base if base.endswith("/") else base + "/"
    tail = posixpath.normpath(relative) if relative else "."
    trailing = "/" if relative.endswith("/") or relative.split("/")[-1] in (".", "..") else ""
    if not (relative.startswith("/") or tail == ".." or tail.startswith("../")):
        result = directory + ("" if tail == "." else tail + trailing)
        if result != result.rstrip():
            raise _key_error(base, keys, "the path would end in whitespace")
        return result
    whole = posixpath.normpath(relative if relative.startswith("/") else directory + relative)
    if not allow_traversal:
        raise _traversal_error(base, keys, whole)
    return whole.rstrip("/") + trailing


def _join_url(base: str, relative: str, keys: tuple[str, ...], allow_traversal: bool) -> str:
    if ":" in relative.partition("/")[0]:
        relative = "./" + relative  # Go refuses a colon there; "./" names it
    base_url, result = _resolve(base, relative)
    try:
        _text(result.path)
    except UnicodeDecodeError:
        raise _key_error(base, keys, "its percent-escapes do not decode to UTF-8") from None
    if not allow_traversal and not _stays_inside(base_url, result):
        raise _traversal_error(base, keys, _text(_string(result)))
    return _text(_string(result))


def _stays_inside(base: _URL, result: _URL) -> bool:
    root = _unescape(_resolve_path(_escaped_path(base), ""), _PATH)
    if (result.scheme, result.user, result.host) != (base.scheme, base.user, base.host):
        return False
    return result.path.startswith(root) and ".." not in result.path[len(root) :].split("/")


def _traversal_error(base: str, keys: tuple[str, ...], target: str) -> InvalidReferenceError:
    hint = " (an empty first key makes the next keys absolute)" if keys and not keys[0] else ""
    return _key_error(
        base, keys, f"the result {target!r} is not under the base{hint}; see allow_traversal"
    )


def _go_join(base: str, *keys: str) -> str:
    """Go's ``ConstructReference`` with no plugio rule: the reference algorithm."""
    return _text(_string(_resolve(base, "/".join(key.strip("/") for key in keys))[1]))


def _resolve(base: str, relative: str) -> tuple[_URL, _URL]:
    """The base (given a trailing slash) and the relative reference resolved on it."""
    base_url = _parse(_bytes(base if base.endswith("/") else base + "/"), base)
    return base_url, _resolve_reference(base_url, _parse(_bytes(relative), base, relative))


def _parse(raw: str, ref: str, text: str | None = None) -> _URL:
    """Go's ``url.Parse``; failures become ``InvalidReferenceError``."""
    try:
        rest, _, fragment = raw.partition("#")
        url = _parse_without_fragment(rest)
        if not fragment:
            return url
        value = _unescape(fragment, _FRAGMENT)
        raw_fragment = "" if _escape(value, _FRAGMENT) == fragment else fragment
        return url._replace(fragment=value, raw_fragment=raw_fragment)
    except _GoError as exc:
        if text is None:
            raise _invalid(ref, f"Go's url.Parse refuses it: {exc}") from None
        raise _key_error(ref, text, f"Go's url.Parse refuses it: {exc}") from None
