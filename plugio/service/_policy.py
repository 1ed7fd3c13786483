"""Where the plugio service keeps its socket and journals, and how long it waits."""

from __future__ import annotations

import os
import tempfile
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from plugio._environment import gather

__all__ = ["ServicePolicy"]

MIB = 1024 * 1024


class ServicePolicy(BaseModel):
    """The settings of the plugio service and of its clients.

    Arguments first, then ``PLUGIO_SERVICE__*`` environment variables, then
    the defaults. The streams the service writes follow ``StreamPolicy``
    (``PLUGIO_STREAM__*``) as any stream writer does.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    def __init__(self, **values: Any) -> None:
        gathered = gather({"service"}, {"service": values})
        super().__init__(**gathered.values["service"])

    folder: str | None = None
    """The service's own folder (made 0700): its socket, address file, log and
    journals. Default: ``$XDG_RUNTIME_DIR/plugio-service``, else
    ``<temporary folder>/plugio-service-<uid>``. Env: ``PLUGIO_SERVICE__FOLDER``."""
    grace_period: float = Field(default=30.0, ge=0)
    """Seconds a stream stays open after its last client left without finishing
    it; then it is finished as ``killed``. Env: ``PLUGIO_SERVICE__GRACE_PERIOD``."""
    stop_deadline: float = Field(default=20.0, gt=0)
    """Seconds the service has, on SIGTERM, to finish every stream.

    Env: ``PLUGIO_SERVICE__STOP_DEADLINE``.
    """
    start_timeout: float = Field(default=30.0, gt=0)
    """Seconds a client waits for a service it started to name its address.

    Env: ``PLUGIO_SERVICE__START_TIMEOUT``.
    """
    idle_exit: float | None = Field(default=300.0, gt=0)
    """Seconds a service started on demand stays up without any stream or
    client (None: forever). Env: ``PLUGIO_SERVICE__IDLE_EXIT``."""
    max_frame_bytes: int = Field(default=MIB, ge=1024)
    """The longest frame the service reads; a longer one closes its connection.

    Env: ``PLUGIO_SERVICE__MAX_FRAME_BYTES``.
    """
    client_buffer_bytes: int = Field(default=8 * MIB, ge=64 * 1024)
    """Frames a client holds until the service acknowledged them.

    Env: ``PLUGIO_SERVICE__CLIENT_BUFFER_BYTES``.
    """
    client_timeout: float = Field(default=5.0, gt=0)
    """Longest a client's call waits for room in its buffer (then the record is
    dropped and counted), and for the service's answers.

    Env: ``PLUGIO_SERVICE__CLIENT_TIMEOUT``.
    """

    def state_folder(self) -> str:
        """The service's folder, as set or by default."""
        if self.folder:
            return self.folder
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        if runtime and os.path.isdir(runtime):
            return os.path.join(runtime, "plugio-service")
        return os.path.join(tempfile.gettempdir(), f"plugio-service-{os.getuid()}")
