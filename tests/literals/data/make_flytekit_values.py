"""Write literals with flytekit's type engine, and read plugio's with it.

Run it with flytekit (and pydantic) installed, in an environment of its own:
plugio does not depend on flytekit.

    python make_flytekit_values.py write
        Writes flytekit_values.pb beside this script: one LiteralMap with a
        literal per case below, as flytekit's TypeEngine converts it, and
        flytekit_version.txt.

    python make_flytekit_values.py check
        Reads plugio_values.pb beside this script (a LiteralMap that plugio's
        tests write from the same cases) with flytekit's TypeEngine and
        fails unless every value comes back equal.

The test suite reads flytekit_values.pb with plugio and compares the values
to its own copy of the cases.
"""

# mypy: disable-error-code="import-not-found"

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import sys
import typing
from pathlib import Path

import flytekit
import pydantic
from flyteidl.core import literals_pb2
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import LiteralMap
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

HERE = Path(__file__).parent
UTC = dt.timezone.utc


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Settings(pydantic.BaseModel):
    name: str
    retries: int
    ratio: float
    tags: list[str]


@dataclasses.dataclass
class Point:
    x: int
    y: float


def cases() -> dict[str, tuple[typing.Any, typing.Any]]:
    """The values both sides convert: name -> (value, Python type)."""
    return {
        "none": (None, type(None)),
        "true": (True, bool),
        "int": (-(2**62), int),
        "float": (0.25, float),
        "str": ("héllo ✓", str),
        "datetime": (dt.datetime(2024, 2, 21, 12, 30, 15, 123456, tzinfo=UTC), dt.datetime),
        "date": (dt.date(2024, 2, 29), dt.date),
        "timedelta": (dt.timedelta(days=2, seconds=5, microseconds=7), dt.timedelta),
        "negative_timedelta": (-dt.timedelta(seconds=1, microseconds=500_000), dt.timedelta),
        "ints": ([1, 2, 3], list[int]),
        "empty_list": ([], list[str]),
        "counts": ({"a": 1, "b": 2}, dict[str, int]),
        "nested": ({"xs": [[0.5, 1.5], []], "ys": [[2.0]]}, dict[str, list[list[float]]]),
        "enum": (Color.BLUE, Color),
        "optional_none": (None, int | None),
        "optional_int": (7, int | None),
        "settings": (Settings(name="s", retries=3, ratio=0.5, tags=["a", "b"]), Settings),
        "point": (Point(x=1, y=2.5), Point),
        "untyped_dict": ({"a": 1, "b": [True, None, "x"]}, dict),
        "file": (FlyteFile("s3://bucket/data/table.csv"), FlyteFile["csv"]),
        "folder": (FlyteDirectory("s3://bucket/data/parts"), FlyteDirectory),
    }


def write() -> None:
    context = FlyteContextManager.current_context()
    literals = {}
    for name, (value, python_type) in cases().items():
        literal_type = TypeEngine.to_literal_type(python_type)
        literals[name] = TypeEngine.to_literal(context, value, python_type, literal_type)
    message = LiteralMap(literals=literals).to_flyte_idl()
    (HERE / "flytekit_values.pb").write_bytes(message.SerializeToString(deterministic=True))
    (HERE / "flytekit_version.txt").write_text(f"flytekit {flytekit.__version__}\n")


def check() -> None:
    context = FlyteContextManager.current_context()
    message = literals_pb2.LiteralMap.FromString((HERE / "plugio_values.pb").read_bytes())
    written = LiteralMap.from_flyte_idl(message).literals
    failures = []
    for name, (value, python_type) in cases().items():
        if name not in written:
            continue
        read = TypeEngine.to_python_value(context, written[name], python_type)
        if isinstance(value, FlyteFile | FlyteDirectory):
            read, value = read.remote_source or read.path, value.path
        if read != value:
            failures.append(f"{name}: flytekit read {read!r}, expected {value!r}")
        else:
            print(f"{name}: ok ({python_type})")
    if failures:
        sys.exit("\n".join(failures))


if __name__ == "__main__":
    {"write": write, "check": check}[sys.argv[1] if len(sys.argv) > 1 else "write"]()
