"""Backend hooks: one class per storage client, each with a blocking and an async face.

A backend implements the hooks natively on whichever side its client offers
and gets the other side from :meth:`Backend.call` / :meth:`Backend.call_async`:

- blocking clients (local disk, memory, fsspec's sync filesystems) implement
  the plain hooks; their async face runs them in a worker thread (memory,
  which never blocks, runs them inline);
- fsspec's async clients (s3fs, gcsfs, adlfs) implement the ``_async`` hooks;
  their blocking face drives them on fsspec's I/O loop;
- obstore implements both, natively: no event loop behind a blocking call,
  no thread behind an async one.

The hooks, each taking the backend's key (see ``_keys``):

=================================  ==========================================
``info(key)``                      metadata dict; ``FileNotFoundError`` when missing
``read(key, start, end)``          bytes ``[start, end)``; whole object for None, None
``write(key, data, if_absent)``    the whole object, atomically
``delete(key, recursive)``         an object, or everything under ``key/``
``find(key_prefix)``               metadata of every object whose key starts so
``copy(key, target_key)``          inside the store
``download(key, local, progress)`` one object to a local file
``upload(local, key, progress, chunk_size)``  one local file
``compose(key, parts)``            one object from ranges (where ``composes``)
=================================  ==========================================
"""

from __future__ import annotations

import contextvars
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from typing import Any, ClassVar, TypeVar

__all__ = ["ATTEMPT_DEADLINE", "Backend", "BlockingBackend", "Info"]

T = TypeVar("T")
Info = dict[str, Any]

#: When the current blocking attempt must end (``time.monotonic()``), set by
#: the retry loop; backends that can bound a blocking call read it.
ATTEMPT_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "plugio_attempt_deadline", default=None
)


class Backend(ABC):
    """One storage client's hooks, both faces.

    Attributes:
        protocol: the canonical protocol served.
        prefers_blocking: batches are fastest one by one through the blocking
            face (no network round trips to overlap).
        keyed_by_url: keys follow the one key rule of ``_keys`` (else fsspec's).
        composes: the ``compose`` hook is there (see ``_compose``).
    """

    protocol: str
    prefers_blocking: ClassVar[bool] = False
    keyed_by_url: ClassVar[bool] = True
    composes: bool = False

    @abstractmethod
    def call(self, hook: str, *args: Any) -> Any:
        """Run ``hook`` through the blocking face."""

    @abstractmethod
    async def call_async(self, hook: str, *args: Any) -> Any:
        """Run ``hook`` through the async face."""

    @abstractmethod
    def run(self, batch: Coroutine[Any, Any, T]) -> T:
        """Run an async batch of this backend's calls to completion from blocking code."""

    def key_of(self, ref: str) -> str:
        """The key of ``ref`` when the backend does not follow the URL key rule."""
        raise NotImplementedError

    def reference_of(self, prefix_ref: str, key: str) -> str:
        """The reference of ``key`` when the backend does not follow the URL key rule."""
        raise NotImplementedError

    def open(self, key: str, mode: str, block_size: int) -> Any:
        """A streaming file object (``rb`` or ``wb``); writers publish on close."""
        raise NotImplementedError

    @property
    def filesystem(self) -> Any:
        """The fsspec filesystem that serves this protocol, for what plugio does not wrap."""
        raise NotImplementedError

    def sweep(self, key_prefix: str) -> None:
        """Abort the multipart uploads under ``key_prefix`` that a killed process left.

        Only uploads started more than ``_keys.STALE_AFTER`` ago count; stores
        without multipart uploads have nothing to sweep.
        """
        return

    async def sweep_async(self, key_prefix: str) -> None:
        """Async twin of :meth:`sweep`."""
        return


class BlockingBackend(Backend):
    """A client with blocking calls; its async face runs them in a worker thread."""

    prefers_blocking = True

    def call(self, hook: str, *args: Any) -> Any:
        return getattr(self, hook)(*args)

    async def call_async(self, hook: str, *args: Any) -> Any:
        import asyncio

        return await asyncio.to_thread(getattr(self, hook), *args)

    def run(self, batch: Coroutine[Any, Any, T]) -> T:
        from plugio._twins import run_blocking

        return run_blocking(batch)
