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
from plugio.engine import (
    AttemptState,
    AttemptStatus,
    check_attempts,
    check_attempts_async,
    validate_output,
    validate_output_async,
)
from plugio.errors import (
    AlreadyExistsError,
    BadRequestError,
    ConfigurationError,
    CorruptPayloadError,
    InvalidReferenceError,
    LiteralConversionError,
    LiteralTooLargeError,
    MissingDependencyError,
    NotFoundError,
    PayloadError,
    PayloadTooLargeError,
    PermissionDeniedError,
    PlugioError,
    StorageError,
    TransientStorageError,
    UniqueIdOverflowError,
)
from plugio.execution import ErrorKind, ExecutionError
from plugio.paths import (
    CheckpointPaths,
    InputFilePaths,
    InputPaths,
    OutputFilePaths,
    RawOutputPaths,
    ReadOnlyOutputPaths,
    RemoteCheckpointPaths,
    RemoteFileOutputPaths,
)
from plugio.readers import (
    CachingInputReader,
    EarliestErrorStrategy,
    InMemoryOutputReader,
    InputReader,
    OutputReader,
    RemoteFileInputReader,
    RemoteFileOutputReader,
)
from plugio.references import DataReference, ParsedReference, join, parse_reference
from plugio.storage import DataStore, ObjectInfo, ProgressCallback
from plugio.writers import BufferedOutputWriter, OutputWriter, RemoteFileOutputWriter

__all__ = [
    "AlreadyExistsError",
    "AttemptState",
    "AttemptStatus",
    "AzureOptions",
    "BadRequestError",
    "BufferedOutputWriter",
    "CachingInputReader",
    "CheckpointPaths",
    "ConfigurationError",
    "CorruptPayloadError",
    "DataReference",
    "DataStore",
    "EarliestErrorStrategy",
    "ErrorKind",
    "ExecutionError",
    "GCSOptions",
    "InMemoryOutputReader",
    "InputFilePaths",
    "InputPaths",
    "InputReader",
    "InvalidReferenceError",
    "Limits",
    "LiteralConversionError",
    "LiteralTooLargeError",
    "MissingDependencyError",
    "NotFoundError",
    "ObjectInfo",
    "OutputFilePaths",
    "OutputReader",
    "OutputWriter",
    "ParsedReference",
    "PayloadError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PlugioError",
    "ProgressCallback",
    "RawOutputPaths",
    "ReadOnlyOutputPaths",
    "RemoteCheckpointPaths",
    "RemoteFileInputReader",
    "RemoteFileOutputPaths",
    "RemoteFileOutputReader",
    "RemoteFileOutputWriter",
    "RetryPolicy",
    "S3Options",
    "StorageConfig",
    "StorageError",
    "TransferConfig",
    "TransientStorageError",
    "UniqueIdOverflowError",
    "__version__",
    "check_attempts",
    "check_attempts_async",
    "join",
    "parse_reference",
    "validate_output",
    "validate_output_async",
]
