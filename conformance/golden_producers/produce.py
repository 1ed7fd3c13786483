"""Write every golden vector into a folder; run inside an environment with Flyte's packages.

    python conformance/golden_producers/produce.py OUT [--flytekit-missing REASON]

``scripts/generate_golden.py`` runs it in a throw-away environment. Each vector
is encoded by a Flyte package, decoded back with flyteidl for its JSON, and
given the ``ExecutionError`` a reader must report for it by CONTRACT.md's
rules (for error documents). plugio is not imported: the vectors say what
Flyte means.
"""

from __future__ import annotations

import argparse
import importlib
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

from golden_flyteidl import Vector, flyteidl_vectors, hand_encoded_vectors

KINDS = {0: "UNKNOWN", 1: "USER", 2: "SYSTEM"}
BAD_FORMAT = "error not formatted correctly, nil error @path [{path}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--flytekit-missing", default="")
    args = parser.parse_args()
    produce(args.out, args.flytekit_missing)


def produce(out: Path, flytekit_missing: str) -> None:
    """Write ``<name>.pb`` and ``<name>.json`` for every vector, and ``index.json``."""
    producers: dict[str, str | None] = {
        "flyteidl": version("flyteidl"),
        "flytekit": None,
        "protobuf": version("protobuf"),
    }
    made = _write_all(out, flyteidl_vectors(), f"flyteidl {producers['flyteidl']}")
    made.update(_write_all(out, hand_encoded_vectors(), "hand-encoded bytes"))
    if not flytekit_missing:
        from golden_flytekit import flytekit_vectors

        producers["flytekit"] = version("flytekit")
        made.update(_write_all(out, flytekit_vectors(), f"flytekit {producers['flytekit']}"))
    index = {
        "generator": "scripts/generate_golden.py",
        "producers": producers,
        "flytekit_missing": flytekit_missing or None,
        "json": "google.protobuf.json_format.MessageToDict(preserving_proto_field_name=True)",
        "vectors": dict(sorted(made.items())),
    }
    (out / "index.json").write_text(json.dumps(index, indent=2) + "\n")


def _write_all(out: Path, vectors: list[Vector], producer: str) -> dict[str, str]:
    for name, message, meaning, data in vectors:
        (out / f"{name}.pb").write_bytes(data)
        decoded = _message_class(message).FromString(data)
        fields: dict[str, Any] = {
            "name": name,
            "message": message,
            "producer": producer,
            "meaning": meaning,
            "canonical": decoded.SerializeToString(deterministic=True) == data,
            "value": _to_dict(decoded),
        }
        if message.endswith(".ErrorDocument"):
            fields["execution_error"] = expected_execution_error(decoded)
        text = json.dumps(fields, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        (out / f"{name}.json").write_text(text, encoding="utf-8")
    return {name: producer for name, *_ in vectors}


def _message_class(full_name: str) -> Any:
    short = full_name.rpartition(".")[2]
    for module in ("literals_pb2", "errors_pb2", "execution_pb2"):
        found = getattr(importlib.import_module(f"flyteidl.core.{module}"), short, None)
        if found is not None:
            return found
    raise LookupError(full_name)


def _to_dict(message: Any) -> dict[str, Any]:
    from google.protobuf.json_format import MessageToDict

    return MessageToDict(message, preserving_proto_field_name=True)


def expected_execution_error(document: Any) -> dict[str, Any]:
    """What an output reader reports for ``document`` (CONTRACT.md, "Output reader")."""
    if not document.HasField("error"):
        return {
            "code": "ErrorFileBadFormat",
            "message": BAD_FORMAT,
            "kind": "SYSTEM",
            "is_recoverable": True,
            "timestamp": None,
            "worker": "",
        }
    error = document.error
    return {
        "code": error.code,
        "message": error.message,
        "kind": KINDS.get(error.origin, "UNKNOWN"),
        "is_recoverable": error.kind == 1,  # RECOVERABLE; the default 0 is not
        "timestamp": error.timestamp.ToJsonString() if error.HasField("timestamp") else None,
        "worker": error.worker,
    }


if __name__ == "__main__":
    main()
