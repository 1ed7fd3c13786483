"""The plugio service: one local process that carries the streams of many processes.

A task is often many processes (ranks, a pool, forked data loader workers).
Each attaches to the node's service, started on demand by the first, and
writes through it; the service holds one ``StreamWriter`` per stream prefix,
journals what it receives before acknowledging it, tags every record with the
process that wrote it, and finishes the streams its clients left behind::

    stream = plugio.service.connect(prefix, epoch=attempt)  # or connect() under plugio run
    stream.write("epoch 1\\n")
    stream.log_metrics({"loss": 0.5})
    finished = stream.close(exit_code=0)  # state, summary, a sampled history per metric

Other languages speak its protocol (newline-delimited JSON over a Unix socket),
described in docs/service.md.
"""

from __future__ import annotations

from plugio.service._address import STREAM_ENV, TOKEN_ENV
from plugio.service._client import ServiceClient
from plugio.service._connect import connect, control
from plugio.service._errors import ProtocolError, ServiceError
from plugio.service._finish import ServiceFinish
from plugio.service._policy import ServicePolicy
from plugio.service._server import ServiceServer, serve

__all__ = [
    "STREAM_ENV",
    "TOKEN_ENV",
    "ProtocolError",
    "ServiceClient",
    "ServiceError",
    "ServiceFinish",
    "ServicePolicy",
    "ServiceServer",
    "connect",
    "control",
    "serve",
]
