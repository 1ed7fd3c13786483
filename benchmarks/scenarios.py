"""The scenarios: seed the data, run every contender's worker on it, check what came back.

Each scenario is a function ``(context) -> [Row]``: one row per backend (and
operation), holding one ``Figure`` per contender measured (or the reason it
was not). Contenders run one after another, never at once. This module runs
in the development environment: it seeds and checks with plugio from there,
while each contender's timed work runs in its own environment's worker.
"""

from __future__ import annotations

import asyncio
import filecmp
import os
import shutil
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from contenders import WORKERS, Env, WorkerFailed, child_environment, run_process, run_worker
from pydantic import SecretStr

from plugio import DataStore, ExecutionError, Limits, S3Options, StorageConfig
from plugio.core import LiteralMap
from plugio.literals import to_literal_map

MIB = 1024 * 1024
#: The error code of the seeded error documents (``workers/_common.py`` checks it).
ERROR_CODE = "BenchFailure"
STARTUP = WORKERS / "startup"


@dataclass(frozen=True)
class Sizes:
    """How big each scenario is and how often it runs; the defaults are the full run's."""

    attempts: int = 2000
    concurrency: int = 64
    small_payload: int = 1024
    large_payload: int = MIB
    values: int = 10_000
    files: int = 1000
    file_bytes: int = 4096
    large_file: int = 512 * MIB
    repeats: int = 7
    #: Repeats of the figures that take many seconds each: the one-by-one
    #: status checks and the large file.
    slow_repeats: int = 5


QUICK = Sizes(attempts=100, files=100, large_file=16 * MIB, repeats=3, slow_repeats=3)


