"""The fixtures and capability flags every abstract test class depends on.

An implementation opts in with a fixtures class derived from
:class:`ConformanceFixtures` that overrides what it provides, then one line
per interface::

    class MyReaderFixtures(ConformanceFixtures):
        is_file_backed = False

        @pytest.fixture
        def make_output_reader(self) -> MakeOutputReader: ...

    class TestMyReader(AbstractOutputReaderTests, MyReaderFixtures):
        pass

The abstract classes derive from :class:`ConformanceFixtures` too, so in the
method resolution order every fixtures class an implementation writes comes
before it and its overrides win. A fixtures class that does not derive from it
would come after it and be ignored; defining such a test class raises
``TypeError`` saying so.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Protocol

import pytest
from google.protobuf.message import Message

import plugio.core
from plugio.execution import ExecutionError
from plugio.paths import (
    DECK_FILE,
    ERROR_FILE,
    INPUTS_FILE,
    OUTPUTS_FILE,
    InputFilePaths,
    InputPaths,
    OutputFilePaths,
    RemoteCheckpointPaths,
)
from plugio.readers import InputReader, OutputReader
from plugio.references import join
from plugio.storage import DataStore
from plugio.writers import OutputWriter
from plugio_conformance.abstract._layout import PlugioRawOutputLayout, RawOutputLayout
from plugio_conformance.abstract._values import FLYTE_MAX_PAYLOAD_BYTES

__all__ = [
    "ConformanceFixtures",
    "MakeInputPaths",
    "MakeInputReader",
    "MakeOutputPaths",
    "MakeOutputReader",
    "MakeOutputWriter",
    "MessageClass",
    "WriteAttempt",
    "WriteFile",
    "WriteInputs",
]

#: Where the default store and ``base_url`` live when an implementation keeps no files.
MEMORY_ROOT = "memory://plugio-conformance"

WriteFile = Callable[[str, bytes], None]
"""Store bytes at a reference, as a task container would leave them."""

MessageClass = Callable[[str], type[Message]]
"""The message class for a Flyte IDL name such as ``flyteidl.core.LiteralMap``."""


class MakeInputReader(Protocol):
    """Builds the input reader under test for an input prefix."""

    def __call__(self, input_prefix: str, *, max_payload_bytes: int | None = ...) -> InputReader:
        """Without ``max_payload_bytes``, the reader's own default limit applies."""
        ...


class MakeOutputReader(Protocol):
    """Builds the output reader under test for an attempt's output prefix."""

    def __call__(self, output_prefix: str, *, max_payload_bytes: int | None = ...) -> OutputReader:
        """Without ``max_payload_bytes``, the reader's own default limit applies."""
        ...


class MakeOutputWriter(Protocol):
    """Builds the output writer under test over output paths."""

    def __call__(self, paths: OutputFilePaths) -> OutputWriter:
        """A writer whose path methods answer from ``paths``."""
        ...


class MakeInputPaths(Protocol):
    """Builds the input paths under test."""

    def __call__(self, input_prefix: str) -> InputFilePaths:
        """Input paths under ``input_prefix``."""
        ...


class MakeOutputPaths(Protocol):
    """Builds the output paths under test."""

    def __call__(
        self, output_prefix: str, raw_output_prefix: str, previous_checkpoint_prefix: str = ""
    ) -> OutputFilePaths:
        """Output paths; read-only ones ignore the raw and checkpoint prefixes."""
        ...


class WriteInputs(Protocol):
    """Leaves ``inputs.pb`` bytes where the input reader under test will look."""

    def __call__(self, input_prefix: str, data: bytes) -> None:
        """Store ``data`` as the inputs under ``input_prefix``."""
        ...


class WriteAttempt(Protocol):
    """Leaves what a finished attempt left, where the output reader will look."""

    def __call__(
        self,
        output_prefix: str,
        *,
        outputs: plugio.core.LiteralMap | None = None,
        error: ExecutionError | None = None,
        deck: str | None = None,
    ) -> None:
        """Record the attempt's outputs, error and deck (each optional)."""
        ...


