"""What an engine computes for each attempt: its unique id, raw prefix and checkpoints.

Flyte's engine names an attempt by the unique id of ``[owner, node id,
attempt]`` bounded to 50 bytes, and gives it the raw output prefix
``<raw output base>/<shard(id)>/<id>`` with the default shard selector. The
attempt before it left its checkpoints in that attempt's raw prefix, which is
how a retry finds them::

    >>> attempt_raw_output_prefix("s3://b/raw", "exec", "n0", 1)
    's3://b/raw/bh/exec-n0-1'
    >>> attempt_previous_checkpoint_prefix("s3://b/raw", "exec", "n0", 2)
    's3://b/raw/bh/exec-n0-1/_flytecheckpoints'
"""

from __future__ import annotations

from typing import Final

from plugio.paths._ids import fixed_length_unique_id_for_parts
from plugio.paths._raw import ShardedRawOutputPaths, attempt_text
from plugio.paths._remote import checkpoint_prefix
from plugio.paths._sharding import ShardSelector, default_shard_selector

__all__ = [
    "ID_MAX_LENGTH",
    "attempt_previous_checkpoint_prefix",
    "attempt_raw_output_prefix",
    "attempt_unique_id",
]

ID_MAX_LENGTH: Final = 50
"""The engine's bound on an attempt's unique id, in bytes (Flyte's ``IDMaxLength``).

A plugin may ask for another (Flyte's ``GeneratedNameMaxLength``): pass it as
``max_length``.
"""


def attempt_unique_id(
    owner: str, node_id: str, attempt: int, *, max_length: int = ID_MAX_LENGTH
) -> str:
    """The attempt's unique id: ``<owner>-<node_id>-<attempt>``, hashed when too long.

    This is also the name Flyte gives the attempt's pod or job.

    Args:
        owner: The name of the workflow execution that owns the node.
        node_id: The node's id; Flyte uses the node's unique id, which includes
            its parents' for nodes in sub-workflows and dynamic tasks.
        attempt: The retry attempt, from 0.
        max_length: The longest id allowed, in bytes.

    Raises:
        UniqueIdOverflowError: ``max_length`` is too small even for the hashed id.
        ConfigurationError: ``attempt`` is not an int in Flyte's uint32 range.
    """
    parts = (owner, node_id, attempt_text(attempt))
    return fixed_length_unique_id_for_parts(parts, max_length)


def attempt_raw_output_prefix(
    raw_output_base: str,
    owner: str,
    node_id: str,
    attempt: int,
    shard_selector: ShardSelector | None = None,
    *,
    max_length: int = ID_MAX_LENGTH,
) -> str:
    """The attempt's raw output prefix: ``<raw_output_base>/<shard(id)>/<id>``.

    ``id`` is :func:`attempt_unique_id`; the shard comes from its bytes, with
    :func:`default_shard_selector` unless another selector is given (Flyte's
    ``ComputeRawOutputPrefix``).

    Raises:
        UniqueIdOverflowError: ``max_length`` is too small even for the hashed id.
        ConfigurationError: ``attempt`` is out of range.
        InvalidReferenceError: The base or a key cannot be joined.
    """
    unique_id = attempt_unique_id(owner, node_id, attempt, max_length=max_length)
    selector = shard_selector if shard_selector is not None else default_shard_selector()
    return ShardedRawOutputPaths(raw_output_base, selector, unique_id).get_raw_output_prefix()


def attempt_previous_checkpoint_prefix(
    raw_output_base: str,
    owner: str,
    node_id: str,
    attempt: int,
    shard_selector: ShardSelector | None = None,
    *,
    previous_execution_checkpoint: str = "",
    max_length: int = ID_MAX_LENGTH,
) -> str:
    """Where the attempt finds the checkpoints to resume from.

    For a retry, the checkpoint prefix of the attempt before it. For the first
    attempt, ``previous_execution_checkpoint``: the checkpoints of an earlier
    execution of the node, or ``""`` when there are none (Flyte's
    ``ComputePreviousCheckpointPath``).

    Raises:
        UniqueIdOverflowError: ``max_length`` is too small even for the hashed id.
        ConfigurationError: ``attempt`` is out of range.
        InvalidReferenceError: The base or a key cannot be joined.
    """
    attempt_text(attempt)
    if attempt == 0:
        return previous_execution_checkpoint
    previous = attempt_raw_output_prefix(
        raw_output_base, owner, node_id, attempt - 1, shard_selector, max_length=max_length
    )
    return checkpoint_prefix(previous)
