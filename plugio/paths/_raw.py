"""Raw output prefixes: where an attempt's own data goes, in Flyte's layouts.

Each class computes its prefix once, when built, by joining keys with
:func:`plugio.references.join` (Go's ``net/url`` resolution, as Flyte's engine
joins them); a malformed base or key fails there with ``InvalidReferenceError``.

- :class:`RawOutputPrefix`: the prefix as given.
- :class:`ShardedRawOutputPaths`: ``<base>/<shard(id)>/<id>``.
- :class:`ShardedDeterministicRawOutputPaths`: ``<base>/<shard(p)>/<sha1hex(p)>``.
- :class:`DeterministicUniqueRawOutputPaths`: ``<prefix>/<sha1hex(p)>``.
- :class:`TaskIdRawOutputPaths`: ``<prefix>/<project>/<domain>/<execution>/<node>/<attempt>/<task>``
  (the task execution id).
- :func:`random_raw_path`: ``<prefix>/<32 random hex digits>[/<file name>]``, as flytekit
  names a value it uploads.
"""

from __future__ import annotations

import posixpath

from plugio.errors import ConfigurationError
from plugio.paths._interfaces import RawOutputPaths
from plugio.paths._sharding import ShardSelector
from plugio.references import join

__all__ = [
    "DeterministicUniqueRawOutputPaths",
    "RawOutputPrefix",
    "ShardedDeterministicRawOutputPaths",
    "ShardedRawOutputPaths",
    "TaskIdRawOutputPaths",
    "random_raw_path",
]

_MAX_ATTEMPT = 2**32 - 1  # Flyte's retry attempt is a uint32


class RawOutputPrefix(RawOutputPaths):
    """A raw output prefix taken as it is given (Flyte's ``NewRawOutputPaths``).

    It is not validated: ``""`` means "no raw output area", and gives an
    empty checkpoint prefix to output paths built on it.
    """

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix

    def get_raw_output_prefix(self) -> str:
        """The prefix."""
        return self._prefix

    def __repr__(self) -> str:
        return f"{type(self).__name__}(raw_output_prefix={self._prefix!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RawOutputPrefix):
            return NotImplemented
        return type(self) is type(other) and self._prefix == other._prefix

    def __hash__(self) -> int:
        return hash((type(self), self._prefix))


class ShardedRawOutputPaths(RawOutputPrefix):
    """``<base>/<shard>/<unique_id>``, the shard chosen from ``unique_id``.

    Flyte's ``NewShardedRawOutputPath``, the layout its engine gives every
    attempt (see :func:`~plugio.paths.attempt_raw_output_prefix`).

    Args:
        base: The raw output base of the execution.
        shard_selector: Chooses the shard from the UTF-8 bytes of ``unique_id``.
        unique_id: The attempt's unique id, the last key.
    """

    def __init__(self, base: str, shard_selector: ShardSelector, unique_id: str) -> None:
        super().__init__(join(base, shard_selector.select(unique_id), unique_id))


class ShardedDeterministicRawOutputPaths(RawOutputPrefix):
    """``<base>/<shard>/<sha1 hex>``, both derived from an output metadata prefix.

    Flyte's ``NewShardedDeterministicRawOutputPath``: the same output metadata
    prefix always gets the same raw prefix. The shard is chosen from, and the
    SHA-1 taken of, the UTF-8 bytes of ``output_metadata_prefix`` exactly as
    given (Flyte hashes one reference string; there are no separate parts).

    Args:
        base: The raw output base.
        shard_selector: Chooses the shard.
        output_metadata_prefix: The reference the raw prefix is derived from.
    """

    def __init__(
        self, base: str, shard_selector: ShardSelector, output_metadata_prefix: str
    ) -> None:
        key = output_metadata_prefix.encode("utf-8")
        shard = shard_selector.get_shard_prefix(key)
        super().__init__(join(base, shard, _sha1_hex(key)))


class DeterministicUniqueRawOutputPaths(RawOutputPrefix):
    """``<raw_output_prefix>/<sha1 hex of output_metadata_prefix>``, not sharded.

    Flyte's ``NewDeterministicUniqueRawOutputPath``; the SHA-1 is of the UTF-8
    bytes of ``output_metadata_prefix`` exactly as given.
    """

    def __init__(self, raw_output_prefix: str, output_metadata_prefix: str) -> None:
        digest = _sha1_hex(output_metadata_prefix.encode("utf-8"))
        super().__init__(join(raw_output_prefix, digest))


class TaskIdRawOutputPaths(RawOutputPrefix):
    """A raw prefix that spells the task execution id, for cross-referencing.

    Flyte's ``NewTaskIDRawOutputPath``:
    ``<raw_output_prefix>/<project>/<domain>/<execution_name>/<node_id>/<retry_attempt>/<task_name>``.

    Raises:
        ConfigurationError: ``retry_attempt`` is not an integer in Flyte's
            uint32 range.
    """

    def __init__(
        self,
        raw_output_prefix: str,
        project: str,
        domain: str,
        execution_name: str,
        node_id: str,
        retry_attempt: int,
        task_name: str,
    ) -> None:
        attempt = attempt_text(retry_attempt)
        keys = (project, domain, execution_name, node_id, attempt, task_name)
        super().__init__(join(raw_output_prefix, *keys))


def random_raw_path(raw_output_prefix: str, file_name: str | None = None) -> str:
    """A fresh reference under the raw prefix, as flytekit picks one for an upload.

    ``<raw_output_prefix>/<32 hex digits>/<file name>``, or without the file
    name when none is given. Only the last segment of ``file_name`` is kept
    (``"a/b.csv"`` gives ``b.csv``); a name ending in ``/`` counts as none.
    The 32 digits are a UUID4 from the operating system's generator (flytekit
    draws 128 bits from ``random``; the shape is the same), so forked
    processes cannot repeat each other.
    """
    import uuid  # here: it loads platform and sockets, which reading inputs never needs

    name = posixpath.basename(file_name) if file_name else ""
    keys = (uuid.uuid4().hex, name) if name else (uuid.uuid4().hex,)
    return join(raw_output_prefix, *keys)


def attempt_text(attempt: int) -> str:
    """An attempt number as Flyte writes it in paths and ids (decimal, uint32).

    Raises:
        ConfigurationError: ``attempt`` is not an ``int`` from 0 to 2**32 - 1.
    """
    if isinstance(attempt, bool) or not isinstance(attempt, int):
        raise ConfigurationError(f"an attempt number must be an int, got {attempt!r}")
    if not 0 <= attempt <= _MAX_ATTEMPT:
        raise ConfigurationError(
            f"an attempt number must be from 0 to {_MAX_ATTEMPT}, got {attempt}"
        )
    return str(attempt)


def _sha1_hex(data: bytes) -> str:
    # SHA-1 for speed, as Flyte: the shard and the base keep collisions apart.
    import hashlib

    return hashlib.sha1(data, usedforsecurity=False).hexdigest()
