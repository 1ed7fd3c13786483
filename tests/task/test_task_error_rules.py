"""Exceptions classified by Flyte 2's rules give the documents Flyte 2's runtime writes."""

from __future__ import annotations

import pytest
from rig import Rig

from plugio.core import ErrorDocument
from plugio.execution import ErrorKind
from plugio.paths import RemoteFileOutputPaths
from plugio.readers import InMemoryOutputReader
from plugio.task import (
    NonRecoverableUserError,
    RecoverableUserError,
    error_from_exception,
    flyte2_error_from_exception,
)
from plugio.writers import RemoteFileOutputWriter
from plugio_conformance.vectors import golden_vectors


def golden(name: str) -> bytes:
    (found,) = [vector.data for vector in golden_vectors() if vector.name == name]
    return found


class StorageUnavailable(Exception):
    code = "StorageUnavailable"


class NonRecoverableError(Exception):
    """Named as Flyte 2's own, as a task written for Flyte 2 raises it."""


CASES = [
    ("flyte2_error_user_error", ValueError("bad value 1"), "user"),
    ("flyte2_error_user_error_non_recoverable", NonRecoverableUserError("stop at 2"), "user"),
    ("flyte2_error_system_error", StorageUnavailable("store gone at 3"), "platform"),
]


@pytest.mark.parametrize(("name", "exc", "phase"), CASES, ids=[case[0] for case in CASES])
def test_documents_are_a0s_bytes(rig: Rig, name: str, exc: Exception, phase: str) -> None:
    error = flyte2_error_from_exception(exc, phase=phase)  # type: ignore[arg-type]
    paths = RemoteFileOutputPaths(rig.store, rig.ref("out"), rig.ref("raw"))
    writer = RemoteFileOutputWriter(rig.store, paths, generation=2)
    writer.put(InMemoryOutputReader(error=error))
    expected = golden(name)
    if name == "flyte2_error_user_error_non_recoverable":
        # Flyte 2 names the code after its own class: plugio's is its own name.
        document = ErrorDocument.FromString(expected)
        document.error.code = "NonRecoverableUserError"
        expected = document.SerializeToString()
    assert rig.store.read_bytes(writer.get_error_path()) == expected


def test_flyte2s_own_non_recoverable_class_counts() -> None:
    error = flyte2_error_from_exception(NonRecoverableError("no"))
    assert (error.code, error.is_recoverable, error.kind) == (
        "NonRecoverableError",
        False,
        ErrorKind.USER,
    )


def test_a_conversion_failure_is_a_recoverable_user_error() -> None:
    error = flyte2_error_from_exception(TypeError("o0 is not an int"), phase="convert")
    assert (error.code, error.kind, error.is_recoverable) == (
        "DataValidationError",
        ErrorKind.USER,
        True,
    )
    assert error.message == "o0 is not an int"
    assert error.timestamp is None
    assert error.worker == ""


def test_the_generation_chooses_the_rules() -> None:
    flyte1 = error_from_exception(ValueError("bad"), generation=1, environ={})
    flyte2 = error_from_exception(ValueError("bad"), generation="flyte2")
    assert (flyte1.code, flyte1.is_recoverable) == ("USER:ValueError", False)
    assert (flyte2.code, flyte2.is_recoverable) == ("ValueError", True)
    assert flyte1.message.startswith("ValueError: bad\n")
    assert flyte2.message == "bad"
    # Flyte 1's way to say recoverable stays recoverable under Flyte 2.
    assert error_from_exception(RecoverableUserError("x"), generation=2).is_recoverable


def test_a_bad_phase_is_refused() -> None:
    with pytest.raises(ValueError, match="phase must be"):
        flyte2_error_from_exception(ValueError(), phase="later")  # type: ignore[arg-type]