@dataclass(frozen=True)
class S3Target:
    """The S3 server every contender talks to."""

    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    bucket: str
    region: str = "us-east-1"

    def params(self) -> dict[str, str]:
        return {
            "endpoint_url": self.endpoint_url,
            "access_key_id": self.access_key_id,
            "secret_access_key": self.secret_access_key,
            "bucket": self.bucket,
            "region": self.region,
        }

    def container_environment(self) -> dict[str, str]:
        """The settings a task container gets as environment variables, for plugio and flytekit."""
        return {
            "PLUGIO_S3__ENDPOINT_URL": self.endpoint_url,
            "PLUGIO_S3__ACCESS_KEY_ID": self.access_key_id,
            "PLUGIO_S3__SECRET_ACCESS_KEY": self.secret_access_key,
            "FLYTE_AWS_ENDPOINT": self.endpoint_url,
            "FLYTE_AWS_ACCESS_KEY_ID": self.access_key_id,
            "FLYTE_AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }


@dataclass
class Figure:
    """One contender's measurement in one row, or why there is none."""

    contender: str
    variant: str = ""
    median: float | None = None
    times: list[float] = field(default_factory=list)
    peak_rss: int | None = None
    moved: int | None = None  # bytes moved per run, for throughput
    client: str | None = None  # the library plugio's store used
    problem: str | None = None  # "n/a: why" or "FAILED"

    @property
    def label(self) -> str:
        return f"{self.contender} ({self.variant})" if self.variant else self.contender

    @property
    def throughput(self) -> float | None:
        """Bytes per second, for rows that move data."""
        if self.moved is None or not self.median:
            return None
        return self.moved / self.median


@dataclass(frozen=True)
class Target:
    """What plugio should reach in a row; ratios are peer time / plugio time."""

    text: str = ""
    vs_flytekit: float | None = None
    vs_best: float | None = None
    vs_obstore: float | None = None
    max_rss: int | None = None


@dataclass
class Row:
    """One scenario on one backend: every contender's figure."""

    scenario: str
    backend: str  # "s3", "local", or "-" when no storage is involved
    figures: list[Figure]
    target: Target = Target()
    moves_data: bool = False

    def best(self, contender: str) -> Figure | None:
        """The contender's fastest measured figure (of its variants), or None."""
        measured = [f for f in self.figures if f.contender == contender and f.median is not None]
        return min(measured, key=lambda figure: figure.median or 0.0) if measured else None

    def problem(self, contender: str) -> str:
        """Why the contender has no figure here."""
        for figure in self.figures:
            if figure.contender == contender and figure.problem:
                return figure.problem
        return "n/a"

    def ratio(self, peer: str) -> float | None:
        """Peer time / plugio time (above 1: plugio is faster)."""
        plugio, other = self.best("plugio"), self.best(peer)
        if plugio is None or other is None or not plugio.median or other.median is None:
            return None
        return other.median / plugio.median

    def best_peer(self) -> str | None:
        """The fastest peer measured in this row."""
        peers = [f for f in self.figures if f.contender != "plugio" and f.median is not None]
        return min(peers, key=lambda figure: figure.median or 0.0).contender if peers else None

    def met(self) -> str:
        """``yes``, ``no``, ``n/a`` (a figure it needs is missing) or ``""`` (no target)."""
        target = self.target
        if not target.text:
            return ""
        checks: list[bool | None] = []
        best = self.best_peer()
        for bound, ratio in (
            (target.vs_flytekit, self.ratio("flytekit")),
            (target.vs_obstore, self.ratio("obstore")),
            (target.vs_best, self.ratio(best) if best else None),
        ):
            if bound is not None:
                checks.append(None if ratio is None else ratio >= bound)
        if target.max_rss is not None:
            plugio = self.best("plugio")
            rss = plugio.peak_rss if plugio else None
            checks.append(None if rss is None else rss < target.max_rss)
        if None in checks:
            return "n/a"
        return "yes" if all(checks) else "no"


@dataclass
class Context:
    """Everything a scenario needs: environments, server, sizes, folders, a seeding store."""

    envs: dict[str, Env]
    s3: S3Target
    sizes: Sizes
    work: Path  # a scratch folder of this run's own
    run_id: str
    log: Callable[[str], None]
    backends: tuple[str, ...] = ("s3", "local")
    failures: list[str] = field(default_factory=list)
    store: DataStore = field(init=False)

    def __post_init__(self) -> None:
        self.store = DataStore(
            StorageConfig(
                s3=S3Options(
                    endpoint_url=self.s3.endpoint_url,
                    access_key_id=SecretStr(self.s3.access_key_id),
                    secret_access_key=SecretStr(self.s3.secret_access_key),
                ),
                limits=Limits(max_payload_bytes=None),
            )
        )

    def root(self, backend: str) -> str:
        """Where this run's objects go: a prefix in the bucket, or a local folder."""
        if backend == "s3":
            return f"s3://{self.s3.bucket}/bench-{self.run_id}"
        return str(self.work / "store")

    def scratch(self, name: str) -> Path:
        """A local folder for one worker."""
        return self.work / "scratch" / name

    def params(self, scenario: str, backend: str, repeats: int, **fields: Any) -> dict[str, Any]:
        return {
            "scenario": scenario,
            "backend": backend,
            "repeats": repeats,
            "s3": self.s3.params(),
            "concurrency": self.sizes.concurrency,
            **fields,
        }

    def measure(
        self, contender: str, params: dict[str, Any], variant: str = "", moved: int | None = None
    ) -> Figure:
        """Run a contender's worker; a figure, n/a when it has no environment, FAILED loudly."""
        env = self.envs[contender]
        figure = Figure(contender, variant, moved=moved)
        if env.python is None:
            figure.problem = f"n/a: {env.reason}"
            return figure
        self.log(f"  {params['scenario']} {params['backend']}: {figure.label} ...")
        scratch = self.scratch(f"{contender}-{params['scenario']}-{params['backend']}")
        try:
            result = run_worker(env, {"scratch": str(scratch), **params}, child_environment())
        except WorkerFailed as exc:
            return self.failed(figure, str(exc))
        figure.median, figure.times = result["median"], result["times"]
        figure.peak_rss, figure.client = result.get("peak_rss"), result.get("client")
        return figure

    def failed(self, figure: Figure, message: str) -> Figure:
        """Record a contender's failure: on stderr now, in the table, and in the exit status."""
        self.log(f"FAILED: {message}")
        self.failures.append(message.splitlines()[0])
        figure.problem = "FAILED"
        figure.median = None
        return figure

    def check(self, figure: Figure, check: Callable[[], None]) -> Figure:
        """Run ``check`` on what the contender left; a failed check fails the figure."""
        if figure.median is None:
            return figure
        try:
            check()
        except (AssertionError, OSError) as exc:
            return self.failed(figure, f"{figure.label}: wrong result: {exc!r}")
        return figure


def time_processes(
    ctx: Context, contender: str, argv_tail: list[str], environ: dict[str, str], what: str
) -> Figure:
    """Median wall time of a new process ``python ARGV_TAIL``, after one warm-up."""
    env = ctx.envs[contender]
    figure = Figure(contender)
    if env.python is None:
        figure.problem = f"n/a: {env.reason}"
        return figure
    ctx.log(f"  {what}: {contender} ...")
    argv = [env.python, *argv_tail]
    try:
        run_process(argv, environ, f"{contender} {what}")
        figure.times = [
            run_process(argv, environ, f"{contender} {what}") for _ in range(ctx.sizes.repeats)
        ]
    except WorkerFailed as exc:
        return ctx.failed(figure, str(exc))
    figure.median = statistics.median(figure.times)
    return figure


# -- startup ------------------------------------------------------------------------


def startup(ctx: Context) -> list[Row]:
    """A task container's start: a new process imports the library (and reads ``inputs.pb``)."""
    target = Target(">= 10x flytekit", vs_flytekit=10)
    environ = child_environment(ctx.s3.container_environment())
    rows = [
        Row(
            "startup (import)",
            "-",
            [
                time_processes(ctx, name, ["-c", f"import {name}"], environ, "import")
                for name in ("plugio", "flytekit")
            ],
            target,
        )
    ]
    inputs = to_literal_map({"n": 3, "ratio": 0.5, "name": "sample", "enabled": True})
    for backend in ctx.backends:
        prefix = f"{ctx.root(backend)}/startup/inputs"
        ctx.store.write_protobuf(f"{prefix}/inputs.pb", inputs)
        count = str(len(inputs.literals))
        sandbox = ctx.scratch(f"flytekit-startup-{backend}")
        sandbox.mkdir(parents=True, exist_ok=True)
        raw = f"{ctx.root(backend)}/startup/raw"
        what = f"startup {backend}"
        plugio = time_processes(
            ctx, "plugio", [str(STARTUP / "plugio_inputs.py"), prefix, count], environ, what
        )
        flytekit_argv = [str(STARTUP / "flytekit_inputs.py"), prefix, count, str(sandbox), raw]
        flytekit = time_processes(ctx, "flytekit", flytekit_argv, environ, what)
        rows.append(Row("startup (read inputs)", backend, [plugio, flytekit], target))
    return rows


# -- status_2000 --------------------------------------------------------------------


def seed_attempts(ctx: Context, base: str, count: int) -> None:
    """A third of the attempts succeeded (``outputs.pb``), a third failed (``error.pb``)."""
    outputs = to_literal_map({"result": 1})
    failure = ExecutionError(ERROR_CODE, "the benchmark's seeded failure").to_error_document()

    async def write_all() -> None:
        semaphore = asyncio.Semaphore(64)

        async def one(index: int) -> None:
            async with semaphore:
                prefix = f"{base}/attempt-{index}"
                if index % 3 == 0:
                    await ctx.store.write_protobuf_async(f"{prefix}/outputs.pb", outputs)
                elif index % 3 == 1:
                    await ctx.store.write_protobuf_async(f"{prefix}/error.pb", failure)

        await asyncio.gather(*(one(index) for index in range(count)))

    asyncio.run(write_all())


def status(ctx: Context) -> list[Row]:
    """An engine's question for many attempts: done, failed (and why), or nothing yet."""
    sizes = ctx.sizes
    rows = []
    for backend in ctx.backends:
        base = f"{ctx.root(backend)}/status"
        ctx.log(f"seeding {sizes.attempts} attempts on {backend} ...")
        seed_attempts(ctx, base, sizes.attempts)
        fields: dict[str, Any] = {"base": base, "attempts": sizes.attempts}
        fast = ctx.params("status", backend, sizes.repeats, **fields)
        slow = ctx.params("status", backend, sizes.slow_repeats, **fields)
        figures = [
            ctx.measure("plugio", fast),
            ctx.measure("flytekit", slow, "one by one"),
            ctx.measure("s3fs", {**slow, "variant": "serial"}, "one by one"),
        ]
        if backend == "s3":  # fsspec's local filesystem has no async API
            figures.append(ctx.measure("s3fs", {**fast, "variant": "gather"}, "gather"))
        figures.append(ctx.measure("obstore", fast, "gather"))
        target = (
            Target(">= 20x flytekit, >= 0.67x obstore", vs_flytekit=20, vs_obstore=0.67)
            if backend == "s3"
            else Target()
        )
        rows.append(Row(f"status_{sizes.attempts}", backend, figures, target))
    return rows


# -- roundtrip_1k / roundtrip_1m ----------------------------------------------------


def payload(size: int) -> LiteralMap:
    """A LiteralMap of about ``size`` bytes: a few scalars, and a string or a list of strings."""
    scalars: dict[str, Any] = {"count": 3, "ratio": 0.25, "enabled": True}
    if size <= 64 * 1024:
        base = to_literal_map({**scalars, "label": ""}).ByteSize()
        return to_literal_map({**scalars, "label": "x" * max(size - base, 0)})
    word = "w" * 32
    per_word = to_literal_map({"words": [word, word]}).ByteSize() // 2
    return to_literal_map({**scalars, "words": [word] * (size // per_word)})


def roundtrip(ctx: Context, name: str, size: int) -> list[Row]:
    """Read ``inputs.pb`` and write the same map as ``outputs.pb``, as a task container does."""
    inputs = payload(size)
    rows = []
    for backend in ctx.backends:
        base = f"{ctx.root(backend)}/{name}"
        ctx.store.write_protobuf(f"{base}/inputs/inputs.pb", inputs)
        figures = []
        for contender in ("plugio", "flytekit", "s3fs", "obstore"):
            outputs = f"{base}/{contender}"
            params = ctx.params(
                "roundtrip",
                backend,
                ctx.sizes.repeats,
                inputs_prefix=f"{base}/inputs",
                outputs_prefix=outputs,
                raw_prefix=f"{base}/{contender}-raw",
                literals=len(inputs.literals),
                scratch=str(ctx.scratch(f"{contender}-{name}-{backend}")),
            )
            figure = ctx.measure(contender, params)

            def same(outputs: str = outputs) -> None:
                back = ctx.store.read_protobuf(f"{outputs}/outputs.pb", LiteralMap, limit=None)
                assert back == inputs, "outputs.pb differs from inputs.pb"

            figures.append(ctx.check(figure, same))
        rows.append(Row(name, backend, figures, Target("> flytekit", vs_flytekit=1.0)))
    return rows


# -- files_1000x4k / file_512m ------------------------------------------------------


def make_folder(folder: Path, files: int, size: int) -> None:
    """``files`` files of ``size`` random bytes, in two levels of folders."""
    for index in range(files):
        path = folder / f"part-{index % 10}" / f"file-{index:05d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size))


def make_file(path: Path, size: int) -> None:
    """One file of ``size`` random bytes, written in chunks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        left = size
        while left:
            chunk = min(left, 8 * MIB)
            file.write(os.urandom(chunk))
            left -= chunk


def stored_stats(ctx: Context, ref: str) -> tuple[int, int]:
    """How many objects (or local files) are at or under ``ref``, and their total size."""
    if not ref.startswith("s3://"):
        path = Path(ref)
        if path.is_file():
            return 1, path.stat().st_size
        sizes = [item.stat().st_size for item in path.rglob("*") if item.is_file()]
        return len(sizes), sum(sizes)
    info = ctx.store.head(ref)
    if info.exists:
        return 1, info.size or 0
    found = [item for page in ctx.store.list(f"{ref}/") for item in page]
    return len(found), sum(item.size or 0 for item in found)


def same_tree(source: Path, copy: Path) -> None:
    """Fail unless ``copy`` holds exactly the files of ``source``, byte for byte."""
    if source.is_file():
        assert filecmp.cmp(source, copy, shallow=False), f"{copy} differs from {source}"
        return
    names = sorted(p.relative_to(source) for p in source.rglob("*") if p.is_file())
    copied = sorted(p.relative_to(copy) for p in copy.rglob("*") if p.is_file())
    assert names == copied, f"{copy}: {len(copied)} files, expected {len(names)}"
    for name in names:
        assert filecmp.cmp(source / name, copy / name, shallow=False), f"{name} differs"


def remove_stored(ctx: Context, ref: str) -> None:
    if ref.startswith("s3://"):
        ctx.store.delete(ref, recursive=True)
    elif os.path.isdir(ref):
        shutil.rmtree(ref)
    elif os.path.exists(ref):
        os.remove(ref)


def transfers(ctx: Context, name: str, source: Path, files: int, size: int) -> list[Row]:
    """Upload ``source`` (a file or folder) and download a stored copy, on every backend."""
    folder = source.is_dir()
    target = Target(">= fastest peer", vs_best=1.0)
    if not folder:
        target = Target(">= fastest peer, RSS < 256 MiB", vs_best=1.0, max_rss=256 * MIB)
    common = {"folder": folder, "files": files, "bytes": size}
    repeats = ctx.sizes.repeats if folder else ctx.sizes.slow_repeats
    rows = []
    for backend in ctx.backends:
        base = f"{ctx.root(backend)}/{name}"
        seed = f"{base}/seed"
        ctx.log(f"seeding {name} on {backend} ...")
        if backend == "s3":
            ctx.store.put(source, seed)
        elif folder:
            shutil.copytree(source, seed)
        else:
            Path(base).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, seed)
        assert stored_stats(ctx, seed) == (files, size), "the seed copy is incomplete"
        puts, gets = [], []
        for contender in ("plugio", "flytekit", "s3fs", "obstore"):
            scratch = ctx.scratch(f"{contender}-{name}-{backend}")
            put_target = f"{base}/{contender}-put"
            params = ctx.params(
                "files_put",
                backend,
                repeats,
                source=str(source),
                target=put_target,
                scratch=str(scratch),
                **common,
            )
            figure = ctx.measure(contender, params, moved=size)

            def uploaded(put_target: str = put_target) -> None:
                found = stored_stats(ctx, f"{put_target}/{repeats}")
                assert found == (files, size), f"uploaded {found}, expected {(files, size)}"

            puts.append(ctx.check(figure, uploaded))
            remove_stored(ctx, put_target)
            params = {**params, "scenario": "files_get", "source": seed}
            figure = ctx.measure(contender, params, moved=size)
            gets.append(ctx.check(figure, partial(same_tree, source, scratch / str(repeats))))
            shutil.rmtree(scratch, ignore_errors=True)
        rows.append(Row(f"{name} put", backend, puts, target, moves_data=True))
        rows.append(Row(f"{name} get", backend, gets, target, moves_data=True))
        remove_stored(ctx, base)
    return rows


def files_many(ctx: Context) -> list[Row]:
    """A folder of many small files, up and down."""
    sizes = ctx.sizes
    name = f"files_{sizes.files}x{sizes.file_bytes // 1024}k"
    source = ctx.work / "data" / name
    make_folder(source, sizes.files, sizes.file_bytes)
    try:
        return transfers(ctx, name, source, sizes.files, sizes.files * sizes.file_bytes)
    finally:
        shutil.rmtree(source, ignore_errors=True)


def file_large(ctx: Context) -> list[Row]:
    """One large file, up and down, each direction in a fresh worker process."""
    size = ctx.sizes.large_file
    name = f"file_{size // MIB}m"
    source = ctx.work / "data" / f"{name}.bin"
    ctx.log(f"writing {size // MIB} MiB of random bytes ...")
    make_file(source, size)
    try:
        return transfers(ctx, name, source, 1, size)
    finally:
        source.unlink(missing_ok=True)


# -- values_10k -----------------------------------------------------------------------


def values(ctx: Context) -> list[Row]:
    """Python values to literals and back: a dict of str to int, a list of str."""
    count = ctx.sizes.values
    params = ctx.params("values", "-", ctx.sizes.repeats, count=count)
    figures = [ctx.measure(name, params) for name in ("plugio", "flytekit")]
    return [Row(f"values_{count // 1000}k", "-", figures, Target(">= 5x flytekit", vs_flytekit=5))]


#: Every scenario by the name ``--only`` takes, in the order the table shows them.
SCENARIOS: dict[str, Callable[[Context], list[Row]]] = {
    "startup": startup,
    "status_2000": status,
    "roundtrip_1k": lambda ctx: roundtrip(ctx, "roundtrip_1k", ctx.sizes.small_payload),
    "roundtrip_1m": lambda ctx: roundtrip(ctx, "roundtrip_1m", ctx.sizes.large_payload),
    "files_1000x4k": files_many,
    "file_512m": file_large,
    "values_10k": values,
}
