"""Facts about protocols that a store needs before it builds any filesystem.

Which protocol a reference names, the local path fsspec would use for it, and
which client serves ``s3://``: all decided with the standard library alone, so
that a store's first read of a local file or of S3 (through obstore) loads
neither fsspec nor asyncio. Each function gives what fsspec gives for the same
input; the tests compare them.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from typing import Any, Protocol

from plugio.errors import ConfigurationError, MissingDependencyError

__all__ = [
    "S3Choice",
    "canonical_protocol",
    "installed",
    "mark_obstore_used",
    "obstore_forked",
    "s3_client",
    "split_protocol",
    "strip_local_path",
]

#: Each protocol plugio knows under another name, by the name fsspec uses.
_CANONICAL = {
    "s3": "s3",
    "s3a": "s3",
    "gs": "gs",
    "gcs": "gs",
    "abfs": "abfs",
    "abfss": "abfs",
    "az": "abfs",
    "file": "file",
    "local": "file",
}
_LOCAL_PREFIXES = ("file://", "file:", "local://", "local:")

#: The process that first used obstore; its Rust runtime is gone in forks.
_obstore_pid: int | None = None


def split_protocol(url: str) -> tuple[str | None, str]:
    """fsspec's ``split_protocol``: ``("s3", "b/k")``, or ``(None, path)``."""
    if "://" in url:
        protocol, path = url.split("://", 1)
        if len(protocol) > 1:  # not a Windows drive
            return protocol, path
    if url.startswith("data:"):
        protocol, path = url.split(":", 1)
        return protocol, path
    return None, url


def canonical_protocol(protocol: str) -> str:
    """The fsspec protocol name used for ``protocol`` (``s3a`` → ``s3``)."""
    protocol = protocol.lower()
    return _CANONICAL.get(protocol, protocol)


def strip_local_path(path: str) -> str:
    """The absolute path ``LocalFileSystem._strip_protocol(path)`` gives."""
    if os.sep != "/":  # drive letters and UNC names: fsspec's own rules
        from fsspec.implementations.local import LocalFileSystem

        return str(LocalFileSystem._strip_protocol(path))
    for prefix in _LOCAL_PREFIXES:
        if path.startswith(prefix):
            path = path[len(prefix) :]
            break
    if path.startswith("~"):
        path = os.path.expanduser(path)
    elif not path.startswith("/"):
        relative = "" if path == "." else path.removeprefix("./")
        path = f"{os.getcwd()}/{relative}"
    return path.rstrip("/") or "/"


class S3Choice(Protocol):
    """What the client choice reads of ``S3Options`` (or the same plain values)."""

    @property
    def client(self) -> str: ...
    @property
    def anonymous(self) -> bool: ...
    @property
    def access_key_id(self) -> object: ...


def s3_client(
    protocol: str,
    s3: S3Choice,
    protocol_options: Mapping[str, Mapping[str, Any]],
    options: Mapping[str, Any],
) -> str:
    """``obstore`` or ``s3fs``: the client that serves ``s3://`` under these settings."""
    choice = s3.client
    forked = obstore_forked()
    if choice == "obstore":
        if not installed("obstore"):
            raise MissingDependencyError(protocol, "obstore", "obstore")
        if forked:
            raise ConfigurationError(
                "obstore cannot run in a process forked after it was used (its Rust runtime"
                " does not survive fork): start workers with the 'spawn' method, or set"
                " s3.client='s3fs'"
            )
        if options or protocol_options.get(protocol) or protocol_options.get("s3"):
            raise ConfigurationError(
                "s3 storage options are s3fs arguments; with s3.client='obstore' use the"
                " typed s3 settings (endpoint_url, region, credentials) instead"
            )
        return "obstore"
    if choice == "s3fs" or forked or not installed("obstore"):
        return "s3fs"
    if options or protocol_options.get(protocol) or protocol_options.get("s3"):
        return "s3fs"
    return "s3fs" if _needs_shared_profile(s3) else "obstore"


def mark_obstore_used() -> None:
    """Note that this process runs obstore (before its first client is built)."""
    global _obstore_pid
    if _obstore_pid is None:
        _obstore_pid = os.getpid()


def obstore_forked() -> bool:
    """Whether this process was forked from one that already ran obstore."""
    return _obstore_pid is not None and _obstore_pid != os.getpid()


def installed(module: str) -> bool:
    """Whether ``module`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a blocked or half-installed module
        return False


def _needs_shared_profile(s3: S3Choice) -> bool:
    """Whether credentials can only come from an AWS profile (which obstore cannot read)."""
    if s3.anonymous or s3.access_key_id is not None:
        return False
    if os.environ.get("AWS_PROFILE"):
        return True
    if any(
        os.environ.get(name)
        for name in (
            "AWS_ACCESS_KEY_ID",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        )
    ):
        return False
    home = os.path.expanduser("~/.aws")
    shared = (
        os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join(home, "credentials"),
        os.environ.get("AWS_CONFIG_FILE") or os.path.join(home, "config"),
    )
    return any(os.path.exists(path) for path in shared)
