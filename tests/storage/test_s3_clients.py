"""``s3://`` through obstore or s3fs: which one serves, and large transfers on both.

The behaviour common to every backend is pinned by the rig tests (``s3`` is
obstore, ``s3fs`` is s3fs); these cover what differs: choosing the client,
multipart uploads with progress, forks.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Literal

import pytest
import servers
from conftest import s3_config

from plugio.config import S3Options, StorageConfig
from plugio.errors import ConfigurationError, MissingDependencyError
from plugio.storage import DataStore, _protocols

MIB = 1024 * 1024
Client = Literal["obstore", "s3fs"]


def client_of(store: DataStore) -> str:
    backend = store._clients.backend("s3")
    return "obstore" if type(backend).__name__ == "ObstoreBackend" else "s3fs"


def test_auto_uses_obstore_when_installed(s3_server: servers.S3Server) -> None:
    assert client_of(DataStore(s3_config(s3_server))) == "obstore"


def test_auto_keeps_s3fs_when_s3fs_options_are_given(s3_server: servers.S3Server) -> None:
    config = s3_config(s3_server).model_copy(
        update={"protocol_options": {"s3": {"default_block_size": 5 * MIB}}}
    )
    assert client_of(DataStore(config)) == "s3fs"
    assert client_of(DataStore(s3_config(s3_server), storage_options={"s3": {"anon": False}})) == (
        "s3fs"
    )


def test_auto_keeps_s3fs_for_a_named_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "team")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    assert client_of(DataStore(StorageConfig())) == "s3fs"
    keyed = StorageConfig(s3=S3Options(access_key_id="id", secret_access_key="secret"))  # type: ignore[arg-type]
    assert client_of(DataStore(keyed)) == "obstore"


def test_s3fs_when_asked(s3_server: servers.S3Server) -> None:
    assert client_of(DataStore(s3_config(s3_server, client="s3fs"))) == "s3fs"


def test_obstore_refuses_s3fs_options(s3_server: servers.S3Server) -> None:
    config = s3_config(s3_server, client="obstore").model_copy(
        update={"protocol_options": {"s3": {"use_ssl": False}}}
    )
    with pytest.raises(ConfigurationError, match="s3fs arguments"):
        DataStore(config).exists(f"s3://{s3_server.bucket}/k")


def test_obstore_missing_names_the_extra(
    s3_server: servers.S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = _protocols.installed
    monkeypatch.setattr(
        _protocols, "installed", lambda module: module != "obstore" and real(module)
    )
    with pytest.raises(MissingDependencyError, match="obstore"):
        DataStore(s3_config(s3_server, client="obstore")).exists(f"s3://{s3_server.bucket}/k")
    assert client_of(DataStore(s3_config(s3_server))) == "s3fs"  # auto falls back


@pytest.mark.parametrize("client", ["obstore", "s3fs"])
def test_multipart_file_round_trip_with_progress(
    s3_server: servers.S3Server, tmp_path: Path, client: Client
) -> None:
    config = s3_config(s3_server, client=client).model_copy(
        update={"transfer": StorageConfig().transfer.model_copy(update={"chunk_size": 5 * MIB})}
    )
    store = DataStore(config)
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(12 * MIB + 123))
    ref = f"s3://{s3_server.bucket}/multipart-{client}/big.bin"
    seen: list[tuple[int, int]] = []
    store.put(source, ref, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (source.stat().st_size, source.stat().st_size)
    assert len(seen) >= 3  # one update per part at least
    assert store.head(ref).size == source.stat().st_size
    back = tmp_path / "back.bin"
    store.get(ref, back)
    assert back.read_bytes() == source.read_bytes()
    store.delete(ref)


def test_obstore_stream_writer_aborts_a_multipart_upload(s3_server: servers.S3Server) -> None:
    store = DataStore(s3_config(s3_server, client="obstore"))
    ref = f"s3://{s3_server.bucket}/abort-multipart/kept.bin"
    store.write_bytes(ref, b"original")

    def die_after_two_parts() -> None:
        with store.open(ref, "wb", block_size=5 * MIB) as handle:
            handle.write(os.urandom(11 * MIB))
            raise RuntimeError("died")

    with pytest.raises(RuntimeError, match="died"):
        die_after_two_parts()
    assert store.read_bytes(ref) == b"original"
    with store.open(ref, "wb", block_size=5 * MIB) as handle:
        handle.write(b"n" * (11 * MIB))
    assert store.head(ref).size == 11 * MIB
    store.delete(ref)


def _forked_read(config: StorageConfig, ref: str, queue: multiprocessing.Queue[str]) -> None:
    try:
        queue.put(DataStore(config).read_bytes(ref).decode())
    except Exception as exc:  # reported to the parent
        queue.put(f"{type(exc).__name__}: {exc}")


@pytest.mark.filterwarnings("ignore:.*use of fork\\(\\) may lead to deadlocks:DeprecationWarning")
def test_a_fork_after_obstore_ran_gets_s3fs_or_a_clear_error(
    s3_server: servers.S3Server,
) -> None:
    ref = f"s3://{s3_server.bucket}/forked/obstore.txt"
    store = DataStore(s3_config(s3_server))
    store.write_bytes(ref, b"parent")  # obstore's runtime now runs in this process
    context = multiprocessing.get_context("fork")
    answers = {}
    for client in ("auto", "obstore"):
        queue: multiprocessing.Queue[str] = context.Queue()
        process = context.Process(
            target=_forked_read, args=(s3_config(s3_server, client=client), ref, queue)
        )
        process.start()
        answers[client] = queue.get(timeout=60)
        process.join(60)
    assert answers["auto"] == "parent"
    assert answers["obstore"].startswith("ConfigurationError")
    assert "fork" in answers["obstore"]
    assert "s3fs" in answers["obstore"]
