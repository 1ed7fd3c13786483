"""Literals plugio writes are Flyte's, and plugio reads what flytekit writes.

``data/flytekit_values.pb`` was written by flytekit's type engine (the version
is in ``data/flytekit_version.txt``; ``data/make_flytekit_values.py`` makes it
again). ``data/plugio_values.pb`` is plugio's encoding of the same cases, which
that script's ``check`` command reads back with flytekit; a test here keeps it
current (run this file with Python to rewrite it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import sys
from pathlib import Path
from typing import Any

from flyteidl.core import literals_pb2 as flyte_literals
from google.protobuf import text_format
from hypothesis import given, settings
from pydantic import BaseModel
from test_literals_roundtrip import values

from plugio.core import LiteralMap
from plugio.literals import BlobRef, from_literal, to_literal, to_literal_map

DATA = Path(__file__).parent / "data"
UTC = dt.timezone.utc


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Settings(BaseModel):
    name: str
    retries: int
    ratio: float
    tags: list[str]


@dataclasses.dataclass
class Point:
    x: int
    y: float


SETTINGS = Settings(name="s", retries=3, ratio=0.5, tags=["a", "b"])

#: name -> (value, type hint to read it with); the cases of make_flytekit_values.py.
CASES: dict[str, tuple[Any, Any]] = {
    "none": (None, None),
    "true": (True, None),
    "int": (-(2**62), None),
    "float": (0.25, None),
    "str": ("héllo ✓", None),
    "datetime": (dt.datetime(2024, 2, 21, 12, 30, 15, 123456, tzinfo=UTC), None),
    "date": (dt.date(2024, 2, 29), dt.date),
    "timedelta": (dt.timedelta(days=2, seconds=5, microseconds=7), None),
    "negative_timedelta": (-dt.timedelta(seconds=1, microseconds=500_000), None),
    "ints": ([1, 2, 3], None),
    "empty_list": ([], None),
    "counts": ({"a": 1, "b": 2}, None),
    "nested": ({"xs": [[0.5, 1.5], []], "ys": [[2.0]]}, None),
    "enum": (Color.BLUE, Color),
    "optional_none": (None, int | None),
    "optional_int": (7, int | None),
    "settings": (SETTINGS, Settings),
    "point": (Point(x=1, y=2.5), Point),
    "untyped_dict": ({"a": 1, "b": [True, None, "x"]}, None),
    "file": (BlobRef("s3://bucket/data/table.csv", multipart=False, format="csv"), None),
    "folder": (BlobRef("s3://bucket/data/parts", multipart=True), None),
}
#: Cases plugio writes otherwise than flytekit's type for them reads (dataclasses
#: are not written; an untyped dict is a LiteralMap, read by flytekit as dict[str, T]).
NOT_WRITTEN = {"point", "untyped_dict"}


def test_flytekit_values_read_as_the_same_python_values() -> None:
    literal_map = LiteralMap.FromString((DATA / "flytekit_values.pb").read_bytes())
    assert set(literal_map.literals) == set(CASES)
    for name, (value, hint) in CASES.items():
        assert from_literal(literal_map.literals[name], hint) == value, name


def test_flytekit_models_read_untyped_as_their_fields() -> None:
    literal_map = LiteralMap.FromString((DATA / "flytekit_values.pb").read_bytes())
    assert from_literal(literal_map.literals["settings"]) == SETTINGS.model_dump()
    assert from_literal(literal_map.literals["enum"]) == "blue"
    assert from_literal(literal_map.literals["date"]) == dt.datetime(2024, 2, 29, tzinfo=UTC)


def plugio_values() -> LiteralMap:
    return to_literal_map({name: CASES[name][0] for name in CASES if name not in NOT_WRITTEN})


def test_plugio_values_file_is_current() -> None:
    written = plugio_values().SerializeToString(deterministic=True)
    assert (DATA / "plugio_values.pb").read_bytes() == written


def test_plugio_writes_the_shared_types_as_flytekit_does() -> None:
    """Field for field the same literal, for every case flytekit writes the same way."""
    flytekit_map = LiteralMap.FromString((DATA / "flytekit_values.pb").read_bytes())
    differs = NOT_WRITTEN | {"settings", "optional_none", "optional_int"}
    for name, (value, _) in CASES.items():
        if name not in differs:
            assert to_literal(value) == flytekit_map.literals[name], name


def as_flyte(message: Any, flyte_type: Any) -> Any:
    return flyte_type.FromString(message.SerializeToString())


@settings(max_examples=100, deadline=None)
@given(values)
def test_flyteidl_parses_what_plugio_writes_to_the_same_fields(value: Any) -> None:
    literal = to_literal(value)
    flyte = as_flyte(literal, flyte_literals.Literal)
    assert text_format.MessageToString(flyte) == text_format.MessageToString(literal)
    assert flyte.SerializeToString(deterministic=True) == literal.SerializeToString(
        deterministic=True
    )


def test_flyteidl_sees_the_values_plugio_wrote() -> None:
    stamp = dt.datetime(2024, 2, 21, 12, 30, 15, 123456, tzinfo=UTC)
    literal_map = to_literal_map(
        {"n": 7, "when": stamp, "raw": b"\x00\x01", "cfg": SETTINGS, "rows": [1, None]}
    )
    flyte = as_flyte(literal_map, flyte_literals.LiteralMap).literals
    assert flyte["n"].scalar.primitive.integer == 7
    assert flyte["when"].scalar.primitive.datetime.ToDatetime(tzinfo=UTC) == stamp
    assert flyte["raw"].scalar.binary.value == b"\x00\x01"
    assert dict(flyte["cfg"].scalar.generic)["name"] == "s"
    assert flyte["rows"].collection.literals[1].scalar.HasField("none_type")


def test_plugio_reads_what_flyteidl_builds() -> None:
    flyte = flyte_literals.Literal()
    blob = flyte.map.literals["model"].scalar.blob
    blob.uri = "gs://b/models/m.pt"
    blob.metadata.type.format = "pt"
    flyte.map.literals["steps"].scalar.primitive.integer = 5
    plugio_literal = as_flyte(flyte, type(to_literal(0)))
    assert from_literal(plugio_literal) == {
        "model": BlobRef("gs://b/models/m.pt", format="pt"),
        "steps": 5,
    }


if __name__ == "__main__":  # rewrite data/plugio_values.pb after a deliberate change
    (DATA / "plugio_values.pb").write_bytes(plugio_values().SerializeToString(deterministic=True))
    sys.exit(0)
