"""Where Flyte 2's engine places a run's and an attempt's files.

Flyte 2 hands a task pod its run's base (``_U_RUN_BASE``, such as
``s3://bucket/project/domain/run``) and computes each attempt's output prefix
from it, with a shard right after the bucket::

    <scheme>://<bucket>/<shard>/<rest of the run base>/<action>/<attempt>

Attempts count from 1. The shard is one of the 1296 two-character prefixes of
:func:`~plugio.paths.default_shard_selector`, chosen by the FNV-1a-32 hash of
the task action's ``<namespace>/<name>``. The attempt's raw data and its
checkpoint live under its own output prefix (Flyte 1 used a separate raw
prefix); the previous checkpoint is that of attempt - 1, from attempt 2. A
run's inputs are ``<run base>/inputs/inputs.pb``; a sub-action's, unsharded,
``<run base>/<sub-action>/inputs.pb``::

    >>> layout = Flyte2Attempt("s3://b/p/d/r1", "ns", "r1-a0", "a0", attempt=2)
    >>> layout.output_prefix
    's3://b/wa/p/d/r1/a0/2'
    >>> layout.previous_checkpoint
    's3://b/wa/p/d/r1/a0/1/_flytecheckpoints'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from plugio.errors import ConfigurationError
from plugio.paths._names import CHECKPOINTS_FOLDER, INPUTS_FILE, REPORT_FILE
from plugio.paths._remote import RemoteCheckpointPaths
from plugio.paths._sharding import ShardSelector, default_shard_selector
from plugio.references import parse_reference

if TYPE_CHECKING:
    from plugio.storage import DataStore

__all__ = ["Flyte2Attempt", "flyte2_run_inputs_path", "flyte2_sub_action_inputs_path"]

RUN_INPUTS_FOLDER = "inputs"


def flyte2_run_inputs_path(run_base: str) -> str:
    """Where a Flyte 2 run's inputs are: ``<run base>/inputs/inputs.pb``."""
    return f"{run_base.rstrip('/')}/{RUN_INPUTS_FOLDER}/{INPUTS_FILE}"


def flyte2_sub_action_inputs_path(run_base: str, action: str) -> str:
    """Where a sub-action's inputs are: ``<run base>/<action>/inputs.pb``, unsharded."""
    _check_segment("action", action)
    return f"{run_base.rstrip('/')}/{action}/{INPUTS_FILE}"


@dataclass(frozen=True)
class Flyte2Attempt:
    """One attempt of one action of a Flyte 2 run: its output prefix and what lies under it.

    Args:
        run_base: The run's base reference (``_U_RUN_BASE``).
        namespace: The task action's namespace (its Kubernetes namespace).
        name: The task action's name, hashed with ``namespace`` for the shard.
        action: The action's name, a folder under the run base.
        attempt: The attempt number, from 1.
        shard_selector: The shard selector; Flyte 2's default when ``None``.

    Raises:
        ConfigurationError: ``attempt`` is below 1, or ``action`` is empty or
            holds a ``/``; the message names the value.
        InvalidReferenceError: ``run_base`` is not a reference with a bucket.
    """

    run_base: str
    namespace: str
    name: str
    action: str
    attempt: int = 1
    shard_selector: ShardSelector | None = None

    def __post_init__(self) -> None:
        if isinstance(self.attempt, bool) or not isinstance(self.attempt, int) or self.attempt < 1:
            raise ConfigurationError(f"a Flyte 2 attempt counts from 1, not {self.attempt!r}")
        _check_segment("action", self.action)
        parsed = parse_reference(self.run_base)
        if not parsed.scheme or not (parsed.container or parsed.scheme == "file"):
            raise ConfigurationError(
                f"a Flyte 2 run base needs a scheme and a bucket: {self.run_base!r}"
            )

    @property
    def shard(self) -> str:
        """The two-character shard of the task action."""
        selector = self.shard_selector or default_shard_selector()
        return selector.select(f"{self.namespace}/{self.name}")

    @property
    def output_prefix(self) -> str:
        """``<scheme>://<bucket>/<shard>/<rest of run base>/<action>/<attempt>``.

        The rest of the run base is kept as written (escapes and all), as
        Go's URL type keeps it; a ``file://`` base has no bucket, so its shard
        comes first in the path.
        """
        scheme, _, after = self.run_base.partition("://")
        bucket, _, rest = after.partition("/")
        rest = rest.strip("/")
        segments = [self.shard, *([rest] if rest else []), self.action, str(self.attempt)]
        return f"{scheme.lower()}://{bucket}/" + "/".join(segments)

    @property
    def raw_output_prefix(self) -> str:
        """Where the attempt's raw data goes: its output prefix itself."""
        return self.output_prefix

    @property
    def checkpoint(self) -> str:
        """The attempt's checkpoint object: ``<output prefix>/_flytecheckpoints``."""
        return f"{self.output_prefix}/{CHECKPOINTS_FOLDER}"

    @property
    def previous_checkpoint(self) -> str:
        """The checkpoint of attempt - 1, or ``""`` for the first attempt."""
        if self.attempt == 1:
            return ""
        previous = Flyte2Attempt(
            self.run_base,
            self.namespace,
            self.name,
            self.action,
            self.attempt - 1,
            self.shard_selector,
        )
        return previous.checkpoint

    @property
    def run_inputs_path(self) -> str:
        """The run's inputs (see :func:`flyte2_run_inputs_path`)."""
        return flyte2_run_inputs_path(self.run_base)

    def sub_action_inputs_path(self, action: str) -> str:
        """A sub-action's inputs (see :func:`flyte2_sub_action_inputs_path`)."""
        return flyte2_sub_action_inputs_path(self.run_base, action)

    def output_paths(self, store: DataStore) -> RemoteCheckpointPaths:
        """Output paths of this attempt: raw data under its prefix, the deck as ``report.html``."""
        return RemoteCheckpointPaths(
            store,
            self.output_prefix,
            self.raw_output_prefix,
            self.previous_checkpoint,
            deck_file_name=REPORT_FILE,
        )


def _check_segment(what: str, value: str) -> None:
    if not value or "/" in value:
        raise ConfigurationError(f"a Flyte 2 {what} is one non-empty path segment, not {value!r}")
