"""Attaching to the service: ``connect`` for a stream, ``control`` for status and stop."""

from __future__ import annotations

import json
import os
from typing import Any

from plugio.references import parse_reference
from plugio.service._address import STREAM_ENV, stream_prefix
from plugio.service._client import ServiceClient
from plugio.service._errors import ServiceError
from plugio.service._finish import process_tag
from plugio.service._locate import find_service
from plugio.service._policy import ServicePolicy
from plugio.service._protocol import encode_frame

__all__ = ["connect", "control"]


def connect(
    prefix: str | None = None,
    *,
    epoch: int | None = None,
    proc: str | None = None,
    owner: bool | None = None,
    tagged: bool = True,
    policy: ServicePolicy | None = None,
) -> ServiceClient:
    """A client of the stream at ``prefix``, through this node's service (started if need be).

    Args:
        prefix: the stream; by default the one ``plugio run`` opened for the
            attempt (``PLUGIO_SERVICE_STREAM``). A relative local path is
            taken from this process's working folder.
        epoch: the attempt's number for a new stream; by default the open
            stream's (0 for a new one).
        proc: the tag on this process's records; ``rank N`` from ``RANK``
            (or ``LOCAL_RANK``), else ``pid N``, by default.
        owner: whether ``close`` finishes the stream; by default when
            ``prefix`` was given, not when it came from the environment (the
            process that opened the stream finishes it).
        tagged: False leaves this client's records untagged (``plugio run``'s
            capture of the command's console).
        policy: the service's settings; ``ServicePolicy()`` (environment) by default.

    Raises:
        InvalidReferenceError: ``prefix`` is not a valid reference.
        ServiceError: No prefix, or the service cannot be found, started or used.
    """
    policy = policy if policy is not None else ServicePolicy()
    if prefix is None:
        prefix = os.environ.get(STREAM_ENV)
        if not prefix:
            raise ServiceError(f"no stream: pass a prefix, or run under plugio run ({STREAM_ENV})")
        owner = bool(owner)
    prefix = stream_prefix(prefix)
    parse_reference(prefix)  # a bad reference fails here, named, not later at an upload
    address = find_service(policy)
    try:
        return ServiceClient(
            address,
            prefix,
            epoch=epoch,
            proc=None if not tagged else proc if proc is not None else process_tag(),
            owner=True if owner is None else owner,
            buffer_bytes=policy.client_buffer_bytes,
            timeout=policy.client_timeout,
        )
    except OSError as exc:
        raise ServiceError(f"{address.address}: cannot reach the plugio service: {exc}") from exc


def control(op: str, policy: ServicePolicy | None = None) -> dict[str, Any]:
    """Send a ``status`` or ``stop`` frame to the running service; its answer.

    Raises:
        ServiceError: No service runs, or it refused.
    """
    policy = policy if policy is not None else ServicePolicy()
    address = find_service(policy, start=False)
    try:
        with address.connect(policy.client_timeout) as sock, sock.makefile("rb") as replies:
            sock.sendall(encode_frame({"op": "hello", "token": address.token}))
            sock.sendall(encode_frame({"op": op}))
            replies.readline()  # the hello's
            line = replies.readline()
    except OSError as exc:
        raise ServiceError(f"{address.address}: cannot reach the plugio service: {exc}") from exc
    answer = json.loads(line) if line else {}
    if not isinstance(answer, dict) or "error" in answer or not answer:
        raise ServiceError(f"the plugio service refused {op}: {answer.get('error', answer)}")
    return answer
