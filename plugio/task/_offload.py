"""Large literals: written to objects of their own, and read back on demand.

An output literal too large to travel inside ``outputs.pb`` is stored as its
own protobuf ``Literal`` and replaced in the map by offloaded metadata (its
URI, serialized size and inferred type), as Flyte's SDK does:

- offloading is off unless enabled (Flyte's SDK turns it on when
  ``_F_L_MIN_SIZE_MB`` is set, see :meth:`OffloadPolicy.from_env`);
- a literal whose serialized size is at least ``min_bytes`` (10 MiB) is
  offloaded; one of at least ``max_bytes`` (1000 MiB) is refused;
- the object is ``<output prefix>/<name>_offloaded_metadata.pb``, beside
  ``outputs.pb``;
- the replacement keeps the literal's ``hash``, or gets Flyte's SDK hash:
  base64 of the SHA-256 of the literal's JSON form with sorted keys, so caches
  keyed on it still hit (Flyte's engine, offloading on its side, hashes the
  protobuf bytes instead; neither recomputes a hash that is set).

:func:`resolve_offloaded` fetches every offloaded literal in a map, also
inside collections, maps and unions, and inside what it fetched.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass

from google.protobuf import json_format

from plugio._twins import run_blocking
from plugio.core import Literal, LiteralMap, LiteralOffloadedMetadata, LiteralType
from plugio.errors import (
    CorruptPayloadError,
    InvalidReferenceError,
    LiteralTooLargeError,
)
from plugio.references import join
from plugio.storage import DataStore, bounded_gather

__all__ = [
    "MIB",
    "OffloadPolicy",
    "literal_hash",
    "offload_literals",
    "offload_literals_async",
    "offloaded_literal_ref",
    "resolve_offloaded",
    "resolve_offloaded_async",
]

MIB = 1024 * 1024
"""A mebibyte: Flyte's offloading sizes are whole MiB."""
_MAX_DEPTH = 16  # offloaded literals inside offloaded literals; deeper is a cycle


