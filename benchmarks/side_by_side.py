"""Side-by-side scenarios: plugio and its peers, on the same server and data.

Each scenario is a function ``(bench, sizes) -> {contender: seconds}``: the
median wall time (``time.perf_counter``) of ``sizes.repeats`` timed runs per
contender, after one untimed warm-up run. ``"plugio"`` comes first; a peer
whose package cannot be imported maps to ``None`` (shown as "n/a").

``benchmarks/run.py`` runs them against a SeaweedFS server of its own, and
``tests/test_benchmarks_smoke.py`` runs them at a tiny size against the test
session's server. Import this module after
``servers.configure_client_environment()``.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from plugio import (
    DataStore,
    ExecutionError,
    S3Options,
    StorageConfig,
    check_attempts_async,
)
from plugio.core import LiteralMap
from plugio.literals import from_literal, to_literal, to_literal_map

#: Contender name -> median seconds, or None when the peer is not installed.
Results = dict[str, float | None]


@dataclass(frozen=True)
class Sizes:
    """How big each scenario is; the defaults are the full run's."""

    attempts: int = 2000
    concurrency: int = 64
    small_payload: int = 1024
    large_payload: int = 1024 * 1024
    values: int = 10_000
    files: int = 1000
    file_bytes: int = 4096
    repeats: int = 5


@dataclass
class Bench:
    """One S3 server as plugio and as plain s3fs see it, and a fresh prefix on it."""

    store: DataStore
    fs: Any  # s3fs.S3FileSystem, configured as a user of s3fs alone would
    root: str  # s3://bucket/bench-<random>, the scenarios write below it

    @classmethod
    def connect(
        cls, endpoint_url: str, access_key_id: str, secret_access_key: str, bucket: str
    ) -> Bench:
        import s3fs

        store = DataStore(
            StorageConfig(
                s3=S3Options(
                    endpoint_url=endpoint_url,
                    access_key_id=SecretStr(access_key_id),
                    secret_access_key=SecretStr(secret_access_key),
                )
            )
        )
        fs = s3fs.S3FileSystem(
            key=access_key_id,
            secret=secret_access_key,
            endpoint_url=endpoint_url,
            skip_instance_cache=True,
            use_listings_cache=False,
        )
        return cls(store=store, fs=fs, root=f"s3://{bucket}/bench-{uuid.uuid4().hex[:12]}")

    def prefix(self, name: str) -> str:
        """A new prefix under the root, unique to this call."""
        return f"{self.root}/{name}-{uuid.uuid4().hex[:8]}"

    def s3fs_run(self, make: Callable[[], Coroutine[Any, Any, object]]) -> object:
        """Run a coroutine of s3fs's async methods on s3fs's own I/O loop."""
        from fsspec.asyn import sync

        async def call() -> object:
            return await make()

        return sync(self.fs.loop, call)

    def cleanup(self) -> None:
        """Delete everything the scenarios wrote."""
        self.store.delete(self.root, recursive=True)


