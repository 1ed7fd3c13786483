"""plugio: the storage data plane for task plugins.

An engine hands each task attempt storage prefixes; the task reads its inputs,
writes outputs, a deck, an error document and checkpoints; the engine asks
whether outputs exist and whether a failure may be retried. plugio gives all
of them one storage layer over fsspec, byte-compatible with Flyte's files.
"""

import importlib as _importlib
import typing as _typing

from plugio._version import __version__

if _typing.TYPE_CHECKING:
    from plugio.config import (
        AzureOptions,
        GCSOptions,
        Limits,
        RetryPolicy,
        S3Options,
        Secret,
        SecretStr,
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
        ConfigurationWarning,
        CorruptPayloadError,
        InvalidReferenceError,
        JournalError,
        LiteralConversionError,
        LiteralTooLargeError,
        MissingDependencyError,
        NotFoundError,
        PayloadError,
        PayloadTooLargeError,
        PermissionDeniedError,
        PlugioError,
        StaleWriterError,
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
    from plugio.storage import (
        DataStore,
        ObjectInfo,
        ProgressCallback,
        bounded_gather,
        decode_message,
    )
    from plugio.writers import BufferedOutputWriter, OutputWriter, RemoteFileOutputWriter

#: Public name -> the module that defines it. Imported on first use, so that
#: ``import plugio`` costs next to nothing and each program loads what it uses.
_LAZY = {
    "AzureOptions": "plugio.config",
    "GCSOptions": "plugio.config",
    "Limits": "plugio.config",
    "RetryPolicy": "plugio.config",
    "S3Options": "plugio.config",
    "Secret": "plugio.config",
    "SecretStr": "plugio.config",
    "StorageConfig": "plugio.config",
    "TransferConfig": "plugio.config",
    "AttemptState": "plugio.engine",
    "AttemptStatus": "plugio.engine",
    "check_attempts": "plugio.engine",
    "check_attempts_async": "plugio.engine",
    "validate_output": "plugio.engine",
    "validate_output_async": "plugio.engine",
    "AlreadyExistsError": "plugio.errors",
    "BadRequestError": "plugio.errors",
    "ConfigurationError": "plugio.errors",
    "ConfigurationWarning": "plugio.errors",
    "CorruptPayloadError": "plugio.errors",
    "InvalidReferenceError": "plugio.errors",
    "JournalError": "plugio.errors",
    "LiteralConversionError": "plugio.errors",
    "LiteralTooLargeError": "plugio.errors",
    "MissingDependencyError": "plugio.errors",
    "NotFoundError": "plugio.errors",
    "PayloadError": "plugio.errors",
    "PayloadTooLargeError": "plugio.errors",
    "PermissionDeniedError": "plugio.errors",
    "PlugioError": "plugio.errors",
    "StaleWriterError": "plugio.errors",
    "StorageError": "plugio.errors",
    "TransientStorageError": "plugio.errors",
    "UniqueIdOverflowError": "plugio.errors",
    "ErrorKind": "plugio.execution",
    "ExecutionError": "plugio.execution",
    "CheckpointPaths": "plugio.paths",
    "InputFilePaths": "plugio.paths",
    "InputPaths": "plugio.paths",
    "OutputFilePaths": "plugio.paths",
    "RawOutputPaths": "plugio.paths",
    "ReadOnlyOutputPaths": "plugio.paths",
    "RemoteCheckpointPaths": "plugio.paths",
    "RemoteFileOutputPaths": "plugio.paths",
    "CachingInputReader": "plugio.readers",
    "EarliestErrorStrategy": "plugio.readers",
    "InMemoryOutputReader": "plugio.readers",
    "InputReader": "plugio.readers",
    "OutputReader": "plugio.readers",
    "RemoteFileInputReader": "plugio.readers",
    "RemoteFileOutputReader": "plugio.readers",
    "DataReference": "plugio.references",
    "ParsedReference": "plugio.references",
    "join": "plugio.references",
    "parse_reference": "plugio.references",
    "DataStore": "plugio.storage",
    "ObjectInfo": "plugio.storage",
    "ProgressCallback": "plugio.storage",
    "bounded_gather": "plugio.storage",
    "decode_message": "plugio.storage",
    "BufferedOutputWriter": "plugio.writers",
    "OutputWriter": "plugio.writers",
    "RemoteFileOutputWriter": "plugio.writers",
}


def __getattr__(name: str) -> _typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'plugio' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
    "ConfigurationWarning",
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
    "JournalError",
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
    "Secret",
    "SecretStr",
    "StaleWriterError",
    "StorageConfig",
    "StorageError",
    "TransferConfig",
    "TransientStorageError",
    "UniqueIdOverflowError",
    "__version__",
    "bounded_gather",
    "check_attempts",
    "check_attempts_async",
    "decode_message",
    "join",
    "parse_reference",
    "validate_output",
    "validate_output_async",
]
