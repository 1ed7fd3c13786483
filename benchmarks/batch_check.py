"""Engine status check of many attempts on a real S3 server: batch against one by one.

Starts SeaweedFS on 127.0.0.1, seeds N output prefixes (a third succeeded, a
third failed, a third not started), then times:

- ``check_attempts_async`` with bounded concurrency;
- the same questions asked one prefix after another with the sync reader
  (``is_error()`` then ``exists()``), as an engine loop without batching would.

    python benchmarks/batch_check.py [N] [CONCURRENCY]
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import servers

servers.configure_client_environment()

from pydantic import SecretStr  # noqa: E402

from plugio import (  # noqa: E402
    DataStore,
    ExecutionError,
    ReadOnlyOutputPaths,
    RemoteFileOutputReader,
    S3Options,
    StorageConfig,
    check_attempts_async,
)
from plugio.core import LiteralMap  # noqa: E402


def seed(store: DataStore, prefixes: list[str]) -> None:
    failure = ExecutionError("USER:Boom", "boom").to_error_document()

    async def write_all() -> None:
        jobs: list[Coroutine[Any, Any, None]] = []
        for index, prefix in enumerate(prefixes):
            if index % 3 == 0:
                jobs.append(store.write_protobuf_async(f"{prefix}/outputs.pb", LiteralMap()))
            elif index % 3 == 1:
                jobs.append(store.write_protobuf_async(f"{prefix}/error.pb", failure))
        semaphore = asyncio.Semaphore(64)

        async def bounded(job: Coroutine[Any, Any, None]) -> None:
            async with semaphore:
                await job

        await asyncio.gather(*(bounded(job) for job in jobs))

    asyncio.run(write_all())


def one_by_one(store: DataStore, prefixes: list[str]) -> int:
    done = 0
    for prefix in prefixes:
        reader = RemoteFileOutputReader(store, ReadOnlyOutputPaths(store, prefix))
        if not reader.is_error() and reader.exists():
            done += 1
    return done


def main(count: int, concurrency: int) -> None:
    with servers.seaweedfs_server() as s3:
        config = StorageConfig(
            s3=S3Options(
                endpoint_url=s3.endpoint_url,
                access_key_id=SecretStr(s3.access_key_id),
                secret_access_key=SecretStr(s3.secret_access_key),
            )
        )
        store = DataStore(config)
        prefixes = [f"s3://{s3.bucket}/bench/attempt-{index}" for index in range(count)]
        seed(store, prefixes)
        asyncio.run(check_attempts_async(store, prefixes[:50]))  # warm the connection pool

        started = time.perf_counter()
        statuses = asyncio.run(check_attempts_async(store, prefixes, concurrency=concurrency))
        batch = time.perf_counter() - started

        started = time.perf_counter()
        succeeded = one_by_one(store, prefixes)
        serial = time.perf_counter() - started

        batch_done = sum(status.state.value == "succeeded" for status in statuses)
        assert batch_done == succeeded, (batch_done, succeeded)
        print(f"prefixes: {count}, concurrency: {concurrency}, succeeded: {succeeded}")
        print(f"batch check:  {batch:7.2f} s  {count / batch:8.0f} prefixes/s")
        print(f"one by one:   {serial:7.2f} s  {count / serial:8.0f} prefixes/s")
        print(f"ratio:        {serial / batch:7.1f}x")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 1000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 64,
    )
