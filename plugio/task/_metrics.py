"""Metrics from any command run by ``plugio run``: JSON lines in a file.

``plugio run`` names a file in ``PLUGIO_METRICS``; the command appends one
JSON object per line, and ``plugio run`` moves each row into the attempt's
stream (``plugio metrics`` shows them) while the command runs::

    echo '{"step": 3, "loss": 0.25, "accuracy": 0.9}' >> "$PLUGIO_METRICS"

``step`` (a whole number) is optional: it defaults to one past the previous
row's. Every other key is a metric's name and its value a number. A line
that is not such an object is skipped and reported as a ``metrics-rejected``
event. From Python, :func:`log_metrics` writes the same lines.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

__all__ = ["METRICS_ENV", "MetricsFile", "log_metrics"]

METRICS_ENV = "PLUGIO_METRICS"
"""The variable naming the metrics file of a command run by ``plugio run``."""

logger = logging.getLogger("plugio.task")
_POLL_SECONDS = 0.2
_MAX_LINE_BYTES = 64 * 1024


def log_metrics(
    values: Mapping[str, float] | None = None, /, *, step: int | None = None, **named: float
) -> bool:
    """Record one row of metrics for the attempt this process runs in.

    Inside a command run by ``plugio run`` the row goes to the attempt's
    stream; elsewhere (no ``PLUGIO_METRICS``) nothing is recorded and False
    is returned, so the same code runs unchanged on a laptop.

    >>> log_metrics(step=3, loss=0.25, accuracy=0.9)

    Args:
        values: Metric names and numbers (also given as keyword arguments).
        step: The row's step; one past the previous row's by default.
        **named: More metrics.

    Returns:
        Whether the row was recorded.

    Raises:
        TypeError: A value is not a number, or ``step`` not an integer.
    """
    row = {**(values or {}), **named}
    for name, value in row.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"metric {name!r} must be a number, not {value!r}")
    if step is not None:
        if isinstance(step, bool) or not isinstance(step, int):
            raise TypeError(f"step must be an integer, not {step!r}")
        row = {"step": step, **row}
    path = os.environ.get(METRICS_ENV)
    if not path:
        logger.debug("no %s: metrics not recorded: %s", METRICS_ENV, row)
        return False
    line = (json.dumps(row, allow_nan=True) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)  # one write with O_APPEND: rows of several writers never interleave
    finally:
        os.close(fd)
    return True


class MetricsSink(Protocol):
    """Where rows go: a stream writer."""

    def log_metrics(self, values: Mapping[str, float], *, step: int | None = None) -> None: ...

    def log_event(
        self, name: str, attributes: Mapping[str, object] | None = None, *, level: str = "info"
    ) -> None: ...


class MetricsFile:
    """Follows a metrics file in a thread of its own, sending each row to ``sink``.

    Args:
        path: The file (created empty if missing).
        sink: The attempt's stream writer.
    """

    def __init__(self, path: Path, sink: MetricsSink) -> None:
        self.path = path
        self.path.touch()
        self._sink = sink
        self._offset = 0
        self._rest = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="plugio-metrics", daemon=True)

    def start(self) -> None:
        """Start following."""
        self._thread.start()

    def stop(self) -> None:
        """Stop following and take what the file holds by now, an unfinished last line too."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self._read()
        if self._rest.strip():
            self._take(self._rest)
        self._rest = b""

    def _follow(self) -> None:
        while not self._stop.wait(_POLL_SECONDS):
            self._read()

    def _read(self) -> None:
        try:
            with self.path.open("rb") as file:
                file.seek(self._offset)
                data = file.read()
        except OSError as exc:
            logger.warning("metrics file %s: %s", self.path, exc)
            return
        self._offset += len(data)
        lines = (self._rest + data).split(b"\n")
        self._rest = lines.pop()
        if len(self._rest) > _MAX_LINE_BYTES:
            self._reject(self._rest[:80].decode(errors="replace"), "the line is too long")
            self._rest = b""
        for line in lines:
            if line.strip():
                self._take(line)

    def _take(self, line: bytes) -> None:
        text = line.decode(errors="replace").strip()
        try:
            row = json.loads(text)
        except ValueError as exc:
            self._reject(text, f"not JSON: {exc}")
            return
        if not isinstance(row, dict):
            self._reject(text, "not a JSON object")
            return
        step = row.pop("step", None)
        if step is not None and (isinstance(step, bool) or not isinstance(step, int)):
            self._reject(text, "step must be a whole number")
            return
        bad = [name for name, value in row.items() if not _is_number(value)]
        if bad:
            self._reject(text, f"not a number: {', '.join(sorted(bad))}")
            return
        if row:
            self._sink.log_metrics(row, step=step)

    def _reject(self, text: str, reason: str) -> None:
        self._sink.log_event(
            "metrics-rejected", {"line": text[:200], "reason": reason}, level="warning"
        )


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
