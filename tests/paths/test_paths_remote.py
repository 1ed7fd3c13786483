"""Input and output paths: file names under each kind of prefix, checkpoints, read-only."""

from __future__ import annotations

import pytest

from plugio.errors import ConfigurationError, InvalidReferenceError, PlugioError
from plugio.paths import (
    CHECKPOINTS_FOLDER,
    DECK_FILE,
    ERROR_FILE,
    FUTURES_FILE,
    INPUTS_FILE,
    OUTPUTS_FILE,
    CheckpointPaths,
    InputFilePaths,
    InputPaths,
    OutputFilePaths,
    RawOutputPaths,
    RawOutputPrefix,
    ReadOnlyOutputPaths,
    RemoteCheckpointPaths,
    RemoteFileOutputPaths,
    ShardedRawOutputPaths,
    checkpoint_prefix,
    default_shard_selector,
)
from plugio.storage import DataStore


@pytest.fixture
def store() -> DataStore:
    return DataStore.from_url("memory://x")


def test_file_names() -> None:
    assert (INPUTS_FILE, OUTPUTS_FILE, ERROR_FILE, DECK_FILE, FUTURES_FILE) == (
        "inputs.pb",
        "outputs.pb",
        "error.pb",
        "deck.html",
        "futures.pb",
    )
    assert CHECKPOINTS_FOLDER == "_flytecheckpoints"


# (prefix, the reference of a file named "f" under it)
PREFIXES = [
    ("s3://bucket/meta/n0", "s3://bucket/meta/n0/{}"),
    ("s3://bucket/meta/n0/", "s3://bucket/meta/n0/{}"),
    ("s3://bucket", "s3://bucket/{}"),
    ("gs://bucket/a b/n0", "gs://bucket/a%20b/n0/{}"),
    ("abfs://container/meta", "abfs://container/meta/{}"),
    ("file:///tmp/meta", "file:///tmp/meta/{}"),
    ("/tmp/meta", "/tmp/meta/{}"),
    ("/tmp/meta/", "/tmp/meta/{}"),
    ("relative/meta", "relative/meta/{}"),
    ("memory://x/meta", "memory://x/meta/{}"),
]


@pytest.mark.parametrize(("prefix", "pattern"), PREFIXES)
def test_input_file_under_each_prefix(store: DataStore, prefix: str, pattern: str) -> None:
    paths = InputPaths(store, prefix)
    assert paths.get_input_prefix_path() == prefix
    assert paths.get_input_path() == pattern.format("inputs.pb")


@pytest.mark.parametrize(("prefix", "pattern"), PREFIXES)
def test_output_files_under_each_prefix(store: DataStore, prefix: str, pattern: str) -> None:
    paths = RemoteFileOutputPaths(store, prefix, "s3://bucket/raw")
    assert paths.get_output_prefix_path() == prefix
    assert paths.get_output_path() == pattern.format("outputs.pb")
    assert paths.get_error_path() == pattern.format("error.pb")
    assert paths.get_deck_path() == pattern.format("deck.html")
    assert paths.get_futures_path() == pattern.format("futures.pb")


@pytest.mark.parametrize(
    ("raw_output_prefix", "expected"),
    [
        ("s3://my-bucket/base", "s3://my-bucket/base/_flytecheckpoints"),  # Flyte's vectors
        ("s3://my-bucket/base2/", "s3://my-bucket/base2/_flytecheckpoints"),
        ("", ""),
        ("gs://b/raw/aa/x-n0-0", "gs://b/raw/aa/x-n0-0/_flytecheckpoints"),
        ("/tmp/raw", "/tmp/raw/_flytecheckpoints"),
        ("memory://x/raw", "memory://x/raw/_flytecheckpoints"),
    ],
)
def test_checkpoint_prefix(store: DataStore, raw_output_prefix: str, expected: str) -> None:
    assert checkpoint_prefix(raw_output_prefix) == expected
    for raw in (raw_output_prefix, RawOutputPrefix(raw_output_prefix)):
        paths = RemoteFileOutputPaths(store, "s3://b/meta", raw)
        assert paths.get_raw_output_prefix() == raw_output_prefix
        assert paths.get_checkpoint_prefix() == expected


def test_flyte_writer_paths(store: DataStore) -> None:
    """Flyte's remote-file writer test, with its relative references."""
    paths = RemoteCheckpointPaths(store, "output", RawOutputPrefix("sandbox"), "checkpoint")
    assert paths.get_previous_checkpoints_prefix() == "checkpoint"
    assert paths.get_output_prefix_path() == "output"
    assert paths.get_checkpoint_prefix() == "sandbox/_flytecheckpoints"
    assert paths.get_output_path() == "output/outputs.pb"
    assert paths.get_deck_path() == "output/deck.html"
    assert paths.get_error_path() == "output/error.pb"
    assert paths.get_futures_path() == "output/futures.pb"


def test_architecture_example(store: DataStore) -> None:
    raw = ShardedRawOutputPaths("s3://bucket/raw", default_shard_selector(), "exec-n0-1")
    paths = RemoteCheckpointPaths(store, "s3://bucket/meta/n0/1", raw, "s3://bucket/prev")
    assert isinstance(paths, OutputFilePaths)
    assert isinstance(paths, RemoteFileOutputPaths)
    assert paths.get_raw_output_prefix() == raw.get_raw_output_prefix()
    assert paths.get_checkpoint_prefix() == raw.get_raw_output_prefix() + "/_flytecheckpoints"
    assert paths.get_previous_checkpoints_prefix() == "s3://bucket/prev"
    assert paths.store is store