def median_seconds(run: Callable[[int], object], repeats: int) -> float:
    """Median wall time of ``run(1..repeats)`` after an untimed ``run(0)``."""
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    run(0)
    times: list[float] = []
    for index in range(1, repeats + 1):
        started = time.perf_counter()
        run(index)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def optional_module(name: str) -> Any:
    """The module ``name``, or None when it is not installed here."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# -- status_2000 ----------------------------------------------------------------


def seed_attempts(bench: Bench, count: int) -> list[str]:
    """``count`` attempt prefixes: a third succeeded, a third failed, a third not started."""
    base = bench.prefix("status")
    prefixes = [f"{base}/attempt-{index}" for index in range(count)]
    failure = ExecutionError("USER:Boom", "boom").to_error_document()

    async def write_all() -> None:
        semaphore = asyncio.Semaphore(64)

        async def one(index: int, prefix: str) -> None:
            async with semaphore:
                if index % 3 == 0:
                    await bench.store.write_protobuf_async(f"{prefix}/outputs.pb", LiteralMap())
                elif index % 3 == 1:
                    await bench.store.write_protobuf_async(f"{prefix}/error.pb", failure)

        await asyncio.gather(*(one(index, prefix) for index, prefix in enumerate(prefixes)))

    asyncio.run(write_all())
    return prefixes


def status_2000(bench: Bench, sizes: Sizes) -> Results:
    """Is each attempt done or failed: HEAD of ``outputs.pb`` and ``error.pb``.

    plugio: ``check_attempts_async`` (which also reads each ``error.pb`` it
    finds). s3fs: ``_info`` of both objects, one after the other and one
    attempt after another; and both at once per attempt, attempts under
    ``asyncio.gather`` with plugio's concurrency.
    """
    prefixes = seed_attempts(bench, sizes.attempts)
    expected = (sizes.attempts + 2) // 3  # indexes 0, 3, 6, ...: outputs only

    def plugio_run(_: int) -> None:
        statuses = asyncio.run(
            check_attempts_async(bench.store, prefixes, concurrency=sizes.concurrency)
        )
        done = sum(status.state.value == "succeeded" for status in statuses)
        assert done == expected, (done, expected)

    async def exists(path: str) -> bool:
        try:
            await bench.fs._info(path)
        except FileNotFoundError:
            return False
        return True

    async def s3fs_one(prefix: str) -> bool:
        failed = await exists(f"{prefix}/error.pb")
        done = await exists(f"{prefix}/outputs.pb")
        return done and not failed

    async def s3fs_both(prefix: str) -> bool:
        failed, done = await asyncio.gather(
            exists(f"{prefix}/error.pb"), exists(f"{prefix}/outputs.pb")
        )
        return done and not failed

    def check(done: object) -> None:
        assert done == expected, (done, expected)

    async def serial() -> int:
        return sum([await s3fs_one(prefix) for prefix in prefixes])

    async def gathered() -> int:
        semaphore = asyncio.Semaphore(sizes.concurrency)

        async def bounded(prefix: str) -> bool:
            async with semaphore:
                return await s3fs_both(prefix)

        return sum(await asyncio.gather(*(bounded(prefix) for prefix in prefixes)))

    return {
        "plugio": median_seconds(plugio_run, sizes.repeats),
        "s3fs (one by one)": median_seconds(lambda _: check(bench.s3fs_run(serial)), sizes.repeats),
        "s3fs (gather)": median_seconds(lambda _: check(bench.s3fs_run(gathered)), sizes.repeats),
    }


# -- roundtrip_1k / roundtrip_1m ---------------------------------------------------


def payload(size: int) -> LiteralMap:
    """A LiteralMap whose encoding is about ``size`` bytes."""
    return to_literal_map({"text": "x" * size, "count": size})


def roundtrip(bench: Bench, size: int, repeats: int) -> Results:
    """Write ``outputs.pb`` holding a LiteralMap of about ``size`` bytes and read it back."""
    message = payload(size)
    ref = f"{bench.prefix('roundtrip')}/outputs.pb"

    def plugio_run(_: int) -> None:
        bench.store.write_protobuf(ref, message)
        back = bench.store.read_protobuf(ref, LiteralMap)
        assert back.ByteSize() == message.ByteSize()

    def s3fs_run(_: int) -> None:
        bench.fs.pipe(ref, message.SerializeToString(deterministic=True))
        back = LiteralMap.FromString(bench.fs.cat(ref))
        assert back.ByteSize() == message.ByteSize()

    results: Results = {
        "plugio": median_seconds(plugio_run, repeats),
        "s3fs": median_seconds(s3fs_run, repeats),
    }
    assert bench.store.read_protobuf(ref, LiteralMap) == message
    return results


def roundtrip_1k(bench: Bench, sizes: Sizes) -> Results:
    """``write_protobuf``/``read_protobuf`` against s3fs ``pipe``/``cat`` and a parse, ~1 KiB."""
    return roundtrip(bench, sizes.small_payload, sizes.repeats)


def roundtrip_1m(bench: Bench, sizes: Sizes) -> Results:
    """The same with a ~1 MiB LiteralMap."""
    return roundtrip(bench, sizes.large_payload, sizes.repeats)


# -- values_10k -----------------------------------------------------------------


def values_10k(bench: Bench, sizes: Sizes) -> Results:
    """Python values to literals and back: a dict of ints and a list of strings.

    No storage is involved. flytekit's ``TypeEngine`` is the peer, measured
    when flytekit can be imported.
    """
    numbers = {f"key-{index}": index for index in range(sizes.values)}
    words = [f"word-{index}" for index in range(sizes.values)]

    def plugio_run(_: int) -> None:
        assert from_literal(to_literal(numbers)) == numbers
        assert from_literal(to_literal(words)) == words

    results: Results = {"plugio": median_seconds(plugio_run, sizes.repeats), "flytekit": None}
    type_engine = optional_module("flytekit.core.type_engine")
    context = optional_module("flytekit.core.context_manager")
    if type_engine is not None and context is not None:
        engine = type_engine.TypeEngine
        ctx = context.FlyteContextManager.current_context()

        def convert(value: object, python_type: object) -> object:
            literal_type = engine.to_literal_type(python_type)
            literal = engine.to_literal(ctx, value, python_type, literal_type)
            return engine.to_python_value(ctx, literal, python_type)

        def flytekit_run(_: int) -> None:
            assert convert(numbers, dict[str, int]) == numbers
            assert convert(words, list[str]) == words

        results["flytekit"] = median_seconds(flytekit_run, sizes.repeats)
    return results


# -- files_1000x4k ----------------------------------------------------------------


def files_1000x4k(bench: Bench, sizes: Sizes) -> Results:
    """Upload a folder of small files and download it again.

    plugio: ``DataStore.put`` then ``get``. s3fs: ``put`` then ``get``,
    recursive. Every run writes to a new remote prefix and a new local folder.
    """
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch, "source")
        source.mkdir()
        for index in range(sizes.files):
            (source / f"file-{index:05d}.bin").write_bytes(os.urandom(sizes.file_bytes))

        def fresh(name: str, index: int) -> tuple[str, Path]:
            target = Path(scratch, f"{name}-{index}")
            shutil.rmtree(target, ignore_errors=True)
            return bench.prefix(f"files-{name}"), target

        def count(folder: Path) -> int:
            return sum(1 for path in folder.rglob("*") if path.is_file())

        def plugio_run(index: int) -> None:
            remote, target = fresh("plugio", index)
            bench.store.put(source, remote)
            bench.store.get(remote, target)
            assert count(target) == sizes.files, count(target)

        def s3fs_run(index: int) -> None:
            remote, target = fresh("s3fs", index)
            bench.fs.put(f"{source}/", f"{remote}/", recursive=True)
            bench.fs.get(f"{remote}/", f"{target}/", recursive=True)
            assert count(target) == sizes.files, count(target)

        return {
            "plugio": median_seconds(plugio_run, sizes.repeats),
            "s3fs": median_seconds(s3fs_run, sizes.repeats),
        }


#: Every scenario, in the order the table shows them.
SCENARIOS: dict[str, Callable[[Bench, Sizes], Results]] = {
    "status_2000": status_2000,
    "roundtrip_1k": roundtrip_1k,
    "roundtrip_1m": roundtrip_1m,
    "values_10k": values_10k,
    "files_1000x4k": files_1000x4k,
}
