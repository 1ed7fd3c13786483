"""Checks before an attempt's command starts, so that a bad prefix fails in seconds.

Every prefix must parse and have its backend installed (a usage problem), and
the store must answer and accept a write where the outputs go (a storage
problem): a listing under the output prefix (and the raw output prefix, when
it is elsewhere) finds the bucket, and a probe object is written there and
deleted again.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from plugio import errors
from plugio.paths import INPUTS_FILE
from plugio.references import join
from plugio.storage import DataStore
from plugio.task._error_document import one_line
from plugio.task._offload import OffloadPolicy

__all__ = ["PROBE_PREFIX", "PreflightError", "preflight"]

PROBE_PREFIX = ".plugio-preflight-"
"""The name of the probe objects, before a random suffix."""

_OFFLOAD_ENV = "_F_L_MIN_SIZE_MB/_F_L_MAX_SIZE_MB"
_USAGE = (errors.InvalidReferenceError, errors.ConfigurationError, errors.MissingDependencyError)


class PreflightError(errors.PlugioError):
    """A prefix cannot be used; ``usage`` tells a bad prefix from a storage problem.

    Attributes:
        option: The option that gave the prefix (``--outputs``, ...), or
            ``offloading`` for the offloading sizes.
        ref: The prefix (or the offloading variables).
        usage: The prefix itself is wrong (scheme, missing extra), not the store.
    """

    def __init__(self, option: str, ref: str, problem: BaseException, *, usage: bool) -> None:
        super().__init__(f"{option} {ref}: {_hint(problem)}{one_line(problem)}")
        self.option = option
        self.ref = ref
        self.usage = usage


def preflight(
    store: DataStore,
    *,
    outputs: str,
    inputs: str | None = None,
    raw_output_prefix: str | None = None,
    previous_checkpoint: str = "",
    environ: Mapping[str, str] = os.environ,
) -> None:
    """Check every prefix (and the offloading sizes in ``environ``) before the command runs.

    Raises:
        PreflightError: The first prefix that cannot be used, and why.
    """
    prefixes = [
        ("--outputs", outputs),
        ("--inputs", inputs or ""),
        ("--raw-output-prefix", raw_output_prefix or ""),
        ("--previous-checkpoint", previous_checkpoint),
    ]
    try:
        OffloadPolicy.from_env(environ)
    except ValueError as exc:
        raise PreflightError("offloading", _OFFLOAD_ENV, exc, usage=True) from exc
    for option, ref in prefixes:
        if ref:
            with _named(option, ref, usage=True):
                store.filesystem(ref)
    with _named("--outputs", outputs, usage=False):
        _probe_write(store, outputs)
    if raw_output_prefix and not raw_output_prefix.startswith(outputs.rstrip("/") + "/"):
        with _named("--raw-output-prefix", raw_output_prefix, usage=False):
            _probe_write(store, raw_output_prefix)
    if inputs:
        with _named("--inputs", inputs, usage=False):
            store.head(join(inputs, INPUTS_FILE))  # missing is the attempt's error, not ours


def _probe_write(store: DataStore, prefix: str) -> None:
    probe = join(prefix, f"{PROBE_PREFIX}{uuid.uuid4().hex}")
    for _ in store.list(probe):  # a missing bucket, even where a write would create one
        pass
    store.write_bytes(probe, b"")
    store.delete(probe)


@contextmanager
def _named(option: str, ref: str, *, usage: bool) -> Iterator[None]:
    """Turn a plugio error inside into a :class:`PreflightError` naming the prefix."""
    try:
        yield
    except errors.PlugioError as exc:
        raise PreflightError(option, ref, exc, usage=usage or isinstance(exc, _USAGE)) from exc


def _hint(problem: BaseException) -> str:
    """What a store's refusal most likely means, before its own words."""
    if isinstance(problem, errors.NotFoundError):
        return "the bucket (or container) does not exist: "
    if isinstance(problem, errors.PermissionDeniedError):
        return "access denied (check the credentials and the policy): "
    return ""