def test_previous_checkpoint_defaults_to_none(store: DataStore) -> None:
    paths = RemoteFileOutputPaths(store, "s3://b/meta", "s3://b/raw")
    assert paths.get_previous_checkpoints_prefix() == ""


def test_deck_name_is_configurable(store: DataStore) -> None:
    paths = RemoteFileOutputPaths(store, "s3://b/meta", "", deck_file_name="report.html")
    assert paths.get_deck_path() == "s3://b/meta/report.html"
    read_only = ReadOnlyOutputPaths(store, "s3://b/meta", deck_file_name="report.html")
    assert read_only.get_deck_path() == "s3://b/meta/report.html"


@pytest.mark.parametrize("deck_file_name", ["s3://other/deck.html", "../deck.html"])
def test_deck_name_must_stay_under_the_output_prefix(store: DataStore, deck_file_name: str) -> None:
    with pytest.raises(InvalidReferenceError):
        RemoteFileOutputPaths(store, "s3://b/meta", "", deck_file_name=deck_file_name)


@pytest.mark.parametrize("prefix", ["", "s3://", " s3://b/x", "s3://b/x?y"])
def test_malformed_prefixes_fail_when_built(store: DataStore, prefix: str) -> None:
    with pytest.raises(InvalidReferenceError):
        InputPaths(store, prefix)
    with pytest.raises(InvalidReferenceError):
        RemoteFileOutputPaths(store, prefix, "s3://b/raw")


@pytest.mark.parametrize("raw_output_prefix", ["s3://", " s3://b/x", "s3://b/x#y"])
def test_malformed_raw_prefixes_fail_when_built(store: DataStore, raw_output_prefix: str) -> None:
    with pytest.raises(InvalidReferenceError):
        RemoteFileOutputPaths(store, "s3://b/meta", raw_output_prefix)


def read_only_paths(store: DataStore, how: str) -> RemoteFileOutputPaths:
    if how == "read-only":
        return ReadOnlyOutputPaths(store, "s3://b/meta/n0")
    return RemoteFileOutputPaths(store, "s3://b/meta/n0", None)


@pytest.mark.parametrize("how", ["read-only", "no raw paths"])
def test_read_only_paths_raise_for_raw_and_checkpoint_prefixes(store: DataStore, how: str) -> None:
    paths = read_only_paths(store, how)
    assert paths.get_output_path() == "s3://b/meta/n0/outputs.pb"
    assert paths.get_error_path() == "s3://b/meta/n0/error.pb"
    assert paths.get_previous_checkpoints_prefix() == ""
    for getter, wanted in (
        (paths.get_raw_output_prefix, "raw output prefix"),
        (paths.get_checkpoint_prefix, "checkpoint prefix"),
    ):
        with pytest.raises(ConfigurationError) as caught:
            getter()
        message = str(caught.value)
        assert "'s3://b/meta/n0'" in message
        assert "read-only" in message
        assert wanted in message
        assert isinstance(caught.value, PlugioError)


def test_raw_output_paths_of_any_implementation(store: DataStore) -> None:
    class Fixed(RawOutputPaths):
        def get_raw_output_prefix(self) -> str:
            return "gs://b/fixed"

    paths = RemoteFileOutputPaths(store, "gs://b/meta", Fixed())
    assert paths.get_raw_output_prefix() == "gs://b/fixed"
    assert paths.get_checkpoint_prefix() == "gs://b/fixed/_flytecheckpoints"


def test_interfaces_are_abstract() -> None:
    for interface in (InputFilePaths, RawOutputPaths, CheckpointPaths, OutputFilePaths):
        with pytest.raises(TypeError):
            interface()  # type: ignore[abstract]
    assert issubclass(OutputFilePaths, RawOutputPaths)
    assert issubclass(OutputFilePaths, CheckpointPaths)
    assert issubclass(InputPaths, InputFilePaths)
    assert issubclass(ReadOnlyOutputPaths, OutputFilePaths)


def test_interface_methods_are_the_seed_methods() -> None:
    expected = {
        InputFilePaths: {"get_input_prefix_path", "get_input_path"},
        RawOutputPaths: {"get_raw_output_prefix"},
        CheckpointPaths: {"get_previous_checkpoints_prefix", "get_checkpoint_prefix"},
        OutputFilePaths: {
            "get_raw_output_prefix",
            "get_previous_checkpoints_prefix",
            "get_checkpoint_prefix",
            "get_output_prefix_path",
            "get_output_path",
            "get_deck_path",
            "get_error_path",
        },
    }
    for interface, methods in expected.items():
        assert interface.__abstractmethods__ == frozenset(methods), interface


def test_paths_are_stable_and_readable(store: DataStore) -> None:
    paths = RemoteCheckpointPaths(store, "s3://b/meta", "s3://b/raw")
    assert paths.get_output_path() is paths.get_output_path()
    assert repr(paths) == (
        "RemoteCheckpointPaths(output_prefix='s3://b/meta', raw_output_prefix='s3://b/raw')"
    )
    assert repr(InputPaths(store, "s3://b/in")) == "InputPaths(input_prefix='s3://b/in')"
    assert InputPaths(store, "s3://b/in").store is store


def test_paths_write_and_read_through_a_memory_store(store: DataStore) -> None:
    paths = RemoteCheckpointPaths(store, "memory://x/meta", "memory://x/raw")
    store.write_bytes(paths.get_error_path(), b"e")
    store.write_bytes(paths.get_checkpoint_prefix() + "/state", b"c")
    assert store.read_bytes("memory://x/meta/error.pb") == b"e"
    assert store.read_bytes("memory://x/raw/_flytecheckpoints/state") == b"c"