@dataclass(frozen=True)
class OffloadPolicy:
    """When literals are offloaded.

    Attributes:
        enabled: Offload at all; off by default, as in Flyte.
        min_bytes: Offload a literal whose serialized size is at least this.
        max_bytes: Refuse a literal whose serialized size is at least this.
    """

    enabled: bool = False
    min_bytes: int = 10 * MIB
    max_bytes: int = 1000 * MIB

    def __post_init__(self) -> None:
        if not 0 <= self.min_bytes <= self.max_bytes:
            raise ValueError(
                f"need 0 <= min_bytes <= max_bytes, got {self.min_bytes} and {self.max_bytes}"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> OffloadPolicy:
        """The policy Flyte's engine asks of a task through its environment.

        Enabled when ``_F_L_MIN_SIZE_MB`` is set; sizes are whole MiB from it
        and ``_F_L_MAX_SIZE_MB`` (default 1000).

        Raises:
            ValueError: A size is not an integer.
        """
        if "_F_L_MIN_SIZE_MB" not in environ:
            return cls()
        minimum = int(environ["_F_L_MIN_SIZE_MB"] or "10")
        maximum = int(environ.get("_F_L_MAX_SIZE_MB") or "1000")
        return cls(enabled=True, min_bytes=minimum * MIB, max_bytes=maximum * MIB)


def offloaded_literal_ref(output_prefix: str, name: str) -> str:
    """Where the literal of ``name`` goes: ``<output_prefix>/<name>_offloaded_metadata.pb``."""
    return join(output_prefix, f"{name}_offloaded_metadata.pb")


def offload_literals(
    store: DataStore,
    literal_map: LiteralMap,
    output_prefix: str,
    policy: OffloadPolicy,
    *,
    inferred_types: Mapping[str, LiteralType] | None = None,
    max_concurrency: int | None = None,
) -> LiteralMap:
    """A copy of ``literal_map`` with its large literals offloaded; the input is untouched.

    Every literal is checked before anything is written, so a refused one
    leaves no objects behind. Writes run concurrently, at most
    ``max_concurrency`` at a time (the store's transfer concurrency by default).

    Args:
        store: Where to write.
        literal_map: The outputs.
        output_prefix: The attempt's output prefix (Flyte's SDK puts the objects there).
        policy: The thresholds; a disabled policy returns a plain copy.
        inferred_types: Each variable's declared type, recorded as the offloaded
            literal's ``inferred_type`` (Flyte's engine type-checks with it).
            A variable missing here is offloaded without one.
        max_concurrency: Most writes in flight.

    Raises:
        LiteralTooLargeError: A literal is at least ``policy.max_bytes``.
        StorageError: A write failed.
        InvalidReferenceError: A variable name cannot be part of a reference.
    """
    return run_blocking(
        offload_literals_async(
            store,
            literal_map,
            output_prefix,
            policy,
            inferred_types=inferred_types,
            max_concurrency=max_concurrency,
        )
    )


async def offload_literals_async(
    store: DataStore,
    literal_map: LiteralMap,
    output_prefix: str,
    policy: OffloadPolicy,
    *,
    inferred_types: Mapping[str, LiteralType] | None = None,
    max_concurrency: int | None = None,
) -> LiteralMap:
    """Async twin of :func:`offload_literals`."""
    result = LiteralMap()
    result.CopyFrom(literal_map)
    if not policy.enabled:
        return result
    chosen = _choose(result, output_prefix, policy)
    writes = [_write_job(store, ref, result.literals[name]) for name, ref in chosen.items()]
    await bounded_gather(writes, max_concurrency or store.transfer_concurrency)
    for name, ref in chosen.items():
        _replace_with_metadata(result.literals[name], ref, (inferred_types or {}).get(name))
    return result


def resolve_offloaded(
    store: DataStore,
    literal_map: LiteralMap,
    *,
    max_payload_bytes: int | None = None,
    max_concurrency: int | None = None,
) -> LiteralMap:
    """A copy of ``literal_map`` with every offloaded literal replaced by its content.

    Offloaded literals are found at the top, inside collections, maps and
    unions, and inside fetched content; fetches run concurrently, at most
    ``max_concurrency`` at a time (the store's transfer concurrency by default).

    Args:
        store: Where to read.
        literal_map: A map that may hold offloaded literals; it is not changed.
        max_payload_bytes: Largest offloaded object read; ``None`` is unlimited.
        max_concurrency: Most reads in flight.

    Raises:
        NotFoundError: An offloaded object is missing (the error names its URI).
        CorruptPayloadError: An object is not a ``Literal``, holds no value, or
            offloaded literals nest more than 16 deep (a cycle).
        PayloadTooLargeError: An object is over ``max_payload_bytes``.
        InvalidReferenceError: An offloaded literal has an empty or invalid URI.
    """
    return run_blocking(
        resolve_offloaded_async(
            store, literal_map, max_payload_bytes=max_payload_bytes, max_concurrency=max_concurrency
        )
    )


async def resolve_offloaded_async(
    store: DataStore,
    literal_map: LiteralMap,
    *,
    max_payload_bytes: int | None = None,
    max_concurrency: int | None = None,
) -> LiteralMap:
    """Async twin of :func:`resolve_offloaded`."""
    result = LiteralMap()
    result.CopyFrom(literal_map)
    limit = max_concurrency or store.transfer_concurrency
    for depth in range(_MAX_DEPTH + 1):
        pending = [lit for top in result.literals.values() for lit in _offloaded_in(top)]
        if not pending:
            break
        if depth == _MAX_DEPTH:
            ref = pending[0].offloaded_metadata.uri
            raise CorruptPayloadError(f"{ref}: offloaded literals nest over {_MAX_DEPTH} deep", ref)
        await bounded_gather([_fetch_job(store, lit, max_payload_bytes) for lit in pending], limit)
    return result


def _write_job(store: DataStore, ref: str, literal: Literal) -> Callable[[], Awaitable[None]]:
    return lambda: store.write_protobuf_async(ref, literal)


def _fetch_job(
    store: DataStore, literal: Literal, max_payload_bytes: int | None
) -> Callable[[], Awaitable[None]]:
    """Replace the offloaded ``literal`` (in place) by the literal stored at its URI."""

    async def fetch() -> None:
        uri = literal.offloaded_metadata.uri
        content = await store.read_protobuf_async(uri, Literal, limit=max_payload_bytes)
        if content.WhichOneof("value") is None:
            raise CorruptPayloadError(f"{uri}: the offloaded literal holds no value", uri)
        literal.CopyFrom(content)

    return fetch


def _choose(literal_map: LiteralMap, output_prefix: str, policy: OffloadPolicy) -> dict[str, str]:
    """The variables to offload and where, refusing any at or over the maximum."""
    chosen: dict[str, str] = {}
    for name in sorted(literal_map.literals):
        literal = literal_map.literals[name]
        size = literal.ByteSize()
        if size >= policy.max_bytes:
            ref = offloaded_literal_ref(output_prefix, name)
            raise LiteralTooLargeError(name, size, policy.max_bytes, ref)
        if size >= policy.min_bytes and not literal.HasField("offloaded_metadata"):
            chosen[name] = offloaded_literal_ref(output_prefix, name)
    return chosen


def _replace_with_metadata(literal: Literal, ref: str, inferred_type: LiteralType | None) -> None:
    """Turn ``literal`` (in place) into offloaded metadata pointing at ``ref``.

    ``metadata`` stays, as Flyte's engine keeps it when it offloads.
    """
    size = literal.ByteSize()
    digest = literal.hash or literal_hash(literal)
    metadata = LiteralOffloadedMetadata(uri=ref, size_bytes=size)
    if inferred_type is not None:
        metadata.inferred_type.CopyFrom(inferred_type)
    literal.offloaded_metadata.CopyFrom(metadata)  # clears the value oneof
    literal.hash = digest


def literal_hash(literal: Literal) -> str:
    """Flyte's SDK hash of a literal: base64 SHA-256 of its sorted, compact JSON form."""
    text = json.dumps(json_format.MessageToDict(literal), sort_keys=True, separators=(",", ":"))
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _offloaded_in(literal: Literal) -> Iterator[Literal]:
    """The offloaded literals in ``literal`` (itself included), as mutable messages."""
    kind = literal.WhichOneof("value")
    if kind == "offloaded_metadata":
        if not literal.offloaded_metadata.uri:
            raise InvalidReferenceError("an offloaded literal has an empty uri", "")
        yield literal
    elif kind == "collection":
        for item in literal.collection.literals:
            yield from _offloaded_in(item)
    elif kind == "map":
        for item in literal.map.literals.values():
            yield from _offloaded_in(item)
    elif kind == "scalar" and literal.scalar.WhichOneof("value") == "union":
        yield from _offloaded_in(literal.scalar.union.value)
