"""After the command: what it left in its output folder, or in storage itself.

A command that writes the attempt's files itself (an SDK's entrypoint such as
``pyflyte-execute``) is left alone: :func:`documents_written` finds its
``outputs.pb`` or error document, and ``plugio run`` then neither replaces
them nor adds its own. Otherwise :func:`collect_outputs` reads the output
folder and :func:`commit_outputs` writes ``outputs.pb``, offloading large
literals as Flyte's SDK does (``_F_L_MIN_SIZE_MB`` / ``_F_L_MAX_SIZE_MB``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plugio.core import ErrorDocument, LiteralMap, NamedLiteral, Outputs
from plugio.execution import ErrorKind, ExecutionError
from plugio.generation import FlyteGeneration
from plugio.literals import BlobRef, LocalBlob, to_literal_map
from plugio.paths import ERROR_FILE, OUTPUTS_FILE, RemoteCheckpointPaths, random_raw_path
from plugio.readers import InMemoryOutputReader
from plugio.references import join
from plugio.storage import DataStore, ProgressCallback
from plugio.task._deck import write_deck
from plugio.task._offload import OffloadPolicy, offload_literals
from plugio.writers import RemoteFileOutputWriter

__all__ = [
    "DECK_HTML",
    "ERROR_JSON",
    "OUTPUTS_JSON",
    "OutputsNotFound",
    "WrittenDocuments",
    "collect_outputs",
    "commit_outputs",
    "documents_written",
    "own_error",
]

_MAX_ERROR_DOCUMENTS = 1000
OUTPUTS_JSON = "outputs.json"
ERROR_JSON = "error.json"
DECK_HTML = "deck.html"


class OutputsNotFound(Exception):
    """Declared outputs the command did not write."""

    def __init__(self, error: ExecutionError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass(frozen=True)
class WrittenDocuments:
    """The attempt's files the command wrote under the output prefix itself.

    Attributes:
        outputs: ``outputs.pb`` exists.
        error: The error document found (``error.pb``, or the earliest of the
            workers' ``error-<id>.pb``), read back; None when there is none.
    """

    outputs: bool
    error: ExecutionError | None

    @property
    def any(self) -> bool:
        """Whether the command wrote ``outputs.pb`` or an error document."""
        return self.outputs or self.error is not None


def documents_written(store: DataStore, output_prefix: str) -> WrittenDocuments:
    """What the command wrote under ``output_prefix`` (one HEAD and one listing).

    Raises:
        StorageError: The store could not be asked.
    """
    outputs = store.exists(join(output_prefix, OUTPUTS_FILE))
    stem = ERROR_FILE.rpartition(".")[0]
    error_refs = [
        info.ref
        for page in store.list(join(output_prefix, stem))
        for info in page
        if _is_error_document(info.ref, output_prefix)
    ]
    errors = [
        ExecutionError.from_container_error(store.read_protobuf(ref, ErrorDocument).error, ref)
        for ref in sorted(error_refs)[:_MAX_ERROR_DOCUMENTS]
    ]
    return WrittenDocuments(outputs, min(errors, key=_when) if errors else None)


def _when(error: ExecutionError) -> tuple[bool, float, str]:
    """The earliest error first, as Flyte's engine picks among workers; undated ones last."""
    stamp = error.timestamp
    return (stamp is None, stamp.timestamp() if stamp is not None else 0.0, error.error_uri)


def _is_error_document(ref: str, output_prefix: str) -> bool:
    name = ref.rstrip("/").rpartition("/")[2]
    if "/" in ref[len(output_prefix.rstrip("/")) + 1 :]:
        return False
    stem, _, suffix = ERROR_FILE.rpartition(".")
    return name == ERROR_FILE or (name.startswith(f"{stem}-") and name.endswith(f".{suffix}"))


def own_error(path: Path) -> ExecutionError:
    """The error the command described in ``error.json`` (all keys optional)."""
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        return ExecutionError(
            "USER:BadErrorFile", f"{ERROR_JSON} is not valid JSON: {exc}", ErrorKind.USER
        )
    if not isinstance(document, dict):
        document = {"message": str(document)}
    kind = str(document.get("kind", "USER")).upper()
    return ExecutionError(
        str(document.get("code") or "USER:TaskFailed"),
        str(document.get("message", "")),
        ErrorKind[kind] if kind in ErrorKind.__members__ else ErrorKind.USER,
        is_recoverable=bool(document.get("recoverable", False)),
    )


def collect_outputs(output_dir: Path, declared: Sequence[str]) -> dict[str, Any]:
    """The values the command left: ``outputs.json`` plus every other file as a blob.

    Raises:
        ValueError: ``outputs.json`` is no object, or a name is given twice.
        OutputsNotFound: A declared output is missing.
    """
    values: dict[str, Any] = {}
    document = output_dir / OUTPUTS_JSON
    if document.exists():
        loaded = json.loads(document.read_text())
        if not isinstance(loaded, dict):
            raise ValueError(f"{OUTPUTS_JSON} must hold a JSON object, not {type(loaded).__name__}")
        values.update(loaded)
    for entry in sorted(output_dir.iterdir()):
        if entry.name in (OUTPUTS_JSON, ERROR_JSON, DECK_HTML):
            continue
        name = entry.name.split(".", 1)[0]
        if name in values:
            raise ValueError(
                f"output {name!r} is given twice (in {OUTPUTS_JSON} and as {entry.name})"
            )
        values[name] = LocalBlob(entry)
    missing = [name for name in declared if name not in values]
    if missing:
        raise OutputsNotFound(
            ExecutionError(
                "USER:OutputsNotFound",
                f"declared outputs not written: {', '.join(missing)} "
                f"(expected in {OUTPUTS_JSON} or as files in the output folder)",
                ErrorKind.USER,
            )
        )
    return values


def commit_outputs(
    store: DataStore,
    paths: RemoteCheckpointPaths,
    values: Mapping[str, Any],
    output_dir: Path,
    *,
    environ: Mapping[str, str] = os.environ,
    progress: ProgressCallback | None = None,
    generation: FlyteGeneration = FlyteGeneration.FLYTE1,
) -> None:
    """Upload blobs, write the deck, then ``outputs.pb`` (large literals offloaded).

    For Flyte 2 the outputs keep the order of ``values``, enums are written
    by name, and the deck is ``report.html``.

    Raises:
        LiteralTooLargeError: A literal is at least ``_F_L_MAX_SIZE_MB``.
        StorageError: A write failed.
    """
    raw_prefix = paths.get_raw_output_prefix()
    uploaded = {name: _upload(store, raw_prefix, value, progress) for name, value in values.items()}
    literal_map = to_literal_map(
        uploaded, store=store, raw_output_prefix=raw_prefix, generation=generation
    )
    literal_map = offload_literals(
        store, literal_map, paths.get_output_prefix_path(), OffloadPolicy.from_env(environ)
    )
    deck = output_dir / DECK_HTML
    if deck.exists():
        write_deck(store, paths, deck.read_text(errors="replace"), generation=generation)
    outputs: LiteralMap | Outputs = literal_map
    if generation is FlyteGeneration.FLYTE2:
        named = [NamedLiteral(name=name, value=literal_map.literals[name]) for name in uploaded]
        outputs = Outputs(literals=named)
    writer = RemoteFileOutputWriter(store, paths, generation=generation)
    writer.put(InMemoryOutputReader(literals=outputs))


def _upload(
    store: DataStore, raw_prefix: str, value: Any, progress: ProgressCallback | None
) -> Any:
    """A local file or folder uploaded (with progress) and named as Flyte's SDK does."""
    if not isinstance(value, LocalBlob):
        return value
    local_path = os.fspath(value.path)
    multipart = os.path.isdir(local_path)
    file_name = None if multipart else os.path.basename(local_path)
    uri = random_raw_path(raw_prefix, file_name)
    store.put(local_path, uri, progress=progress)
    return BlobRef(uri, multipart=multipart, format=value.format, store=store)
