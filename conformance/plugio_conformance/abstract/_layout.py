"""The raw output layout as a protocol, and plugio's functions behind it.

Raw output paths are computed, not read: an engine and its plugins must agree
on every shard, hash and id bit for bit. :class:`RawOutputLayout` names each
computation the contract fixes; :class:`PlugioRawOutputLayout` answers with
plugio's functions. A plugin with its own layout code implements the protocol
and returns it from the ``raw_output_layout`` fixture.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from plugio.errors import UniqueIdOverflowError
from plugio.paths import (
    DeterministicUniqueRawOutputPaths,
    PrecomputedShardSelector,
    ShardedDeterministicRawOutputPaths,
    ShardedRawOutputPaths,
    TaskIdRawOutputPaths,
    attempt_raw_output_prefix,
    checkpoint_prefix,
    default_shard_selector,
    fixed_length_unique_id_for_parts,
    fnv1a_32,
    random_raw_path,
)
from plugio.references import join

__all__ = ["PlugioRawOutputLayout", "RawOutputLayout"]


class RawOutputLayout(Protocol):
    """Every computation of raw output paths the contract fixes."""

    def fnv1a_32(self, data: bytes) -> int:
        """The 32-bit FNV-1a hash of ``data``."""
        ...

    def default_shards(self) -> Sequence[str]:
        """The default selector's shard prefixes, in selection order."""
        ...

    def select_shard(self, shards: Sequence[str], key: str) -> str:
        """The shard of ``key`` among ``shards``; an empty list raises."""
        ...

    def unique_id(self, parts: Sequence[str], max_length: int) -> tuple[str, bool]:
        """The bounded unique id of ``parts`` and whether even the hash overflowed."""
        ...

    def sharded_path(self, base: str, unique_id: str) -> str:
        """``base/<shard(id)>/<id>`` with the default shards."""
        ...

    def deterministic_sharded_path(self, base: str, output_metadata_prefix: str) -> str:
        """``base/<shard(p)>/<sha1hex(p)>`` with the default shards."""
        ...

    def deterministic_unique_path(self, prefix: str, output_metadata_prefix: str) -> str:
        """``prefix/<sha1hex(p)>``."""
        ...

    def task_id_path(
        self,
        prefix: str,
        project: str,
        domain: str,
        execution: str,
        node_id: str,
        attempt: int,
        task: str,
    ) -> str:
        """``prefix/project/domain/execution/node/attempt/task``."""
        ...

    def random_raw_path(self, prefix: str, file_name: str) -> str:
        """``prefix/<32 hex>/<file name>``, fresh at every call."""
        ...

    def attempt_raw_output_prefix(
        self, raw_output_base: str, owner: str, node_id: str, attempt: int
    ) -> str:
        """The engine's raw prefix for an attempt: sharded unique id, limit 50."""
        ...

    def checkpoint_prefix(self, raw_output_prefix: str) -> str:
        """``<raw prefix>/_flytecheckpoints``, or ``""`` for an empty raw prefix."""
        ...

    def join(self, base: str, *keys: str) -> str:
        """``base`` and ``keys`` joined as Go's ``net/url`` resolves references."""
        ...


class PlugioRawOutputLayout:
    """:class:`RawOutputLayout` answered by :mod:`plugio.paths`."""

    def fnv1a_32(self, data: bytes) -> int:
        """See :class:`RawOutputLayout`."""
        return fnv1a_32(data)

    def default_shards(self) -> Sequence[str]:
        """See :class:`RawOutputLayout`."""
        return default_shard_selector().prefixes

    def select_shard(self, shards: Sequence[str], key: str) -> str:
        """See :class:`RawOutputLayout`."""
        return PrecomputedShardSelector(shards).select(key)

    def unique_id(self, parts: Sequence[str], max_length: int) -> tuple[str, bool]:
        """See :class:`RawOutputLayout`."""
        try:
            return fixed_length_unique_id_for_parts(parts, max_length), False
        except UniqueIdOverflowError as exc:
            return exc.unique_id, True

    def sharded_path(self, base: str, unique_id: str) -> str:
        """See :class:`RawOutputLayout`."""
        selector = default_shard_selector()
        return ShardedRawOutputPaths(base, selector, unique_id).get_raw_output_prefix()

    def deterministic_sharded_path(self, base: str, output_metadata_prefix: str) -> str:
        """See :class:`RawOutputLayout`."""
        paths = ShardedDeterministicRawOutputPaths(
            base, default_shard_selector(), output_metadata_prefix
        )
        return paths.get_raw_output_prefix()

    def deterministic_unique_path(self, prefix: str, output_metadata_prefix: str) -> str:
        """See :class:`RawOutputLayout`."""
        paths = DeterministicUniqueRawOutputPaths(prefix, output_metadata_prefix)
        return paths.get_raw_output_prefix()

    def task_id_path(
        self,
        prefix: str,
        project: str,
        domain: str,
        execution: str,
        node_id: str,
        attempt: int,
        task: str,
    ) -> str:
        """See :class:`RawOutputLayout`."""
        paths = TaskIdRawOutputPaths(prefix, project, domain, execution, node_id, attempt, task)
        return paths.get_raw_output_prefix()

    def random_raw_path(self, prefix: str, file_name: str) -> str:
        """See :class:`RawOutputLayout`."""
        return random_raw_path(prefix, file_name)

    def attempt_raw_output_prefix(
        self, raw_output_base: str, owner: str, node_id: str, attempt: int
    ) -> str:
        """See :class:`RawOutputLayout`."""
        return attempt_raw_output_prefix(raw_output_base, owner, node_id, attempt)

    def checkpoint_prefix(self, raw_output_prefix: str) -> str:
        """See :class:`RawOutputLayout`."""
        return checkpoint_prefix(raw_output_prefix)

    def join(self, base: str, *keys: str) -> str:
        """See :class:`RawOutputLayout`."""
        return join(base, *keys)
