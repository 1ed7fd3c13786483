"""A store's clients: one backend per protocol, made on first use, never shared with a fork."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from plugio.errors import InvalidReferenceError
from plugio.storage import _fork
from plugio.storage._keys import local_key, locate, protocol_of
from plugio.storage._model import ObjectInfo, ProgressCallback
from plugio.storage._operations import Steps, drive, drive_async
from plugio.storage._protocols import canonical_protocol
from plugio.storage._redact import config_secrets, option_secrets, protect
from plugio.storage._retry import retrying, retrying_sync

if TYPE_CHECKING:
    from plugio.config import StorageConfig
    from plugio.storage._backend import Backend
    from plugio.storage._compose import Part, Piece
    from plugio.storage._transfer import Download, Transfer, Upload

__all__ = ["Clients"]

T = TypeVar("T")


class Clients:
    """The backends of one store, and the credentials to keep out of its errors.

    Safe to share between threads. In a child after ``fork()``, the parent's
    backends are set aside untouched (see ``_fork``) and new ones are made.

    Args:
        config: the store's settings.
        storage_options: extra client options per protocol.
    """

    def __init__(self, config: StorageConfig, storage_options: dict[str, dict[str, Any]]) -> None:
        self._config = config
        self._options = {canonical_protocol(k): dict(v) for k, v in storage_options.items()}
        self._lock = threading.Lock()
        self._forks = _fork.forks
        self._backends: dict[str, Backend] = {}
        self.secrets: set[str] = set(config_secrets(config))
        if self.secrets:
            protect(self.secrets)

    def resolve(self, ref: str, *, folder: bool = False) -> tuple[Backend, str]:
        """The backend and key of ``ref``, by the one key rule."""
        local = local_key(ref)  # a bare absolute path: the common case, parsed at once
        if local is not None:
            return self.backend("file"), local + "/" if folder and local != "/" else local
        protocol = protocol_of(ref)
        backend = self.backend(protocol)
        key = locate(ref, protocol)[1] if backend.keyed_by_url else backend.key_of(ref)
        if folder and not key.endswith("/"):
            key += "/"  # a folder: list its contents, not its siblings sharing the name
        return backend, key

    def resolve_range(self, ref: str, start: int, end: int) -> tuple[Backend, str]:
        """:meth:`resolve` for bytes ``[start, end)`` to read; ``ValueError`` for an empty range."""
        if not 0 <= start < end:
            raise ValueError(f"{ref}: a byte range needs 0 <= start < end, not {start}, {end}")
        return self.resolve(ref)

    def backends_of(self, refs: Iterable[str]) -> list[Backend]:
        """The distinct backends serving ``refs`` (each scheme is looked up once)."""
        one_per_scheme = {ref.partition("://")[0] if "://" in ref else "": ref for ref in refs}
        found = {id(b): b for b in (self.backend(protocol_of(r)) for r in one_per_scheme.values())}
        return list(found.values())

    def resolve_pair(self, source_ref: str, target_ref: str) -> tuple[Backend, str, str]:
        """The backend and keys of a copy, which stays within one backend."""
        backend, key = self.resolve(source_ref)
        target_backend, target = self.resolve(target_ref)
        if target_backend is not backend:
            raise InvalidReferenceError(
                f"cannot copy {source_ref} to {target_ref}: copies stay within one protocol",
                target_ref,
            )
        return backend, key, target

    def run(self, backend: Backend, ref: str, operation: str, steps: Callable[[], Steps[T]]) -> T:
        """Run a fresh ``steps()`` per attempt through the blocking face, retried.

        Attempts on local disk and in memory are not bounded in time: no
        network to wait on, and nothing could cancel a system call.
        """
        return retrying_sync(
            self._config.retry,
            ref,
            operation,
            self.secrets,
            lambda: drive(backend, steps()),
            bounded=not backend.prefers_blocking,
        )

    async def run_async(
        self, backend: Backend, ref: str, operation: str, steps: Callable[[], Steps[T]]
    ) -> T:
        """Run a fresh ``steps()`` per attempt through the async face, retried."""
        return await retrying(
            self._config.retry,
            ref,
            operation,
            self.secrets,
            lambda: drive_async(backend, steps()),
        )

    def compose_plan(
        self, target_ref: str, pieces: Sequence[Piece]
    ) -> tuple[Backend, str, list[Part]]:
        """The backend, target key and parts of a compose, all in one store.

        Raises:
            ValueError: pieces no store takes.
            NotImplementedError: the store cannot compose.
            InvalidReferenceError: a stored piece is in another store.
        """
        from plugio.storage._compose import check_pieces

        check_pieces(pieces, target_ref)
        backend, key = self.resolve(target_ref)
        if not backend.composes:
            raise NotImplementedError(f"{target_ref}: this store cannot compose objects")
        parts = [
            (piece.source, piece.start, piece.end, True)
            if piece.local
            else (self.resolve_pair(piece.source, target_ref)[1], piece.start, piece.end, False)
            for piece in pieces
        ]
        return backend, key, parts

    def upload_plan(
        self, local_path: str | os.PathLike[str], ref: str, progress: ProgressCallback | None
    ) -> tuple[Transfer, list[Upload]]:
        """How to upload a local file, or a folder's files, to ``ref``."""
        from plugio.storage._transfer import plan_upload

        _, key = self.resolve(ref)
        return self.transfer(ref, progress), plan_upload(os.fspath(local_path), ref, key)

    def download_plan(
        self, ref: str, local_path: str, info: ObjectInfo, found: list[ObjectInfo]
    ) -> list[Download]:
        """How to download the object ``ref`` (``info``), or the objects ``found`` under it."""
        from plugio.storage._transfer import plan_get

        return plan_get(lambda listed: self.resolve(listed)[1], ref, local_path, info, found)

    def transfer(self, ref: str, progress: ProgressCallback | None) -> Transfer:
        """The settings of a bulk transfer to or from ``ref``."""
        from plugio.storage._transfer import Transfer

        settings = self._config.transfer
        return Transfer(
            self.backend(protocol_of(ref)),
            self._config.retry,
            self.secrets,
            settings.concurrency,
            settings.chunk_size,
            progress,
        )

    def backend(self, protocol: str) -> Backend:
        """The backend of ``protocol`` (a canonical name), made on first use."""
        if _fork.forks != self._forks:
            self._forget_parent_clients()
        backend = self._backends.get(protocol)
        if backend is not None:
            return backend
        from plugio.storage._registry import create_backend

        with self._lock:
            if protocol not in self._backends:
                backend, used = create_backend(
                    protocol, self._config, self._options.get(protocol, {})
                )
                found = set(option_secrets(used))
                protect(found)  # and the SDKs' own credential variables
                self.secrets.update(found)
                self._backends[protocol] = backend
            return self._backends[protocol]

    def _forget_parent_clients(self) -> None:
        """In a forked child: set the parent's clients aside, untouched, and make new ones.

        (The fork handler in ``_fork`` has already made their event loops and
        finalizers harmless here.)
        """
        with self._lock:
            if _fork.forks != self._forks:
                _fork.keep_inherited(self._backends)
                self._backends = {}
                self._lock = threading.Lock()
                self._forks = _fork.forks