class ConformanceFixtures:
    """Capability flags and fixtures; override what your implementation provides.

    Flags are class attributes; a test that needs a capability the flag denies
    is skipped, with the flag named in the reason. An autouse fixture may also
    set them on ``self`` when they depend on a parametrized backend.
    """

    # -- storage -------------------------------------------------------------
    #: The store has a conditional create (``write_bytes(..., if_absent=True)``).
    supports_conditional_create: bool = True
    #: ``head`` reports a version tag that changes when the object is rewritten.
    supports_etag: bool = True
    #: A listing made right after a write includes it.
    listing_is_consistent: bool = True

    # -- readers -------------------------------------------------------------
    #: The output reader reads files under the output prefix (``is_file()`` True).
    is_file_backed: bool = True
    #: The reader refuses files larger than ``max_payload_bytes``.
    enforces_payload_limit: bool = True
    #: The reader's limit when none is given (``None``: do not check it).
    default_max_payload_bytes: int | None = FLYTE_MAX_PAYLOAD_BYTES
    #: Where the error comes from: ``"single"`` (``error.pb``) or ``"earliest"``.
    error_aggregation: str = "single"
    #: The output reader answers from what it was given (as ``InMemoryOutputReader``):
    #: ``read()`` returns outputs and error as given, ``read_error()`` raises without one.
    holds_results_in_memory: bool = False
    #: The input reader keeps its first successful result.
    caches_inputs: bool = False

    # -- writers and paths ---------------------------------------------------
    #: The writer commits files; False for one that only keeps the reader.
    writes_files: bool = True
    #: Error documents keep origin, timestamp and worker (plugio's lossless round trip).
    lossless_error_documents: bool = True
    #: The output paths have no raw output area (reading what an attempt left).
    output_paths_are_read_only: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _refuse_ignored_overrides(cls)

    # -- where things are ----------------------------------------------------
    @pytest.fixture
    def store(self) -> DataStore:
        """The store the implementation reads and writes (default: in memory)."""
        return DataStore.from_url(MEMORY_ROOT)

    @pytest.fixture
    def base_url(self) -> str:
        """A prefix of this test's own in ``store`` (default: a fresh memory prefix)."""
        return f"{MEMORY_ROOT}/{uuid.uuid4().hex[:12]}"

    @pytest.fixture
    def input_prefix(self, base_url: str) -> str:
        """The attempt's input prefix."""
        return join(base_url, "inputs")

    @pytest.fixture
    def output_prefix(self, base_url: str) -> str:
        """The attempt's output (metadata) prefix."""
        return join(base_url, "outputs")

    @pytest.fixture
    def raw_output_prefix(self, base_url: str) -> str:
        """The attempt's raw output prefix."""
        return join(base_url, "raw")

    # -- leaving data for readers ---------------------------------------------
    @pytest.fixture
    def write_file(self, store: DataStore) -> WriteFile:
        """Store bytes at a reference (default: ``store.write_bytes``)."""
        return store.write_bytes

    @pytest.fixture
    def write_inputs(self, write_file: WriteFile) -> WriteInputs:
        """Leave ``inputs.pb`` (default: the file under the input prefix)."""

        def write(input_prefix: str, data: bytes) -> None:
            write_file(join(input_prefix, INPUTS_FILE), data)

        return write

    @pytest.fixture
    def write_attempt(self, write_file: WriteFile) -> WriteAttempt:
        """Leave an attempt's results (default: ``outputs.pb``, ``error.pb``, the deck)."""

        def write(
            output_prefix: str,
            *,
            outputs: plugio.core.LiteralMap | None = None,
            error: ExecutionError | None = None,
            deck: str | None = None,
        ) -> None:
            if outputs is not None:
                data = outputs.SerializeToString(deterministic=True)
                write_file(join(output_prefix, OUTPUTS_FILE), data)
            if error is not None:
                data = error.to_error_document().SerializeToString(deterministic=True)
                write_file(join(output_prefix, ERROR_FILE), data)
            if deck is not None:
                write_file(join(output_prefix, DECK_FILE), deck.encode("utf-8"))

        return write

    # -- the implementations under test ---------------------------------------
    @pytest.fixture
    def make_input_reader(self) -> MakeInputReader:
        """The input reader under test; override it."""
        raise NotImplementedError(_override("make_input_reader", "an InputReader"))

    @pytest.fixture
    def make_output_reader(self) -> MakeOutputReader:
        """The output reader under test; override it."""
        raise NotImplementedError(_override("make_output_reader", "an OutputReader"))

    @pytest.fixture
    def make_output_writer(self) -> MakeOutputWriter:
        """The output writer under test; override it."""
        raise NotImplementedError(_override("make_output_writer", "an OutputWriter"))

    @pytest.fixture
    def make_input_paths(self, store: DataStore) -> MakeInputPaths:
        """Input paths (default: plugio's ``InputPaths``)."""
        return lambda input_prefix: InputPaths(store, input_prefix)

    @pytest.fixture
    def make_output_paths(self, store: DataStore) -> MakeOutputPaths:
        """Output paths (default: plugio's ``RemoteCheckpointPaths``)."""

        def make(
            output_prefix: str, raw_output_prefix: str, previous_checkpoint_prefix: str = ""
        ) -> OutputFilePaths:
            return RemoteCheckpointPaths(
                store, output_prefix, raw_output_prefix, previous_checkpoint_prefix
            )

        return make

    @pytest.fixture
    def raw_output_layout(self) -> RawOutputLayout:
        """The raw output layout (default: plugio's)."""
        return PlugioRawOutputLayout()

    @pytest.fixture
    def message_class(self) -> MessageClass:
        """The class decoding a Flyte IDL message (default: plugio's ``plugio.core``)."""

        def find(full_name: str) -> type[Message]:
            found: type[Message] = getattr(plugio.core, full_name.rpartition(".")[2])
            return found

        return find

    # -- capability checks, for the tests -----------------------------------------
    def require(self, flag: str, reason: str) -> None:
        """Skip the test unless the capability ``flag`` is true."""
        if not getattr(self, flag):
            pytest.skip(f"{type(self).__name__}.{flag} is false: {reason}")

    def refuse(self, flag: str, reason: str) -> None:
        """Skip the test when the capability ``flag`` is true."""
        if getattr(self, flag):
            pytest.skip(f"{type(self).__name__}.{flag} is true: {reason}")


def _override(name: str, what: str) -> str:
    return (
        f"override the {name!r} fixture in a class derived from ConformanceFixtures: "
        f"return a factory of {what} under test"
    )


def _refuse_ignored_overrides(cls: type) -> None:
    """Raise if a class after ``ConformanceFixtures`` in ``cls``'s MRO defines its names."""
    mro = cls.__mro__
    if ConformanceFixtures not in mro:  # ConformanceFixtures itself
        return
    provided = {name for name in vars(ConformanceFixtures) if not name.startswith("__")}
    for klass in mro[mro.index(ConformanceFixtures) + 1 :]:
        ignored = sorted(provided & set(vars(klass)))
        if ignored:
            raise TypeError(
                f"{cls.__name__}: {klass.__name__} defines {', '.join(ignored)} but comes "
                f"after ConformanceFixtures in the method resolution order, so they would be "
                f"ignored; derive {klass.__name__} from ConformanceFixtures"
            )
