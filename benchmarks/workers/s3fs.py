"""Plain fsspec's side of each scenario: s3fs on S3, ``LocalFileSystem`` on local disk.

Run with the python of the s3fs benchmark environment. Protobuf files are
parsed with flyteidl's generated classes, as a user of s3fs alone would.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named after the package it measures: import that, not this file.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import asyncio  # noqa: E402
from typing import Any  # noqa: E402

import fsspec  # noqa: E402
import s3fs  # noqa: E402
from flyteidl.core import errors_pb2, literals_pb2  # noqa: E402

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
)


def make_fs(params: Params, asynchronous: bool = False) -> Any:
    """s3fs for the S3 endpoint and keys (no listings cache), or the local filesystem."""
    if params["backend"] != "s3":
        return fsspec.filesystem("file", auto_mkdir=True)
    s3 = params["s3"]
    return s3fs.S3FileSystem(
        key=s3["access_key_id"],
        secret=s3["secret_access_key"],
        endpoint_url=s3["endpoint_url"],
        asynchronous=asynchronous,
        skip_instance_cache=True,
        use_listings_cache=False,
    )


def error_code(data: bytes) -> str:
    """The code in an ``ErrorDocument``."""
    return str(errors_pb2.ErrorDocument.FromString(data).error.code)


def check_status(outcomes: list[str | None], expected: dict[str, int]) -> None:
    """Each outcome is an error code, ``"done"`` or None (nothing yet)."""
    succeeded = outcomes.count("done")
    failed = [outcome for outcome in outcomes if outcome not in (None, "done")]
    require(succeeded == expected["outputs"], f"succeeded {succeeded}, {expected}")
    require(len(failed) == expected["error"], f"failed {len(failed)}, {expected}")
    require(set(failed) <= {ERROR_CODE}, f"error codes {set(failed)}")


def status(params: Params) -> Result:
    """``exists`` of ``error.pb`` and ``outputs.pb`` and a read of ``error.pb`` where it is.

    ``serial``: one attempt after another with the sync API. ``gather``: the
    async API, both HEADs of an attempt at once, attempts under
    ``asyncio.gather`` with at most ``concurrency`` in flight.
    """
    prefixes = attempt_prefixes(params["base"], params["attempts"])
    expected = expected_counts(params["attempts"])
    if params["variant"] == "gather":
        return gathered(params, prefixes, expected)
    fs = make_fs(params)

    def one(prefix: str) -> str | None:
        error, done = fs.exists(f"{prefix}/error.pb"), fs.exists(f"{prefix}/outputs.pb")
        if error:
            return error_code(fs.cat_file(f"{prefix}/error.pb"))
        return "done" if done else None

    return measure(
        lambda _: check_status([one(prefix) for prefix in prefixes], expected), params["repeats"]
    )


def gathered(params: Params, prefixes: list[str], expected: dict[str, int]) -> Result:
    """The async API on one event loop and one session, kept across runs as a service would."""
    loop = asyncio.new_event_loop()
    fs = make_fs(params, asynchronous=True)
    session = loop.run_until_complete(fs.set_session())
    semaphore = asyncio.Semaphore(params["concurrency"])

    async def one(prefix: str) -> str | None:
        async with semaphore:
            error, done = await asyncio.gather(
                fs._exists(f"{prefix}/error.pb"), fs._exists(f"{prefix}/outputs.pb")
            )
            if error:
                return error_code(await fs._cat_file(f"{prefix}/error.pb"))
            return "done" if done else None

    async def every() -> list[str | None]:
        return list(await asyncio.gather(*(one(prefix) for prefix in prefixes)))

    try:
        return measure(
            lambda _: check_status(loop.run_until_complete(every()), expected), params["repeats"]
        )
    finally:
        loop.run_until_complete(session.close())
        loop.close()


def roundtrip(params: Params) -> Result:
    """``cat_file`` and parse ``inputs.pb``; ``pipe_file`` the map back as ``outputs.pb``."""
    fs = make_fs(params)

    def run(_: int) -> None:
        inputs = literals_pb2.LiteralMap.FromString(
            fs.cat_file(f"{params['inputs_prefix']}/inputs.pb")
        )
        require(len(inputs.literals) == params["literals"], f"{len(inputs.literals)} literals")
        fs.pipe_file(f"{params['outputs_prefix']}/outputs.pb", inputs.SerializeToString())

    return measure(run, params["repeats"])


def files_put(params: Params) -> Result:
    """``put`` of a local file, or of a folder with ``recursive=True``, to a new prefix each run."""
    fs = make_fs(params)
    source, target = params["source"], params["target"]

    def run(index: int) -> None:
        if params["folder"]:
            fs.put(f"{source}/", f"{target}/{index}/", recursive=True)
        else:
            fs.put_file(source, f"{target}/{index}")

    def after(index: int) -> None:  # the last upload stays for the harness to check
        if index < params["repeats"]:
            fs.rm(f"{target}/{index}", recursive=True)

    return measure(run, params["repeats"], after)


def files_get(params: Params) -> Result:
    """``get`` of a stored file, or a folder (``recursive=True``), to a new local path each run."""
    fs = make_fs(params)
    scratch = fresh_dir(params["scratch"])
    source = params["source"]

    def run(index: int) -> None:
        if params["folder"]:
            fs.get(f"{source}/", f"{scratch / str(index)}/", recursive=True)
        else:
            fs.get_file(source, str(scratch / str(index)))

    def after(index: int) -> None:  # the last download stays for the harness to check
        check_tree(scratch / str(index), params["files"], params["bytes"], "download")
        if index < params["repeats"]:
            remove(scratch / str(index))

    return measure(run, params["repeats"], after)


if __name__ == "__main__":
    main({"status": status, "roundtrip": roundtrip, "files_put": files_put, "files_get": files_get})
