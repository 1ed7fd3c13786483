"""Shard selectors: spread raw output folders over many key prefixes.

Object stores partition by key prefix, so an engine places each attempt's raw
output folder under one of many short prefixes chosen by hashing an id. The
choice is Flyte's: the 32-bit FNV-1a hash of the id's bytes modulo the number
of prefixes. The default selector has the 1296 two-character prefixes over
``a-z`` then ``0-9``::

    >>> default_shard_selector().select("abc")
    'k9'
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Iterable

from plugio.errors import ConfigurationError
from plugio.paths._ids import fnv1a_32
from plugio.paths._names import SHARD_ALPHABET

__all__ = [
    "PrecomputedShardSelector",
    "ShardSelector",
    "default_shard_selector",
]


class ShardSelector(ABC):
    """Chooses the shard prefix for an id; the same id always gets the same prefix.

    Implement :meth:`get_shard_prefix`; callers use :meth:`select`.
    """

    @abstractmethod
    def get_shard_prefix(self, key: bytes) -> str:
        """The shard prefix for the raw bytes of an id."""

    def select(self, key: str | bytes) -> str:
        """The shard prefix for an id; a ``str`` is hashed as its UTF-8 bytes."""
        return self.get_shard_prefix(key.encode("utf-8") if isinstance(key, str) else bytes(key))


class PrecomputedShardSelector(ShardSelector):
    """Picks one of a fixed list of prefixes by the id's FNV-1a-32 hash.

    The prefix at index ``fnv1a_32(key) % len(prefixes)`` is chosen, so the
    order of the list matters. Flyte builds the same selector with
    ``NewConstantShardSelector``.

    Args:
        prefixes: The shard prefixes, used as given (each becomes a path key).

    Raises:
        ConfigurationError: ``prefixes`` is empty (Flyte would divide by zero
            on the first selection).
        TypeError: ``prefixes`` is a single ``str``.
    """

    def __init__(self, prefixes: Iterable[str]) -> None:
        if isinstance(prefixes, str):
            raise TypeError("prefixes must be an iterable of strings, not one str")
        self._prefixes = tuple(prefixes)
        if not self._prefixes:
            raise ConfigurationError("a shard selector needs at least one shard prefix")

    @property
    def prefixes(self) -> tuple[str, ...]:
        """The prefixes, in selection order."""
        return self._prefixes

    def get_shard_prefix(self, key: bytes) -> str:
        """The prefix at ``fnv1a_32(key) % len(prefixes)``."""
        return self._prefixes[fnv1a_32(key) % len(self._prefixes)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<{len(self._prefixes)} prefixes>)"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PrecomputedShardSelector):
            return NotImplemented
        return self._prefixes == other._prefixes

    def __hash__(self) -> int:
        return hash(self._prefixes)


@functools.cache
def default_shard_selector() -> PrecomputedShardSelector:
    """The engine's selector: 1296 prefixes ``aa``, ``ab``, ... ``a9``, ``ba``, ... ``99``.

    Flyte's ``NewBase36PrefixShardSelector``. The one instance is shared.
    """
    return PrecomputedShardSelector(a + b for a in SHARD_ALPHABET for b in SHARD_ALPHABET)
