"""plugio: the storage data plane for task plugins.

An engine hands each task attempt storage prefixes; the task reads its inputs,
writes outputs, a deck, an error document and checkpoints; the engine asks
whether outputs exist and whether a failure may be retried. plugio gives all
of them one storage layer over fsspec, byte-compatible with Flyte's files.
"""

from plugio._version import __version__
from plugio.config import (
    AzureOptions,
    GCSOptions,
    Limits,
    RetryPolicy,
    S3Options,
    StorageConfig,
    TransferConfig,
)
from plugio.errors import (
    AlreadyExistsError,
    BadRequestError,
    ConfigurationError,
    CorruptPayloadError,
    InvalidReferenceError,
    MissingDependencyError,
    NotFoundError,
    PayloadError,
    PayloadTooLargeError,
    PermissionDeniedError,
    PlugioError,
    StorageError,
    TransientStorageError,
)
from plugio.references import DataReference, ParsedReference, join, parse_reference
from plugio.storage import DataStore, ObjectInfo, ProgressCallback

__all__ = [
    "AlreadyExistsError",
    "AzureOptions",
    "BadRequestError",
    "ConfigurationError",
    "CorruptPayloadError",
    "DataReference",
    "DataStore",
    "GCSOptions",
    "InvalidReferenceError",
    "Limits",
    "MissingDependencyError",
    "NotFoundError",
    "ObjectInfo",
    "ParsedReference",
    "PayloadError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PlugioError",
    "ProgressCallback",
    "RetryPolicy",
    "S3Options",
    "StorageConfig",
    "StorageError",
    "TransferConfig",
    "TransientStorageError",
    "__version__",
    "join",
    "parse_reference",
]
