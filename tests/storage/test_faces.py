"""Blocking reads without the event loop: fsspec's answers, the async path's errors,
and a task container's start-up that loads neither pydantic, fsspec nor asyncio."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import fsspec.core
import pytest
import servers
from fsspec.implementations.local import LocalFileSystem
from hypothesis import given
from hypothesis import strategies as st
from rig import Rig

from plugio.core import Literal, LiteralMap, Primitive, Scalar
from plugio.errors import PlugioError
from plugio.storage import DataStore
from plugio.storage._protocols import split_protocol, strip_local_path

PATHS = st.lists(
    st.sampled_from(["a", "b.pb", "..", ".", "", "~", "file:", "local:", "x y", "%2e"]), max_size=5
).map("/".join)


@given(st.sampled_from(["", "/", "./", "~/", "file://", "file:", "local://"]), PATHS)
def test_local_paths_are_fsspecs(prefix: str, path: str) -> None:
    assert strip_local_path(prefix + path) == LocalFileSystem._strip_protocol(prefix + path)


@given(st.sampled_from(["", "s3://", "c://", "data:", "gs://b/", "memory://", "x:"]), PATHS)
def test_protocols_are_fsspecs(prefix: str, path: str) -> None:
    assert split_protocol(prefix + path) == tuple(fsspec.core.split_protocol(prefix + path))


def outcome(read: Callable[[], bytes]) -> tuple[object, ...]:
    """What a read gave: its bytes, or its error class, path, size and limit.

    Not the whole message: a server's text carries request ids and timings.
    """
    try:
        return "ok", read().hex(), None, None
    except PlugioError as exc:
        facts = (getattr(exc, name, None) for name in ("ref", "size", "limit"))
        return (type(exc).__name__, *facts)


@pytest.mark.parametrize("rig", ["local", "s3"], indirect=True)
@pytest.mark.parametrize(
    ("size", "limit"), [(None, 4), (0, 4), (0, None), (4, 4), (5, 4), (5, None), (3, 0)]
)
def test_direct_reads_answer_as_the_event_loop_path(
    rig: Rig, size: int | None, limit: int | None
) -> None:
    ref = rig.ref("object.bin")
    if size is not None:
        rig.store.write_bytes(ref, b"x" * size)

    def read_async() -> bytes:
        return asyncio.run(rig.store.read_bytes_async(ref, limit=limit))

    assert native_blocking(rig.store, ref)
    assert outcome(lambda: rig.store.read_bytes(ref, limit=limit)) == outcome(read_async)


@pytest.mark.parametrize("rig", ["local", "s3"], indirect=True)
@pytest.mark.parametrize("if_absent", [False, True])
def test_direct_writes_answer_as_the_event_loop_path(rig: Rig, if_absent: bool) -> None:
    direct, looped = rig.ref("direct.bin"), rig.ref("looped.bin")
    for ref in (direct, looped):
        rig.store.write_bytes(ref, b"first")

    def write_async() -> bytes:
        asyncio.run(rig.store.write_bytes_async(looped, b"second", if_absent=if_absent))
        return rig.store.read_bytes(looped)

    def write() -> bytes:
        rig.store.write_bytes(direct, b"second", if_absent=if_absent)
        return rig.store.read_bytes(direct)

    assert native_blocking(rig.store, direct)
    answers = outcome(write), outcome(write_async)
    assert answers[0][:1] + answers[0][2:] == answers[1][:1] + answers[1][2:]
    assert answers[0][0] == ("AlreadyExistsError" if if_absent else "ok")
    assert rig.store.read_bytes(direct) == (b"first" if if_absent else b"second")
    rig.store.write_bytes(rig.ref("new", "deep.bin"), b"n", if_absent=True)
    assert rig.store.read_bytes(rig.ref("new", "deep.bin")) == b"n"


def test_direct_local_writes_leave_no_temporary_file(tmp_path: Path) -> None:
    store = DataStore()
    store.write_bytes(str(tmp_path / "a.pb"), b"x")
    with pytest.raises(PlugioError):
        store.write_bytes(str(tmp_path / "a.pb"), b"y", if_absent=True)
    assert sorted(os.listdir(tmp_path)) == ["a.pb"]
    assert (tmp_path / "a.pb").read_bytes() == b"x"


@pytest.mark.parametrize("rig", ["local", "s3"], indirect=True)
def test_direct_reads_refuse_keys_that_climb_out(rig: Rig) -> None:
    base = rig.ref("a")
    assert outcome(lambda: rig.store.read_bytes(base + "/../b")) == outcome(
        lambda: asyncio.run(rig.store.read_bytes_async(base + "/../b"))
    )


def test_a_folder_fails_as_on_the_event_loop_path(tmp_path: Path) -> None:
    store = DataStore()
    assert outcome(lambda: store.read_bytes(str(tmp_path))) == outcome(
        lambda: asyncio.run(store.read_bytes_async(str(tmp_path)))
    )


#: Reads inputs.pb as a task container does, then reports what it imported.
STARTUP = """
import json, sys
from plugio import DataStore
from plugio.paths import InputPaths
from plugio.readers import RemoteFileInputReader
store = DataStore()
inputs = RemoteFileInputReader(store, InputPaths(store, sys.argv[1])).get()
heavy = ("pydantic", "fsspec", "asyncio", "concurrent.futures", "aiobotocore", "logging")
loaded = [name for name in heavy if name in sys.modules]
print(json.dumps({"inputs": sorted(inputs.literals), "loaded": loaded}))
"""


def start_task(prefix: str, environment: dict[str, str]) -> dict[str, list[str]]:
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("PLUGIO_")}
    done = subprocess.run(
        [sys.executable, "-c", STARTUP, prefix],
        env={**clean, **environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answer: dict[str, list[str]] = json.loads(done.stdout)
    return answer


def inputs_message() -> LiteralMap:
    return LiteralMap(literals={"n": Literal(scalar=Scalar(primitive=Primitive(integer=3)))})


def test_reading_local_inputs_loads_no_event_loop_and_no_config_models(tmp_path: Path) -> None:
    DataStore().write_protobuf(str(tmp_path / "inputs.pb"), inputs_message())
    answer = start_task(str(tmp_path), {"PLUGIO_INPUT_DIR": "not a setting"})
    assert answer == {"inputs": ["n"], "loaded": []}


def test_reading_s3_inputs_through_obstore_loads_no_event_loop(
    s3_server: servers.S3Server, stores: Callable[[str], Rig]
) -> None:
    rig = stores("s3")
    rig.store.write_protobuf(rig.ref("inputs.pb"), inputs_message())
    environment = {
        "PLUGIO_S3__ENDPOINT_URL": s3_server.endpoint_url,
        "PLUGIO_S3__ACCESS_KEY_ID": s3_server.access_key_id,
        "PLUGIO_S3__SECRET_ACCESS_KEY": s3_server.secret_access_key,
    }
    assert start_task(rig.base, environment) == {"inputs": ["n"], "loaded": []}
    # Any other setting is read the same way, with nothing more loaded.
    answer = start_task(rig.base, {**environment, "PLUGIO_RETRY__MAX_ATTEMPTS": "2"})
    assert answer == {"inputs": ["n"], "loaded": []}


def test_blocking_and_async_s3_calls_share_one_set_of_clients(stores: Callable[[str], Rig]) -> None:
    from plugio.storage._obstore import ObstoreBackend

    rig = stores("s3")
    ref = rig.ref("shared.bin")
    rig.store.write_bytes(ref, b"x")
    assert asyncio.run(rig.store.read_bytes_async(ref)) == b"x"
    backend, _ = rig.store._clients.resolve(ref)
    assert isinstance(backend, ObstoreBackend)
    assert list(backend._stores) == [ref.split("/")[2]]  # one client per bucket, both faces


def native_blocking(store: DataStore, ref: str) -> bool:
    """Whether the blocking face of ``ref``'s backend calls its client directly."""
    backend, _ = store._clients.resolve(ref)
    return type(backend).__name__ in ("LocalBackend", "ObstoreBackend")


