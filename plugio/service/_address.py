"""How a client finds the service: its folder, its address file and the environment token.

The service's folder belongs to the user and is 0700; the address file in it
(``service.json``, written to a temporary name and renamed, so a reader never
sees half of it) names the socket, the token and the service's process. A
process started under the service carries ``PLUGIO_SERVICE_TOKEN``
(``<address>;<token>``), which its children inherit.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import stat
from dataclasses import dataclass

from plugio.service._errors import ServiceError

__all__ = [
    "ADDRESS_FILE",
    "STREAM_ENV",
    "TOKEN_ENV",
    "Address",
    "new_token",
    "own_folder",
    "read_address",
    "remove_address",
    "stream_prefix",
    "write_address",
]

TOKEN_ENV = "PLUGIO_SERVICE_TOKEN"
"""``<address>;<token>``: the service a process and its children attach to."""
STREAM_ENV = "PLUGIO_SERVICE_STREAM"
"""The stream prefix that ``plugio run`` opened for the attempt, for its processes."""
ADDRESS_FILE = "service.json"
#: The longest Unix socket path (108 bytes with the terminating NUL on Linux).
MAX_SOCKET_PATH = 107


@dataclass(frozen=True)
class Address:
    """Where the service listens (``unix:<path>`` or ``tcp:127.0.0.1:<port>``) and its token."""

    address: str
    token: str
    pid: int | None = None

    @classmethod
    def parse(cls, text: str, origin: str = TOKEN_ENV) -> Address:
        """An address from ``<address>;<token>``.

        Raises:
            ServiceError: The text is not of that form (``origin`` names where it came from).
        """
        address, sep, token = text.partition(";")
        if not sep or not token or not address.startswith(("unix:", "tcp:")):
            raise ServiceError(f"{origin}: not of the form unix:<path>;<token>")
        return cls(address, token)

    def token_text(self) -> str:
        """The environment token: ``<address>;<token>``."""
        return f"{self.address};{self.token}"

    def connect(self, timeout: float) -> socket.socket:
        """A new connection to the service.

        Raises:
            OSError: Nothing listens there.
        """
        kind, _, where = self.address.partition(":")
        if kind == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target: str | tuple[str, int] = where
        else:
            host, _, port = where.rpartition(":")
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            target = (host, int(port))
        sock.settimeout(timeout)
        try:
            sock.connect(target)
        except OSError:
            sock.close()
            raise
        return sock


def stream_prefix(prefix: str) -> str:
    """A stream's prefix as the service keys it: a relative local path made absolute,
    so that it means the same folder to the service, whatever its own folder."""
    return prefix if "://" in prefix or os.path.isabs(prefix) else os.path.abspath(prefix)


def new_token() -> str:
    """A fresh random token."""
    return secrets.token_hex(16)


def own_folder(path: str) -> str:
    """Make ``path`` (0700) if missing and check that only this user can use it.

    Raises:
        ServiceError: It belongs to another user or others may enter it.
    """
    with contextlib.suppress(FileExistsError):
        os.makedirs(path, mode=0o700)
    info = os.stat(path)
    if info.st_uid != os.getuid():
        raise ServiceError(f"{path}: the service folder belongs to uid {info.st_uid}, not to you")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, 0o700)
    return path


def write_address(folder: str, address: Address) -> None:
    """Write the address file: to a temporary name (0600), then renamed over the old one."""
    final = os.path.join(folder, ADDRESS_FILE)
    temporary = f"{final}.{os.getpid()}.tmp"
    document = {"v": 1, "address": address.address, "token": address.token, "pid": address.pid}
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(document, handle)
    os.replace(temporary, final)


def read_address(folder: str) -> Address | None:
    """The address the file in ``folder`` names; None when there is none (or it is torn)."""
    try:
        with open(os.path.join(folder, ADDRESS_FILE)) as handle:
            document = json.load(handle)
        return Address(str(document["address"]), str(document["token"]), document.get("pid"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove_address(folder: str, address: Address) -> None:
    """Remove the address file if it still names ``address``."""
    found = read_address(folder)
    if found is not None and found.address == address.address and found.token == address.token:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(folder, ADDRESS_FILE))
