"""A store speaks a Flyte generation: ``StorageConfig.flyte``, from ``PLUGIO_FLYTE``.

Its writers, decks, inputs and checkpoints follow it when not told otherwise.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from plugio.config import StorageConfig
from plugio.core import Outputs
from plugio.errors import ConfigurationError
from plugio.generation import FlyteGeneration
from plugio.literals import to_literal_map
from plugio.paths import RemoteFileOutputPaths
from plugio.readers import InMemoryOutputReader
from plugio.storage import DataStore
from plugio.task import Checkpoint, write_deck
from plugio.writers import RemoteFileOutputWriter


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", FlyteGeneration.FLYTE1), (" 2 ", FlyteGeneration.FLYTE2),
     ("flyte2", FlyteGeneration.FLYTE2), ("Flyte-1", FlyteGeneration.FLYTE1)],
)  # fmt: skip
def test_the_variable_names_the_stores_generation(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: FlyteGeneration
) -> None:
    monkeypatch.setenv("PLUGIO_FLYTE", value)
    assert StorageConfig().flyte is expected
    assert DataStore().flyte is expected


def test_flyte1_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLUGIO_FLYTE", raising=False)
    assert DataStore().flyte is FlyteGeneration.FLYTE1


def test_an_argument_wins_over_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGIO_FLYTE", "1")
    assert StorageConfig(flyte=2).flyte is FlyteGeneration.FLYTE2


def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGIO_FLYTE", "3")
    with pytest.raises(ConfigurationError, match=r"^PLUGIO_FLYTE: must be one of 1, 2$"):
        StorageConfig()


def test_the_variable_is_no_misspelt_setting() -> None:
    code = "import plugio; plugio.StorageConfig()"
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        env={"PLUGIO_FLYTE": "2", "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_a_flyte2_stores_files_follow_flyte2(tmp_path: Path) -> None:
    store = DataStore(StorageConfig(flyte=2))
    paths = RemoteFileOutputPaths(store, str(tmp_path / "out"), str(tmp_path / "raw"))
    outputs = to_literal_map({"n": 1})
    RemoteFileOutputWriter(store, paths).put(InMemoryOutputReader(literals=outputs))
    assert len(Outputs.FromString((tmp_path / "out" / "outputs.pb").read_bytes()).literals) == 1
    assert write_deck(store, paths, "<p>deck</p>")
    assert (tmp_path / "out" / "report.html").exists()
    assert not (tmp_path / "out" / "deck.html").exists()
    assert Checkpoint(store, checkpoint_prefix=str(tmp_path / "cp")).flyte is FlyteGeneration.FLYTE2
    told = RemoteFileOutputWriter(store, paths, generation=1)
    assert told.generation is FlyteGeneration.FLYTE1