@pytest.mark.parametrize("rig", ["s3", "s3fs", "gcs", "azure"], indirect=True)
def test_async_calls_await_their_requests_on_the_callers_loop(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No thread hop behind an async call on obstore or fsspec's async clients.

    (An SDK may still use a worker thread for its own reasons: aiohttp looks
    up proxy settings in one, for Azure's client.)
    """

    ref = rig.ref("on-my-loop.bin")
    rig.store.write_bytes(ref, b"mine")
    rig.store.read_bytes(ref)  # the store's clients exist now

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("an async storage call left the caller's event loop")

    async def calls() -> tuple[bytes, bool, list[str]]:
        await rig.store.read_bytes_async(ref)  # binds a client to this loop, if it needs one
        monkeypatch.setattr(asyncio, "run_coroutine_threadsafe", refuse)
        await rig.store.write_bytes_async(ref, b"again")
        data = await rig.store.read_bytes_async(ref)
        exists = await rig.store.exists_async(ref)
        listed = [info.ref async for page in rig.store.list_async(rig.base + "/") for info in page]
        monkeypatch.undo()
        return data, exists, listed

    for _ in range(2):  # a second loop gets a client of its own, closed with the loop
        assert asyncio.run(calls()) == (b"again", True, [ref])


LOCAL_PATHS = st.lists(
    st.sampled_from(["a", "b c", "..", ".", "", "~", "%41", "é", "x\ty", " s", "#?", "a/"]),
    max_size=5,
).map(lambda parts: "/" + "/".join(parts))


@given(LOCAL_PATHS)
def test_the_fast_local_key_is_the_key_rules(ref: str) -> None:
    from plugio.storage._keys import local_key, locate

    key = local_key(ref)
    if key is not None:  # None: the reference takes the full parse
        assert locate(ref)[1] == key
