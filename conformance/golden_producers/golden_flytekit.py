"""Golden vectors made by flytekit: its type engine's literals and its error documents.

Every file is written with flytekit's own ``write_proto_to_file`` (plain
``SerializeToString``), as a flytekit task container writes ``outputs.pb``
and ``error.pb``, so map entries keep flytekit's order. Error documents are
built with flytekit's models exactly as its entrypoint builds them; the
message is the summary line flytekit puts after the traceback (a traceback
would name the producing machine's files).
"""

from __future__ import annotations

import enum
import importlib
import tempfile
import typing
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from golden_flyteidl import STAMP, Vector, stamp

__all__ = ["flytekit_vectors"]


class Color(enum.Enum):
    RED = "red"


@dataclass
class Point:
    x: int
    y: float


def _module(name: str) -> Any:
    return importlib.import_module(name)


def _written(message: Any) -> bytes:
    """The bytes flytekit's ``write_proto_to_file`` writes for ``message``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "file.pb")
        _module("flytekit.core.utils").write_proto_to_file(message, path)
        return Path(path).read_bytes()


def _literal_map(name: str, meaning: str, values: dict[str, tuple[Any, Any]]) -> Vector:
    """A ``LiteralMap`` of ``{key: (python value, python type)}`` by flytekit's type engine."""
    engine = _module("flytekit.core.type_engine").TypeEngine
    context = _module("flytekit.core.context_manager").FlyteContextManager.current_context()
    python = {key: value for key, (value, _) in values.items()}
    hints = {key: hint for key, (_, hint) in values.items()}
    literal_map = engine.dict_to_literal_map(context, python, hints)
    return name, "flyteidl.core.LiteralMap", meaning, _written(literal_map.to_flyte_idl())


def _literal_vectors() -> list[Vector]:
    files = _module("flytekit.types.file")
    folders = _module("flytekit.types.directory")
    tables = _module("flytekit.types.structured")
    csv_file = files.FlyteFile[typing.TypeVar("csv")]
    primitives = {
        "i": (42, int),
        "f": (0.5, float),
        "s": ("héllo", str),
        "b": (True, bool),
        "t": (STAMP, type(STAMP)),
        "d": (timedelta(seconds=90), timedelta),
    }
    optional = {"none": (None, int | None), "some": (3, int | None), "either": (7, int | str)}
    collections = {
        "xs": ([1, 2, 3], list[int]),
        "counts": ({"b": 2, "a": 1}, dict[str, int]),
        "grid": ([["a"], ["b", "c"]], list[list[str]]),
        "empty": ([], list[int]),
    }
    binaries = {
        "color": (Color.RED, Color),
        "point": (Point(1, 2.5), Point),
        "loose": ({"k": [1, "x"]}, dict),
    }
    stored = {
        "file": (files.FlyteFile("s3://bucket/raw/f.bin"), files.FlyteFile),
        "csv": (csv_file("s3://bucket/raw/t.csv"), csv_file),
        "dir": (folders.FlyteDirectory("s3://bucket/raw/dir"), folders.FlyteDirectory),
    }
    table = tables.StructuredDataset(uri="s3://bucket/raw/table", file_format="parquet")
    return [
        _literal_map(
            "flytekit_primitives", "int, float, str, bool, datetime, timedelta", primitives
        ),
        _literal_map(
            "flytekit_optional_and_union", "int | None of None and 3; int | str of 7", optional
        ),
        _literal_map(
            "flytekit_collections", "list, dict, a list of lists, an empty list", collections
        ),
        _literal_map(
            "flytekit_enum_dataclass_dict", "an Enum, a dataclass, a dict (msgpack)", binaries
        ),
        _literal_map(
            "flytekit_files_and_folders", "FlyteFile, csv FlyteFile, FlyteDirectory", stored
        ),
        _literal_map(
            "flytekit_structured_dataset",
            "a StructuredDataset already stored, parquet",
            {"table": (table, tables.StructuredDataset)},
        ),
    ]


def _error_vectors() -> list[Vector]:
    models = _module("flytekit.models.core.errors")
    origin = _module("flytekit.models.core.execution").ExecutionError.ErrorKind
    user = _module("flytekit.exceptions.user")
    kind = models.ContainerError.Kind
    user_code = user.FlyteUserRuntimeException(ValueError("bad input")).error_code
    recoverable = user.FlyteUserRuntimeException(user.FlyteRecoverableException("flaky"))
    cases = [
        ("flytekit_error_user", user_code, "ValueError: bad input", False, origin.USER, "w-0",
         "a user exception: USER, not recoverable"),
        ("flytekit_error_user_recoverable", recoverable.error_code,
         "FlyteRecoverableException: flaky", True, origin.USER, "",
         "FlyteRecoverableException: USER, recoverable"),
        ("flytekit_error_system", "SYSTEM", "OSError: upload failed", True, origin.SYSTEM, "",
         "any other failure: SYSTEM, recoverable"),
        ("flytekit_error_system_non_recoverable", "SYSTEM", "FlyteNonRecoverableSystemException: x",
         False, origin.SYSTEM, "", "FlyteNonRecoverableSystemException: SYSTEM, not recoverable"),
        ("flytekit_error_unknown_output", "UNKNOWN_OUTPUT", "Type of output received not handled",
         True, origin.SYSTEM, "", "a task returned outputs of an unknown type"),
    ]  # fmt: skip
    vectors = []
    for name, code, message, retry, source, worker, meaning in cases:
        error = models.ContainerError(
            code=code,
            message=message,
            kind=kind.RECOVERABLE if retry else kind.NON_RECOVERABLE,
            origin=source,
            timestamp=stamp(),
            worker=worker,
        )
        data = _written(models.ErrorDocument(error).to_flyte_idl())
        vectors.append((name, "flyteidl.core.ErrorDocument", f"flytekit: {meaning}", data))
    return vectors


def flytekit_vectors() -> list[Vector]:
    """Every vector flytekit makes."""
    return [*_literal_vectors(), *_error_vectors()]
