"""The exception tree: one root, built-in bases, references named."""

from __future__ import annotations

import pytest

import plugio.errors as errors
from plugio.errors import (
    AlreadyExistsError,
    BadRequestError,
    CorruptPayloadError,
    InvalidReferenceError,
    MissingDependencyError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    PlugioError,
    StorageError,
    TransientStorageError,
)


@pytest.mark.parametrize(
    ("error_type", "builtin"),
    [
        (InvalidReferenceError, ValueError),
        (MissingDependencyError, ImportError),
        (PayloadTooLargeError, ValueError),
        (CorruptPayloadError, ValueError),
        (StorageError, OSError),
        (NotFoundError, FileNotFoundError),
        (AlreadyExistsError, FileExistsError),
        (PermissionDeniedError, PermissionError),
        (TransientStorageError, ConnectionError),
        (BadRequestError, OSError),
    ],
)
def test_each_error_is_also_the_builtin(error_type: type[Exception], builtin: type) -> None:
    assert issubclass(error_type, PlugioError)
    assert issubclass(error_type, builtin)


def test_every_exported_error_is_in_the_drawn_tree() -> None:
    assert errors.__all__ == sorted(errors.__all__)
    for name in errors.__all__:
        assert name in (errors.__doc__ or ""), name
        exported = getattr(errors, name)
        # Warnings are not raised: they sit beside the tree, as the docstring says.
        assert issubclass(exported, UserWarning if name.endswith("Warning") else PlugioError)


def test_storage_errors_name_the_reference() -> None:
    error = NotFoundError("no such object", "s3://bucket/run/outputs.pb")
    assert error.ref == "s3://bucket/run/outputs.pb"
    assert str(error) == "s3://bucket/run/outputs.pb: no such object"


def test_too_large_names_path_size_and_limit() -> None:
    error = PayloadTooLargeError("gs://b/outputs.pb", 2097153, 2097152)
    assert str(error) == (
        "gs://b/outputs.pb: object is too large: 2097153 bytes, limit is 2097152 bytes"
    )
    assert (error.size, error.limit, error.ref) == (2097153, 2097152, "gs://b/outputs.pb")


def test_missing_dependency_says_what_to_install() -> None:
    error = MissingDependencyError("s3", "s3", "s3fs")
    assert "pip install 'plugio[s3]'" in str(error)
