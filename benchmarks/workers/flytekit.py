"""flytekit's side of each scenario, run with the python of flytekit's benchmark environment.

Storage goes through ``FileAccessProvider`` (what a flytekit task uses:
``exists``, ``get_data``, ``put_data``) with a ``DataConfig`` naming the S3
endpoint and keys; protobuf files are read and written with flytekit's own
helpers and models; Python values are converted by its ``TypeEngine``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named after the package it measures: import that, not this file.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from typing import Any  # noqa: E402

from flyteidl.core import errors_pb2, literals_pb2  # noqa: E402
from flytekit.configuration import DataConfig, S3Config  # type: ignore[import-not-found]  # noqa: E402
from flytekit.core.context_manager import FlyteContextManager  # type: ignore[import-not-found]  # noqa: E402
from flytekit.core.data_persistence import FileAccessProvider  # type: ignore[import-not-found]  # noqa: E402
from flytekit.core.type_engine import TypeEngine  # type: ignore[import-not-found]  # noqa: E402
from flytekit.core.utils import load_proto_from_file, write_proto_to_file  # type: ignore[import-not-found]  # noqa: E402
from flytekit.models.literals import LiteralMap  # type: ignore[import-not-found]  # noqa: E402

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


def make_provider(params: Params, sandbox: Path) -> Any:
    """A FileAccessProvider for the scenario's backend, its sandbox under ``sandbox``."""
    if params["backend"] != "s3":
        return FileAccessProvider(local_sandbox_dir=str(sandbox), raw_output_prefix=str(sandbox))
    s3 = params["s3"]
    config = DataConfig(
        s3=S3Config(
            endpoint=s3["endpoint_url"],
            access_key_id=s3["access_key_id"],
            secret_access_key=s3["secret_access_key"],
        )
    )
    raw = f"s3://{s3['bucket']}/flytekit-raw"
    return FileAccessProvider(
        local_sandbox_dir=str(sandbox), raw_output_prefix=raw, data_config=config
    )


def status(params: Params) -> Result:
    """One attempt after another: ``exists`` of both files, ``get_data`` and parse ``error.pb``."""
    scratch = fresh_dir(params["scratch"])
    provider = make_provider(params, scratch)
    prefixes = attempt_prefixes(params["base"], params["attempts"])
    expected = expected_counts(params["attempts"])
    local = str(scratch / "error.pb")

    def run(_: int) -> None:
        succeeded = failed = 0
        for prefix in prefixes:
            error, done = (
                provider.exists(f"{prefix}/error.pb"),
                provider.exists(f"{prefix}/outputs.pb"),
            )
            if error:
                provider.get_data(f"{prefix}/error.pb", local)
                document = load_proto_from_file(errors_pb2.ErrorDocument, local)
                require(document.error.code == ERROR_CODE, f"{prefix}: {document.error.code!r}")
                failed += 1
            elif done:
                succeeded += 1
        require(succeeded == expected["outputs"], f"succeeded {succeeded}, {expected}")
        require(failed == expected["error"], f"failed {failed}, {expected}")

    return measure(run, params["repeats"])


def roundtrip(params: Params) -> Result:
    """``get_data`` and parse ``inputs.pb`` into flytekit's model; write it as ``outputs.pb``."""
    scratch = fresh_dir(params["scratch"])
    provider = make_provider(params, scratch)
    local_inputs, local_outputs = str(scratch / "inputs.pb"), str(scratch / "outputs.pb")

    def run(_: int) -> None:
        provider.get_data(f"{params['inputs_prefix']}/inputs.pb", local_inputs)
        inputs = LiteralMap.from_flyte_idl(
            load_proto_from_file(literals_pb2.LiteralMap, local_inputs)
        )
        require(len(inputs.literals) == params["literals"], f"{len(inputs.literals)} literals")
        write_proto_to_file(inputs.to_flyte_idl(), local_outputs)
        provider.put_data(local_outputs, f"{params['outputs_prefix']}/outputs.pb")

    return measure(run, params["repeats"])


def files_put(params: Params) -> Result:
    """``put_data`` of a local file or folder (``is_multipart``) to a new prefix each run."""
    provider = make_provider(params, fresh_dir(params["scratch"]))
    source, target = params["source"], params["target"]
    folder = params["folder"]

    def run(index: int) -> None:
        provider.put_data(source, f"{target}/{index}", is_multipart=folder)

    def after(index: int) -> None:  # the last upload stays for the harness to check
        if index < params["repeats"]:
            provider.get_filesystem_for_path(target).rm(f"{target}/{index}", recursive=True)

    return measure(run, params["repeats"], after)


def files_get(params: Params) -> Result:
    """``get_data`` of a stored file or folder (``is_multipart``) to a new local path each run."""
    scratch = fresh_dir(params["scratch"])
    provider = make_provider(params, scratch / "sandbox")
    folder = params["folder"]

    def run(index: int) -> None:
        provider.get_data(params["source"], str(scratch / str(index)), is_multipart=folder)

    def after(index: int) -> None:  # the last download stays for the harness to check
        check_tree(scratch / str(index), params["files"], params["bytes"], "download")
        if index < params["repeats"]:
            remove(scratch / str(index))

    return measure(run, params["repeats"], after)


def values(params: Params) -> Result:
    """``TypeEngine`` to a literal and back of a dict of str to int and a list of str."""
    count = params["count"]
    numbers = {f"key-{index}": index for index in range(count)}
    words = [f"word-{index}" for index in range(count)]
    context = FlyteContextManager.current_context()

    def convert(value: object, python_type: object) -> object:
        literal_type = TypeEngine.to_literal_type(python_type)
        literal = TypeEngine.to_literal(context, value, python_type, literal_type)
        return TypeEngine.to_python_value(context, literal, python_type)

    def run(_: int) -> None:
        require(convert(numbers, dict[str, int]) == numbers, "the dict came back different")
        require(convert(words, list[str]) == words, "the list came back different")

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
