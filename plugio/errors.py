"""Every exception plugio raises, under one root.

Each class also inherits the built-in exception a caller would already catch,
so ``except FileNotFoundError`` keeps working around plugio code::

    PlugioError
    ├── InvalidReferenceError ............ ValueError
    ├── ConfigurationError ............... ValueError
    │   └── UniqueIdOverflowError
    ├── MissingDependencyError ........... ImportError
    ├── LiteralConversionError ........... TypeError, ValueError
    ├── StaleWriterError ................. RuntimeError
    ├── JournalError ..................... OSError
    ├── PayloadError ..................... ValueError
    │   ├── PayloadTooLargeError
    │   │   └── LiteralTooLargeError
    │   └── CorruptPayloadError
    └── StorageError ..................... OSError
        ├── NotFoundError ................ FileNotFoundError
        ├── AlreadyExistsError ........... FileExistsError
        ├── PermissionDeniedError ........ PermissionError
        ├── BadRequestError
        └── TransientStorageError ........ ConnectionError

A setting that looks misspelt but cannot be refused (an unknown ``PLUGIO_*``
variable may belong to someone else) gives a ``ConfigurationWarning``.

A system problem (storage unreachable, a file that cannot be decoded) is an
exception; a task's own failure is an ``ExecutionError`` value, never raised.
Every error about a stored object carries the reference in ``ref`` and names it
in its message.
"""

from __future__ import annotations

__all__ = [
    "AlreadyExistsError",
    "BadRequestError",
    "ConfigurationError",
    "ConfigurationWarning",
    "CorruptPayloadError",
    "InvalidReferenceError",
    "JournalError",
    "LiteralConversionError",
    "LiteralTooLargeError",
    "MissingDependencyError",
    "NotFoundError",
    "PayloadError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PlugioError",
    "StaleWriterError",
    "StorageError",
    "TransientStorageError",
    "UniqueIdOverflowError",
]


class PlugioError(Exception):
    """The root of every exception plugio raises."""


class InvalidReferenceError(PlugioError, ValueError):
    """A data reference is malformed, or a key would leave its base."""

    def __init__(self, message: str, ref: str | None = None) -> None:
        super().__init__(message)
        self.ref = ref


class ConfigurationError(PlugioError, ValueError):
    """Configuration is inconsistent or incomplete.

    A bad setting's message names its variable (or argument path) and what is
    wrong, never its value: it may be a credential.
    """


class ConfigurationWarning(UserWarning):
    """A ``PLUGIO_*`` variable is no setting but looks like one misspelt; it is ignored."""


class UniqueIdOverflowError(ConfigurationError):
    """Even the hashed id is longer than the limit asked for.

    Flyte returns the hashed id together with an error here and its engine
    fails the attempt; plugio raises, and the id is still at hand.

    Attributes:
        unique_id: The hashed id (``f`` + base32), longer than ``max_length``.
        max_length: The limit that was asked for.
    """

    def __init__(self, unique_id: str, max_length: int) -> None:
        super().__init__(
            f"cannot make a unique id of at most {max_length} bytes: even the hashed id "
            f"{unique_id!r} has {len(unique_id)}; raise the limit"
        )
        self.unique_id = unique_id
        self.max_length = max_length


class LiteralConversionError(PlugioError, TypeError, ValueError):
    """A value cannot become a literal, or a literal cannot become the value asked for.

    It is a ``TypeError`` (an unsupported type) and a ``ValueError`` (a value
    out of range, a naive datetime, a literal that does not fit the type asked
    for), so either ``except`` catches it.

    Attributes:
        name: Where the value is: the variable, then indexes, keys and fields,
            as ``rows[3]``, ``config['retries']`` or ``model.field``.
        python_type: The name of the value's type (when writing) or of the
            type asked for (when reading).
        reason: What is wrong, in a sentence.
    """

    def __init__(self, name: str, python_type: str, reason: str) -> None:
        super().__init__(f"cannot convert {name} ({python_type}): {reason}")
        self.name = name
        self.python_type = python_type
        self.reason = reason

    def __reduce__(self) -> tuple[type[LiteralConversionError], tuple[str, str, str]]:
        return type(self), (self.name, self.python_type, self.reason)

    def _prefix(self, segment: str) -> None:
        """Put ``segment`` (a variable, ``[3]``, ``['k']``) in front of the name.

        Containers call it while the error passes through them, so the name is
        built only when something failed.
        """
        self.name = segment + self.name
        self.args = (f"cannot convert {self.name} ({self.python_type}): {self.reason}",)


