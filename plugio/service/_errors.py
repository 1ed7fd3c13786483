"""The exceptions of the plugio service, kept in plugio's one exception tree."""

from __future__ import annotations

from plugio.errors import PlugioError

__all__ = ["ProtocolError", "ServiceError"]


class ServiceError(PlugioError, ConnectionError):
    """The plugio service cannot be reached, started or used; the message says why."""


class ProtocolError(PlugioError, ValueError):
    """A frame breaks the service protocol: not JSON, an unknown ``op``, a bad field.

    The service answers it with an ``error`` frame and closes that connection only.
    """
