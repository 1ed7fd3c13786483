"""obstore's side of each scenario: ``S3Store`` on S3, ``LocalStore`` on local disk.

Run with the python of the obstore benchmark environment. Requests many at a
time go through the async functions under ``asyncio.gather`` with a bound;
large objects are streamed, never held whole in memory. Protobuf files are
parsed with flyteidl's generated classes.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named after the package it measures: import that, not this file.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import asyncio  # noqa: E402
import os  # noqa: E402
from collections.abc import Awaitable, Callable, Iterable  # noqa: E402
from typing import TypeVar  # noqa: E402

import obstore  # noqa: E402
from flyteidl.core import errors_pb2, literals_pb2  # noqa: E402
from obstore.store import LocalStore, S3Store  # noqa: E402

from workers._common import (  # noqa: E402
    ERROR_CODE,
    Params,
    Result,
    attempt_prefixes,
    check_tree,
    expected_counts,
    fresh_dir,
    main,
    measure,
    remove,
    require,
    split_s3,
)

T = TypeVar("T")
X = TypeVar("X")
#: Chunks of a streamed download.
CHUNK = 8 * 1024 * 1024


class Locations:
    """References as obstore sees them: one store per bucket (or the filesystem) and keys."""

    def __init__(self, params: Params) -> None:
        self.s3 = params["backend"] == "s3"
        if self.s3:
            s3 = params["s3"]
            self.store: S3Store | LocalStore = S3Store(
                s3["bucket"],
                endpoint=s3["endpoint_url"],
                access_key_id=s3["access_key_id"],
                secret_access_key=s3["secret_access_key"],
                region=s3["region"],
                client_options={"allow_http": True},
            )
        else:
            self.store = LocalStore(prefix="/")

    def key(self, ref: str) -> str:
        """The key of ``s3://bucket/key`` or of an absolute local path."""
        return split_s3(ref)[1] if self.s3 else ref.lstrip("/")


async def bounded(limit: int, items: Iterable[X], job: Callable[[X], Awaitable[T]]) -> list[T]:
    """``job(item)`` for every item under ``asyncio.gather``, at most ``limit`` at a time."""
    semaphore = asyncio.Semaphore(limit)

    async def one(item: X) -> T:
        async with semaphore:
            return await job(item)

    return list(await asyncio.gather(*(one(item) for item in items)))


async def exists(where: Locations, key: str) -> bool:
    """``head_async``: whether the object is there."""
    try:
        await obstore.head_async(where.store, key)
    except FileNotFoundError:
        return False
    return True


def status(params: Params) -> Result:
    """Both HEADs of an attempt at once, ``error.pb`` read where it is; attempts gathered."""
    where = Locations(params)
    prefixes = attempt_prefixes(params["base"], params["attempts"])
    expected = expected_counts(params["attempts"])

    async def one(prefix: str) -> str | None:
        error_key, outputs_key = where.key(f"{prefix}/error.pb"), where.key(f"{prefix}/outputs.pb")
        error, done = await asyncio.gather(exists(where, error_key), exists(where, outputs_key))
        if error:
            data = await (await obstore.get_async(where.store, error_key)).bytes_async()
            return str(errors_pb2.ErrorDocument.FromString(bytes(data)).error.code)
        return "done" if done else None

    def run(_: int) -> None:
        outcomes = asyncio.run(bounded(params["concurrency"], prefixes, one))
        succeeded = outcomes.count("done")
        failed = [outcome for outcome in outcomes if outcome not in (None, "done")]
        require(succeeded == expected["outputs"], f"succeeded {succeeded}, {expected}")
        require(len(failed) == expected["error"], f"failed {len(failed)}, {expected}")
        require(set(failed) <= {ERROR_CODE}, f"error codes {set(failed)}")

    return measure(run, params["repeats"])


def roundtrip(params: Params) -> Result:
    """``get`` and parse ``inputs.pb``; serialize the map and ``put`` it as ``outputs.pb``."""
    where = Locations(params)
    inputs_key = where.key(f"{params['inputs_prefix']}/inputs.pb")
    outputs_key = where.key(f"{params['outputs_prefix']}/outputs.pb")

    def run(_: int) -> None:
        data = obstore.get(where.store, inputs_key).bytes()
        inputs = literals_pb2.LiteralMap.FromString(bytes(data))
        require(len(inputs.literals) == params["literals"], f"{len(inputs.literals)} literals")
        obstore.put(where.store, outputs_key, inputs.SerializeToString())

    return measure(run, params["repeats"])


def files_put(params: Params) -> Result:
    """``put_async`` of each file (a folder's under a bound), a large one in streamed parts."""
    where = Locations(params)
    source, target = Path(params["source"]), where.key(params["target"])
    files = sorted(path for path in source.rglob("*") if path.is_file()) if params["folder"] else []

    async def upload(index: int) -> None:
        if not params["folder"]:
            await obstore.put_async(where.store, f"{target}/{index}", source)
            return

        async def one(path: Path) -> object:
            key = f"{target}/{index}/{path.relative_to(source).as_posix()}"
            return await obstore.put_async(where.store, key, path)

        await bounded(params["concurrency"], files, one)

    def after(index: int) -> None:  # the last upload stays for the harness to check
        if index < params["repeats"]:
            keys = [
                meta["path"]
                for batch in obstore.list(where.store, f"{target}/{index}/", chunk_size=1000)
                for meta in batch
            ]
            obstore.delete(where.store, keys)

    return measure(lambda index: asyncio.run(upload(index)), params["repeats"], after)


async def stream_to_file(where: Locations, key: str, local: Path) -> None:
    """``get_async`` of one object, written to ``local`` chunk by chunk."""
    result = await obstore.get_async(where.store, key)
    local.parent.mkdir(parents=True, exist_ok=True)
    with local.open("wb") as file:
        async for chunk in result.stream(min_chunk_size=CHUNK):
            file.write(chunk)


def files_get(params: Params) -> Result:
    """``get_async`` of each object (a prefix's listed, then under a bound), streamed to files."""
    where = Locations(params)
    scratch = fresh_dir(params["scratch"])
    source = where.key(params["source"])

    async def download(index: int) -> None:
        local = scratch / str(index)
        if not params["folder"]:
            await stream_to_file(where, source, local)
            return
        keys = [
            meta["path"]
            async for batch in obstore.list(where.store, f"{source}/", chunk_size=1000)
            for meta in batch
        ]

        async def one(key: str) -> None:
            await stream_to_file(where, key, local / os.path.relpath(key, source))

        await bounded(params["concurrency"], keys, one)

    def after(index: int) -> None:  # the last download stays for the harness to check
        check_tree(scratch / str(index), params["files"], params["bytes"], "download")
        if index < params["repeats"]:
            remove(scratch / str(index))

    return measure(lambda index: asyncio.run(download(index)), params["repeats"], after)


if __name__ == "__main__":
    main({"status": status, "roundtrip": roundtrip, "files_put": files_put, "files_get": files_get})