class MissingDependencyError(PlugioError, ImportError):
    """An optional extra is not installed; the message has the pip command."""

    def __init__(self, protocol: str, extra: str, module: str) -> None:
        super().__init__(
            f"the {protocol!r} protocol needs the {module!r} package: "
            f"run pip install 'plugio[{extra}]'"
        )
        self.protocol = protocol
        self.extra = extra
        self.module = module


class StaleWriterError(PlugioError, RuntimeError):
    """Another writer owns the stream: a newer epoch, or a second owner of this one.

    A writer that meets this stops uploading; what it still holds stays in its
    journal. ``epoch`` and ``owner`` name the writer that fenced it out.
    """

    def __init__(self, prefix: str, epoch: int, owner: str, reason: str) -> None:
        super().__init__(f"{prefix}: stream is owned by epoch {epoch} ({owner}): {reason}")
        self.prefix = prefix
        self.epoch = epoch
        self.owner = owner


class JournalError(PlugioError, OSError):
    """A local journal cannot be used: in use, unfinished, or not a journal."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class PayloadError(PlugioError, ValueError):
    """The bytes at a reference cannot be used as they are."""

    def __init__(self, message: str, ref: str) -> None:
        super().__init__(message)
        self.ref = ref


class PayloadTooLargeError(PayloadError):
    """An object is larger than the configured limit (``size > limit``).

    ``size`` is the object's size when the store reported it, else ``None``
    (only known to be over the limit).
    """

    def __init__(self, ref: str, size: int | None, limit: int) -> None:
        shown = "more than " + str(limit) if size is None else str(size)
        super().__init__(f"{ref}: object is too large: {shown} bytes, limit is {limit} bytes", ref)
        self.size = size
        self.limit = limit


class LiteralTooLargeError(PayloadTooLargeError):
    """A literal is too large to be offloaded (``size >= limit``, as Flyte compares).

    Attributes:
        name: The variable whose literal it is.
        size: Its serialized size in bytes.
        limit: The policy's ``max_bytes``.
        ref: Where it would have been written.
    """

    def __init__(self, name: str, size: int, limit: int, ref: str) -> None:
        super().__init__(ref, size, limit)
        self.name = name
        self.args = (
            f"the literal of {name!r} is {size} bytes serialized; literals of {limit} bytes "
            f"or more cannot be offloaded (it would have gone to {ref})",
        )


class CorruptPayloadError(PayloadError):
    """An object's bytes do not decode as the expected message."""


class StorageError(PlugioError, OSError):
    """A storage operation failed; ``ref`` is the reference it concerned."""

    def __init__(self, message: str, ref: str | None = None) -> None:
        super().__init__(f"{ref}: {message}" if ref else message)
        self.ref = ref

    def __str__(self) -> str:
        # OSError formats errno/strerror when set; plugio's message is the text.
        return str(self.args[0]) if self.args else ""


class NotFoundError(StorageError, FileNotFoundError):
    """The object (or bucket) does not exist."""


class AlreadyExistsError(StorageError, FileExistsError):
    """A conditional create found the object already there."""


class PermissionDeniedError(StorageError, PermissionError):
    """The credentials were refused or do not allow the operation."""


class BadRequestError(StorageError):
    """The store rejected the request as invalid; retrying cannot help."""


class TransientStorageError(StorageError, ConnectionError):
    """A failure that may pass: throttling, 5xx, a reset connection, a timeout.

    Raised after the retry policy gave up; ``attempts`` says how many were made
    and ``retry_after`` carries the server's hint in seconds, when it sent one.
    """

    def __init__(
        self,
        message: str,
        ref: str | None = None,
        *,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message, ref)
        self.retry_after = retry_after
        self.attempts = attempts
