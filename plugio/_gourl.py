"""A port of the parts of Go's ``net/url`` that Flyte's reference joining relies on.

Go works on bytes: strings here hold one character per UTF-8 byte (latin-1
decoding); :func:`_bytes` and :func:`_text` convert. Only
:mod:`plugio.references` uses this module.
"""

from __future__ import annotations

import re
from typing import NamedTuple

SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")

_PATH, _HOST, _ZONE, _USER, _FRAGMENT = range(5)


class _GoError(ValueError):
    """``url.Parse`` refused the text; the message is Go's."""


class _URL(NamedTuple):
    scheme: str = ""
    opaque: str = ""
    user: tuple[str, str | None] | None = None
    host: str = ""
    path: str = ""
    raw_path: str = ""
    omit_host: bool = False
    force_query: bool = False
    raw_query: str = ""
    fragment: str = ""
    raw_fragment: str = ""


def _bytes(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


def _text(data: str) -> str:
    return data.encode("latin-1").decode("utf-8")


def _should_escape(c: str, mode: int) -> bool:
    if (c.isascii() and c.isalnum()) or c in "-_.~":
        return False
    if mode in (_HOST, _ZONE) and c in "!$&'()*+,;=:[]<>\"":
        return False
    if c in "$&+,/:;=?@":
        if mode == _PATH:
            return c == "?"
        if mode == _USER:
            return c in "@/?:"
        if mode == _FRAGMENT:
            return False
    return not (mode == _FRAGMENT and c in "!()*")


def _escape(s: str, mode: int) -> str:
    return "".join(f"%{ord(c):02X}" if _should_escape(c, mode) else c for c in s)


def _unescape(s: str, mode: int) -> str:
    out, i = [], 0
    while i < len(s):
        if s[i] != "%":
            if mode in (_HOST, _ZONE) and s[i].isascii() and _should_escape(s[i], mode):
                raise _GoError(f'invalid character "{s[i]}" in host name')
            out.append(s[i])
            i += 1
            continue
        escape = s[i : i + 3]
        if len(escape) < 3 or not all(c in "0123456789abcdefABCDEF" for c in escape[1:]):
            raise _GoError(f'invalid URL escape "{escape}"')
        value = chr(int(escape[1:], 16))
        host_ascii = mode == _HOST and value.isascii() and escape != "%25"
        zone_bad = mode == _ZONE and escape != "%25" and value != " "
        if host_ascii or (zone_bad and _should_escape(value, _HOST)):
            raise _GoError(f'invalid URL escape "{escape}"')
        out.append(value)
        i += 3
    return "".join(out)


def _parse_without_fragment(raw: str) -> _URL:
    if any(c < " " or c == "\x7f" for c in raw):
        raise _GoError("net/url: invalid control character in URL")
    if raw == "*":
        return _URL(path="*")
    if raw.startswith(":"):
        raise _GoError("missing protocol scheme")
    match = SCHEME.match(raw)
    scheme, rest = (match[1].lower(), raw[match.end() :]) if match else ("", raw)
    force_query = rest.endswith("?") and rest.count("?") == 1
    rest, _, query = (rest[:-1], "", "") if force_query else rest.partition("?")
    url = _URL(scheme=scheme, force_query=force_query, raw_query=query)
    if not rest.startswith("/"):
        if scheme:
            return url._replace(opaque=rest)
        if ":" in rest.partition("/")[0]:
            raise _GoError("first path segment in URL cannot contain colon")
    if (scheme or not rest.startswith("///")) and rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        user, host = _parse_authority(authority)
        url, rest = url._replace(user=user, host=host), slash + path
    elif scheme and rest.startswith("/"):
        url = url._replace(omit_host=True)
    return _with_path(url, rest)


def _parse_authority(authority: str) -> tuple[tuple[str, str | None] | None, str]:
    userinfo, at, hostport = authority.rpartition("@")
    host = _parse_host(hostport)
    if not at:
        return None, host
    allowed = "-._:~!$&'()*+,;=%@"
    if not all((c.isascii() and c.isalnum()) or c in allowed for c in userinfo):
        raise _GoError("net/url: invalid userinfo")
    username, colon, password = userinfo.partition(":")
    secret = _unescape(password, _USER) if colon else None
    return (_unescape(username, _USER), secret), host


def _parse_host(host: str) -> str:
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0:
            raise _GoError("missing ']' in host")
        _check_port(host[end + 1 :])
        zone = host.find("%25", 0, end)
        if zone >= 0:
            head, tail = _unescape(host[:zone], _HOST), _unescape(host[end:], _HOST)
            return head + _unescape(host[zone:end], _ZONE) + tail
    elif ":" in host:
        _check_port(host[host.rfind(":") :])
    return _unescape(host, _HOST)


def _check_port(port: str) -> None:
    if port and (port[0] != ":" or not all(c in "0123456789" for c in port[1:])):
        raise _GoError(f'invalid port "{port}" after host')


def _with_path(url: _URL, escaped: str) -> _URL:
    """Go's ``setPath``: the decoded path, and the raw form only when it differs."""
    path = _unescape(escaped, _PATH)
    return url._replace(path=path, raw_path="" if _escape(path, _PATH) == escaped else escaped)


def _escaped(raw: str, decoded: str, mode: int) -> str:
    """Go's ``EscapedPath`` and ``EscapedFragment``: the raw form when it spells the value."""
    valid = all(c in "!$&'()*+,;=:@[]%" or not _should_escape(c, mode) for c in raw)
    if raw and valid:
        try:
            if _unescape(raw, mode) == decoded:
                return raw
        except _GoError:
            pass
    return "*" if mode == _PATH and decoded == "*" else _escape(decoded, mode)


def _escaped_path(url: _URL) -> str:
    return _escaped(url.raw_path, url.path, _PATH)


def _string(url: _URL) -> str:
    """Go's ``URL.String``."""
    out = [url.scheme + ":"] if url.scheme else []
    if url.opaque:
        out.append(url.opaque)
    else:
        has_user = url.user is not None
        omitted = url.omit_host and not url.host and not has_user
        if (url.scheme or url.host or has_user) and not omitted:
            out.append("//" if url.host or url.path or has_user else "")
            out.append(_userinfo(url.user) + "@" if url.user is not None else "")
            out.append(_escape(url.host, _HOST))
        path = _escaped_path(url)
        if path and path[0] != "/" and url.host:
            out.append("/")
        if not "".join(out) and ":" in path.partition("/")[0]:
            out.append("./")
        out.append(path)
    if url.force_query or url.raw_query:
        out.append("?" + url.raw_query)
    if url.fragment:
        out.append("#" + _escaped(url.raw_fragment, url.fragment, _FRAGMENT))
    return "".join(out)


def _userinfo(user: tuple[str, str | None]) -> str:
    username, password = user
    shown = _escape(username, _USER)
    return shown if password is None else shown + ":" + _escape(password, _USER)


def _resolve_path(base: str, ref: str) -> str:
    """Go's ``resolvePath``: RFC 3986 merge and dot-segment removal."""
    if not ref:
        full = base
    elif ref[0] != "/":
        full = base[: base.rfind("/") + 1] + ref
    else:
        full = ref
    if not full:
        return ""
    written, first = "/", True  # Go's builder and its "no separator yet" flag
    elements = full.split("/")
    for element in elements:
        if element == ".":
            first = False
        elif element == "..":
            body = written[1:]
            cut = body.rfind("/")
            written, first = "/" + body[: max(cut, 0)], first or cut < 0
        else:
            written += element if first else "/" + element
            first = False
    if elements[-1] in (".", ".."):
        written += "/"
    return written[1:] if written.startswith("//") else written


def _resolve_reference(base: _URL, ref: _URL) -> _URL:
    """Go's ``URL.ResolveReference`` (RFC 3986 section 5.2)."""
    url = ref if ref.scheme else ref._replace(scheme=base.scheme)
    if ref.scheme or ref.host or ref.user is not None:
        return _with_path(url, _resolve_path(_escaped_path(ref), ""))
    if ref.opaque:
        return url._replace(user=None, host="", path="")
    if not ref.path and not ref.force_query and not ref.raw_query:
        url = url._replace(raw_query=base.raw_query)
        if not ref.fragment:
            url = url._replace(fragment=base.fragment, raw_fragment=base.raw_fragment)
    if not ref.path and base.opaque:
        return url._replace(opaque=base.opaque, user=None, host="", path="")
    path = _resolve_path(_escaped_path(base), _escaped_path(ref))
    return _with_path(url._replace(host=base.host, user=base.user), path)
