"""One task attempt end to end on local disk: no configuration, no account.

The engine writes the task's inputs, the task reads them and writes its
outputs, the engine checks the outputs are there and reads them back. Every
file is a Flyte-compatible protobuf under ordinary prefixes; pass a URL
(``s3://bucket/run``, ``gs://...``) instead of a folder to do the same on
object storage.

    python examples/quickstart.py [ROOT]
"""

from __future__ import annotations

import sys
import tempfile

from plugio import DataStore, join
from plugio.core import Literal, LiteralMap, Primitive, Scalar


def string(value: str) -> Literal:
    return Literal(scalar=Scalar(primitive=Primitive(string_value=value)))


def integer(value: int) -> Literal:
    return Literal(scalar=Scalar(primitive=Primitive(integer=value)))


def engine_writes_inputs(store: DataStore, input_prefix: str) -> str:
    inputs_ref = join(input_prefix, "inputs.pb")
    store.write_protobuf(
        inputs_ref, LiteralMap(literals={"name": string("plugio"), "times": integer(3)})
    )
    return inputs_ref


def task_runs(store: DataStore, inputs_ref: str, output_prefix: str) -> None:
    inputs = store.read_protobuf(inputs_ref, LiteralMap)
    name = inputs.literals["name"].scalar.primitive.string_value
    times = inputs.literals["times"].scalar.primitive.integer
    greeting = " ".join([f"hello {name}"] * times)
    store.write_protobuf(
        join(output_prefix, "outputs.pb"), LiteralMap(literals={"greeting": string(greeting)})
    )


def engine_checks_outputs(store: DataStore, output_prefix: str) -> str:
    outputs_ref = join(output_prefix, "outputs.pb")
    info = store.head(outputs_ref)
    if not info.exists:
        return f"not yet: nothing at {outputs_ref}"
    outputs = store.read_protobuf(outputs_ref, LiteralMap)
    greeting = outputs.literals["greeting"].scalar.primitive.string_value
    return f"succeeded: {outputs_ref} ({info.size} bytes): greeting = {greeting!r}"


def main(argv: list[str]) -> int:
    root = argv[1] if len(argv) > 1 else tempfile.mkdtemp(prefix="plugio-quickstart-")
    store = DataStore()
    input_prefix = join(root, "inputs")
    output_prefix = join(root, "attempt-0")
    inputs_ref = engine_writes_inputs(store, input_prefix)
    print(f"engine: wrote {inputs_ref}")
    task_runs(store, inputs_ref, output_prefix)
    print(f"task:   read its inputs, wrote outputs under {output_prefix}")
    print(f"engine: {engine_checks_outputs(store, output_prefix)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
