"""What a client learns when it finishes a stream, and how its process is tagged."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from plugio.stream import StreamState

__all__ = ["ServiceFinish", "finish_from", "process_tag"]


def process_tag() -> str:
    """This process's tag: ``rank N`` from ``RANK`` (or ``LOCAL_RANK``), else ``pid N``."""
    rank = os.environ.get("RANK") or os.environ.get("LOCAL_RANK")
    return f"rank {rank}" if rank else f"pid {os.getpid()}"


@dataclass(frozen=True)
class ServiceFinish:
    """How finishing (or leaving) a stream through the service went.

    Attributes:
        complete: Everything is stored and the head records how it ended
            (when only leaving: everything this client sent was journaled).
        state: The end recorded; ``running`` when this client only left.
        exit_code: The task's exit code, when known.
        summary: The last value of each metric, then every ``update_summary``
            value over them.
        history: A sampled history of each metric: ``[step, value]`` pairs,
            evenly spread over the run.
        unsent: Records per stream left only in the service's journal.
        dropped: Records this client could not hand over (its buffer full,
            the service gone), per stream.
        error: What went wrong, when not complete.
    """

    complete: bool
    state: StreamState
    exit_code: int | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    history: dict[str, list[list[float | None]]] = field(default_factory=dict)
    unsent: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    error: str | None = None


def finish_from(
    reply: Mapping[str, Any] | None,
    exit_code: int | None,
    dropped: Mapping[str, int],
    broken: str | None,
) -> ServiceFinish:
    """The finish as the service answered it (``reply``), or as far as known without one."""
    answer = reply.get("finished") if reply is not None else None
    if not isinstance(answer, dict):
        error = broken or "the service did not answer the finish in time"
        return ServiceFinish(
            False, StreamState.UNKNOWN, exit_code, dropped=dict(dropped), error=error
        )
    return ServiceFinish(
        complete=bool(answer.get("complete")),
        state=StreamState(str(answer.get("state", "unknown"))),
        exit_code=answer.get("exit_code"),
        summary=dict(answer.get("summary") or {}),
        history=dict(answer.get("history") or {}),
        unsent=dict(answer.get("unsent") or {}),
        dropped=dict(dropped),
        error=answer.get("error"),
    )
