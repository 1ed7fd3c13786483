"""plugio's side of each scenario, run with the python of plugio's benchmark environment.

plugio is configured as a user would: typed settings for the S3 endpoint and
credentials, everything else (the S3 client included) left at its default.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named after the package it measures: import that, not this file.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from pydantic import SecretStr  # noqa: E402

from plugio import (  # noqa: E402
    AttemptState,
    DataStore,
    InMemoryOutputReader,
    InputPaths,
    RemoteFileInputReader,
    RemoteFileOutputPaths,
    RemoteFileOutputWriter,
    S3Options,
    StorageConfig,
    check_attempts,
)
from plugio.literals import from_literal, to_literal  # noqa: E402
from workers._common import (  # noqa: E402
    ERROR_CODE,
    Params,
    Result,
    check_tree,
    expected_counts,
    fresh_dir,
    main,
    measure,
    remove,
    require,
)


def make_store(params: Params) -> DataStore:
    """A store for the scenario's backend: S3 settings from the parameters, else defaults."""
    if params["backend"] != "s3":
        return DataStore()
    s3 = params["s3"]
    return DataStore(
        StorageConfig(
            s3=S3Options(
                endpoint_url=s3["endpoint_url"],
                access_key_id=SecretStr(s3["access_key_id"]),
                secret_access_key=SecretStr(s3["secret_access_key"]),
            )
        )
    )


def client_of(store: DataStore, ref: str) -> str:
    """Which library serves ``ref`` in this store (``obstore``, ``s3fs``, ``fsspec``...)."""
    classes = type(store.filesystem(ref)).__mro__
    if any(cls.__module__.startswith("obstore") for cls in classes):
        return "obstore"
    return type(store.filesystem(ref)).__module__.split(".")[0]


def status(params: Params) -> Result:
    """``check_attempts`` over every seeded attempt prefix, as ``plugio status`` runs it.

    The blocking call: one by one in this thread where the store prefers
    blocking calls (local disk), the async batch on the client's loop otherwise.
    """
    store = make_store(params)
    base, count = params["base"], params["attempts"]
    prefixes = [f"{base}/attempt-{index}" for index in range(count)]
    expected = expected_counts(count)

    def run(_: int) -> None:
        statuses = check_attempts(store, prefixes, concurrency=params["concurrency"])
        succeeded = sum(status.state is AttemptState.SUCCEEDED for status in statuses)
        failed = [status for status in statuses if status.state is AttemptState.FAILED]
        require(succeeded == expected["outputs"], f"succeeded {succeeded}, {expected}")
        require(len(failed) == expected["error"], f"failed {len(failed)}, {expected}")
        for status in failed:
            code = status.error.code if status.error is not None else None
            require(code == ERROR_CODE, f"{status.output_prefix}: error code {code!r}")

    return {**measure(run, params["repeats"]), "client": client_of(store, base)}


def roundtrip(params: Params) -> Result:
    """A task container's round trip: read ``inputs.pb``, write the same map as ``outputs.pb``."""
    store = make_store(params)
    input_paths = InputPaths(store, params["inputs_prefix"])
    output_paths = RemoteFileOutputPaths(store, params["outputs_prefix"], params["raw_prefix"])

    def run(_: int) -> None:
        inputs = RemoteFileInputReader(store, input_paths).get()
        require(len(inputs.literals) == params["literals"], f"{len(inputs.literals)} literals")
        RemoteFileOutputWriter(store, output_paths).put(InMemoryOutputReader(literals=inputs))

    return {**measure(run, params["repeats"]), "client": client_of(store, params["inputs_prefix"])}


def files_put(params: Params) -> Result:
    """``DataStore.put`` of a local file or folder to a new prefix each run."""
    store = make_store(params)
    source, target = params["source"], params["target"]

    def run(index: int) -> None:
        store.put(source, f"{target}/{index}")

    def after(index: int) -> None:  # the last upload stays for the harness to check
        if index < params["repeats"]:
            store.delete(f"{target}/{index}", recursive=True)

    return {**measure(run, params["repeats"], after), "client": client_of(store, target)}


def files_get(params: Params) -> Result:
    """``DataStore.get`` of a stored file or folder to a new local path each run."""
    store = make_store(params)
    scratch = fresh_dir(params["scratch"])

    def run(index: int) -> None:
        store.get(params["source"], scratch / str(index))

    def after(index: int) -> None:  # the last download stays for the harness to check
        check_tree(scratch / str(index), params["files"], params["bytes"], "download")
        if index < params["repeats"]:
            remove(scratch / str(index))

    return {
        **measure(run, params["repeats"], after),
        "client": client_of(store, params["source"]),
    }


def values(params: Params) -> Result:
    """``to_literal`` then ``from_literal`` of a dict of str to int and a list of str."""
    count = params["count"]
    numbers = {f"key-{index}": index for index in range(count)}
    words = [f"word-{index}" for index in range(count)]

    def run(_: int) -> None:
        require(from_literal(to_literal(numbers)) == numbers, "the dict came back different")
        require(from_literal(to_literal(words)) == words, "the list came back different")

    return measure(run, params["repeats"])


if __name__ == "__main__":
    main(
        {
            "status": status,
            "roundtrip": roundtrip,
            "files_put": files_put,
            "files_get": files_get,
            "values": values,
        }
    )
