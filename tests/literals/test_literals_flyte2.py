"""Values for Flyte 2 and Flyte 1: enums by name or value, dataclasses, ordered outputs.

Flyte 2's golden vectors (written by its runtime, ``a0``) are the reference:
plugio writes the same bytes for the same values, and reads them back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

import pytest
from pydantic import BaseModel

from plugio.core import Inputs, Literal, LiteralMap, Outputs, ProducedArtifact
from plugio.generation import FlyteGeneration
from plugio.literals import (
    LiteralConversionError,
    check_nesting,
    from_literal,
    from_literal_map,
    literal_map_of,
    to_inputs,
    to_literal,
    to_literal_map,
    to_outputs,
)
from plugio.literals._msgpack import packb, unpackb
from plugio_conformance.vectors import GoldenVector, golden_vectors

WHEN = dt.datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=dt.timezone.utc)


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.Enum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Point:
    x: int
    y: float
    label: str = "p"


@dataclasses.dataclass
class Shape:
    name: str
    corners: list[Point]
    color: Color
    tags: dict[str, int]
    made: dt.datetime


class Settings(BaseModel):
    color: Color
    colors: list[Color]
    point: Point | None = None


def golden(name: str) -> GoldenVector:
    (found,) = [vector for vector in golden_vectors() if vector.name == name]
    return found


def test_primitive_outputs_are_a0s_bytes() -> None:
    values = {
        "o0": 42,
        "o1": 2.5,
        "o2": "héllo!",
        "o3": False,
        "o4": WHEN,
        "o5": dt.timedelta(hours=1, microseconds=5),
    }
    assert to_outputs(values).SerializeToString() == golden("flyte2_outputs_primitives").data


def test_enum_and_dataclass_outputs_are_a0s_bytes() -> None:
    moved = Point(2, 5.0, "é!")
    values = {"o0": Color.GREEN, "o1": moved, "o2": [Point(1, 2.5, "é"), moved]}
    outputs = to_outputs(values, generation=FlyteGeneration.FLYTE2)
    assert outputs.SerializeToString() == golden("flyte2_outputs_enum_and_dataclass").data


def test_flyte2_inputs_are_the_type_engines_bytes() -> None:
    values = {"color": Color.RED, "point": Point(1, 2.5, "é")}
    assert to_inputs(values).SerializeToString() == golden("flyte2_inputs_enum_and_dataclass").data


def test_a0s_outputs_read_back_as_the_python_types() -> None:
    outputs = Outputs.FromString(golden("flyte2_outputs_enum_and_dataclass").data)
    literal_map = literal_map_of(outputs)
    assert from_literal(literal_map.literals["o0"], Color) is Color.GREEN
    assert from_literal(literal_map.literals["o1"], Point) == Point(2, 5.0, "é!")
    assert from_literal(literal_map.literals["o2"], list[Point])[0] == Point(1, 2.5, "é")


def test_enums_are_written_by_value_for_flyte1_and_by_name_for_flyte2() -> None:
    assert to_literal(Color.RED).scalar.primitive.string_value == "red"
    flyte2 = to_literal(Color.RED, generation=2)
    assert flyte2.scalar.primitive.string_value == "RED"
    assert to_literal(Level.HIGH, generation="flyte2").scalar.primitive.string_value == "HIGH"
    with pytest.raises(LiteralConversionError, match="only str-valued enums convert for Flyte 1"):
        to_literal(Level.HIGH)


@pytest.mark.parametrize("written", ["red", "RED"])
def test_enums_read_by_value_or_by_name_given_the_type(written: str) -> None:
    literal = to_literal(written)
    assert from_literal(literal, Color) is Color.RED
    assert from_literal(to_literal([written, "GREEN"]), list[Color]) == [Color.RED, Color.GREEN]
    assert from_literal(to_literal({"k": written}), dict[str, Color]) == {"k": Color.RED}
    assert from_literal(literal, Color | None) is Color.RED
    model = from_literal_map(to_literal_map({"color": written, "colors": [written]}), Settings)
    assert model == Settings(color=Color.RED, colors=[Color.RED])


def test_an_unknown_enum_name_is_refused_naming_the_value() -> None:
    with pytest.raises(LiteralConversionError, match="value"):
        from_literal(to_literal("BLUE"), Color)


def test_dataclasses_nest_and_read_back_for_both_generations() -> None:
    shape = Shape("sq", [Point(0, 0.5), Point(-40, 1e300, "far")], Color.GREEN, {"a": 2**40}, WHEN)
    for generation in FlyteGeneration:
        literal = to_literal(shape, generation=generation)
        assert literal.scalar.binary.tag == "msgpack"
        plain = unpackb(literal.scalar.binary.value)
        # Fields in declared order; an enum inside by value; a datetime as ISO text.
        assert list(plain) == ["name", "corners", "color", "tags", "made"]
        assert plain["color"] == "green"
        assert plain["made"] == WHEN.isoformat()
        assert from_literal(literal, Shape) == shape


def test_a_dataclass_field_without_a_form_is_named() -> None:
    @dataclasses.dataclass
    class Holder:
        inner: list[object]

    with pytest.raises(LiteralConversionError, match=r"p\.inner\[1\]"):
        to_literal_map({"p": Holder([1, object()])})


def test_outputs_keep_the_order_given_and_map_back() -> None:
    outputs = to_outputs({"zeta": 1, "alpha": "a"})
    assert [entry.name for entry in outputs.literals] == ["zeta", "alpha"]
    assert dict(literal_map_of(outputs).literals) == dict(
        to_literal_map({"alpha": "a", "zeta": 1}).literals
    )


def test_outputs_carry_produced_artifacts() -> None:
    artifact = ProducedArtifact(output="model", name="m", version="1")
    outputs = to_outputs({"model": 1}, produced_artifacts=[artifact])
    assert list(outputs.produced_artifacts) == [artifact]
    assert Outputs.FromString(outputs.SerializeToString()) == outputs


def test_model_outputs_follow_the_field_order() -> None:
    outputs = to_outputs(Settings(color=Color.GREEN, colors=[]))
    assert [entry.name for entry in outputs.literals] == ["color", "colors", "point"]
    assert outputs.literals[0].value.scalar.primitive.string_value == "GREEN"


def test_inputs_carry_the_context() -> None:
    inputs = to_inputs({"a": 1}, context={"trace": "é"})
    assert [(pair.key, pair.value) for pair in inputs.context] == [("trace", "é")]
    assert Inputs.FromString(inputs.SerializeToString()) == inputs
    assert dict(LiteralMap.FromString(inputs.SerializeToString()).literals) == {"a": to_literal(1)}


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (None, "c0"),
        (True, "c3"),
        (127, "7f"),
        (-32, "e0"),
        (-33, "d0df"),
        (255, "ccff"),
        (2**16, "ce00010000"),
        (2**64 - 1, "cf" + "ff" * 8),
        (-(2**63), "d3" + "80" + "00" * 7),
        (1.5, "cb3ff8000000000000"),
        ("é", "a2c3a9"),
        ("a" * 32, "d920" + "61" * 32),
        (b"\x00", "c40100"),
        ([1, [2]], "920191" + "02"),
        ({"k": None}, "81a16bc0"),
    ],
)
def test_packb_writes_msgpacks_default_form(value: object, encoded: str) -> None:
    assert packb(value).hex() == encoded
    assert unpackb(packb(value)) == (list(value) if isinstance(value, tuple) else value)


def test_packb_refuses_what_has_no_form() -> None:
    with pytest.raises(TypeError, match="set"):
        packb({1, 2})
    with pytest.raises(ValueError, match="2\\*\\*64"):
        packb(2**64)


def test_a_literal_from_a0_reads_whole() -> None:
    outputs = Outputs.FromString(golden("flyte2_outputs_optional").data)
    assert from_literal(outputs.literals[0].value) is None
    assert isinstance(outputs.literals[0].value, Literal)


def test_too_deep_flyte2_outputs_name_the_variable() -> None:
    outputs = Outputs()
    entry = outputs.literals.add()
    entry.name = "deep"
    literal = entry.value
    for _ in range(60):
        literal = literal.collection.literals.add()
    literal.scalar.primitive.integer = 1
    with pytest.raises(LiteralConversionError, match=r"cannot convert deep\[0\]\[0\]"):
        check_nesting(outputs)
