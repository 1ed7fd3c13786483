"""Every supported value comes back from its literal equal and of the same type."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from plugio.core import Literal, LiteralMap
from plugio.literals import (
    from_literal,
    from_literal_map,
    to_literal,
    to_literal_map,
)

UTC = dt.timezone.utc
MAX_DURATION = dt.timedelta(seconds=315_576_000_000)

offsets = st.integers(min_value=-23 * 60, max_value=23 * 60).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
aware_datetimes = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=offsets
)
durations = st.timedeltas(min_value=-MAX_DURATION, max_value=MAX_DURATION)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary()
    | aware_datetimes
    | durations
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=24,
)


def assert_same(read: Any, written: Any) -> None:
    """Equal, and of exactly the same types all the way down (True is not 1)."""
    assert type(read) is type(written), (read, written)
    if isinstance(written, list):
        assert len(read) == len(written)
        for read_item, written_item in zip(read, written, strict=True):
            assert_same(read_item, written_item)
    elif isinstance(written, dict):
        assert read.keys() == written.keys()
        for key, item in written.items():
            assert_same(read[key], item)
    else:
        assert read == written


@settings(max_examples=150, deadline=None)
@given(values)
def test_any_value_round_trips(value: Any) -> None:
    literal = to_literal(value)
    assert_same(from_literal(Literal.FromString(literal.SerializeToString())), value)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=8), values, max_size=5))
def test_named_values_round_trip(named: dict[str, Any]) -> None:
    assert_same(from_literal_map(to_literal_map(named)), named)


@given(aware_datetimes)
def test_datetime_keeps_its_instant_and_reads_as_utc(value: dt.datetime) -> None:
    read = from_literal(to_literal(value))
    assert read == value
    assert read.tzinfo is UTC


@given(st.dates())
def test_date_reads_back_as_midnight_utc_or_as_the_date(value: dt.date) -> None:
    literal = to_literal(value)
    assert from_literal(literal) == dt.datetime.combine(value, dt.time(), UTC)
    assert from_literal(literal, dt.date) == value


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


def test_str_enum_is_its_value_and_comes_back_with_the_hint() -> None:
    literal = to_literal(Color.BLUE)
    assert literal.scalar.primitive.string_value == "blue"
    assert from_literal(literal) == "blue"
    assert from_literal(literal, Color) is Color.BLUE


class Address(BaseModel):
    city: str
    zip_code: str | None = None


class Person(BaseModel):
    name: str
    age: int
    score: float
    tags: list[str] = Field(default_factory=list)
    address: Address | None = None


json_text = st.text(max_size=12)
people = st.builds(
    Person,
    name=json_text,
    age=st.integers(min_value=-(2**53), max_value=2**53),
    score=st.floats(allow_nan=False, allow_infinity=False),
    tags=st.lists(json_text, max_size=3),
    address=st.none() | st.builds(Address, city=json_text, zip_code=st.none() | json_text),
)


@settings(max_examples=60, deadline=None)
@given(people)
def test_model_is_a_generic_struct_and_comes_back_with_the_hint(person: Person) -> None:
    literal = to_literal(person)
    assert literal.scalar.WhichOneof("value") == "generic"
    assert from_literal(literal, Person) == person
    assert from_literal(literal) == person.model_dump(mode="json")


@settings(max_examples=30, deadline=None)
@given(st.lists(people, max_size=3), st.dictionaries(json_text, people, max_size=3))
def test_models_nest_in_lists_and_maps(team: list[Person], by_name: dict[str, Person]) -> None:
    assert from_literal(to_literal(team), list[Person]) == team
    assert from_literal(to_literal(by_name), dict[str, Person]) == by_name


class Inputs(BaseModel):
    n: int
    when: dt.datetime
    timeout: dt.timedelta
    names: list[str]
    weights: dict[str, float]
    owner: Person
    payload: bytes = b""
    note: str | None = None


@settings(max_examples=40, deadline=None)
@given(
    st.builds(
        Inputs,
        n=st.integers(min_value=-(2**63), max_value=2**63 - 1),
        when=aware_datetimes,
        timeout=durations,
        names=st.lists(st.text(), max_size=3),
        weights=st.dictionaries(st.text(), st.floats(allow_nan=False), max_size=3),
        owner=people,
        payload=st.binary(),
        note=st.none() | st.text(),
    )
)
def test_model_of_variables_round_trips_through_a_literal_map(inputs: Inputs) -> None:
    literal_map = to_literal_map(inputs)
    assert set(literal_map.literals) == set(Inputs.model_fields)
    assert literal_map.literals["n"].scalar.primitive.integer == inputs.n
    read = from_literal_map(LiteralMap.FromString(literal_map.SerializeToString()), Inputs)
    assert read == inputs


class Aliased(BaseModel):
    model_config = {"populate_by_name": True}

    count: int = Field(alias="n")


def test_variables_are_named_by_field_alias() -> None:
    literal_map = to_literal_map(Aliased(n=2))
    assert list(literal_map.literals) == ["n"]
    assert from_literal_map(literal_map, Aliased) == Aliased(n=2)


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (0, "integer"),
        (0.0, "float_value"),
        ("", "string_value"),
        (False, "boolean"),
        (dt.datetime(1970, 1, 1, tzinfo=UTC), "datetime"),
        (dt.timedelta(0), "duration"),
    ],
)
def test_zero_values_are_still_set(value: Any, field: str) -> None:
    literal = to_literal(value)
    assert literal.scalar.primitive.WhichOneof("value") == field
    assert_same(from_literal(literal), value)


def test_empty_containers_keep_their_kind() -> None:
    assert to_literal([]).WhichOneof("value") == "collection"
    assert to_literal({}).WhichOneof("value") == "map"
    assert to_literal(b"").scalar.WhichOneof("value") == "binary"
    assert_same(from_literal(to_literal([[], {}])), [[], {}])


def test_subclasses_of_supported_types_convert_as_their_base() -> None:
    class Count(int):
        pass

    class Rows(list[int]):
        pass

    assert from_literal(to_literal(Count(3))) == 3
    assert from_literal(to_literal(Rows([1, 2]))) == [1, 2]
    assert from_literal(to_literal(bytearray(b"ab"))) == b"ab"


def test_large_collections_convert_both_ways() -> None:
    numbers = {f"k{i}": i for i in range(10_000)}
    words = [f"w{i}" for i in range(10_000)]
    assert from_literal_map(to_literal_map(numbers)) == numbers
    assert from_literal(to_literal(words)) == words
    assert from_literal(to_literal(words), list[str]) == words
