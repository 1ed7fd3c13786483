"""PLUGIO_FLYTE names the generation to follow when none is given."""

from __future__ import annotations

import subprocess
import sys

import pytest

from plugio.errors import ConfigurationError
from plugio.generation import ENV_VARIABLE, FlyteGeneration


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", FlyteGeneration.FLYTE1), ("1", FlyteGeneration.FLYTE1), (" 2 ", FlyteGeneration.FLYTE2),
     ("flyte2", FlyteGeneration.FLYTE2), ("Flyte-1", FlyteGeneration.FLYTE1)],
)  # fmt: skip
def test_the_variable_names_the_generation(value: str, expected: FlyteGeneration) -> None:
    assert FlyteGeneration.from_environment({ENV_VARIABLE: value}) is expected


def test_unset_is_flyte1() -> None:
    assert FlyteGeneration.from_environment({}) is FlyteGeneration.FLYTE1


def test_a_bad_value_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match=r"^PLUGIO_FLYTE: not a Flyte generation: '3'"):
        FlyteGeneration.from_environment({ENV_VARIABLE: "3"})


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
