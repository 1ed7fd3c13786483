"""Values without a literal, and literals without a value, fail naming where and what."""

from __future__ import annotations

import datetime as dt
import enum
import pickle
from typing import Any

import pytest
from pydantic import BaseModel

from plugio.core import Literal, LiteralMap
from plugio.errors import PlugioError
from plugio.literals import (
    LiteralConversionError,
    from_literal,
    from_literal_map,
    to_literal,
    to_literal_map,
)


class Level(enum.IntEnum):
    LOW = 1


@pytest.mark.parametrize(
    ("values", "name", "type_name", "reason"),
    [
        ({"x": object()}, "x", "object", "no literal for this type"),
        ({"x": [1, 2, {"k": (1, 2)}]}, "x[2]['k']", "tuple", "pass a list"),
        ({"x": {1, 2}}, "x", "set", "pass a list"),
        ({"x": 2**63}, "x", "int", "signed 64-bit"),
        ({"x": [0, -(2**63) - 1]}, "x[1]", "int", "signed 64-bit"),
        ({"when": dt.datetime(2024, 1, 1)}, "when", "datetime", "naive datetime"),
        ({"t": dt.timedelta(days=4_000_000)}, "t", "timedelta", "315,576,000,000"),
        ({"s": "\ud800"}, "s", "str", "does not fit"),
        ({"m": {"a": {3: "x"}}}, "m['a'][3]", "int", "keys must be str"),
        ({"level": Level.LOW}, "level", "Level", "str-valued enums"),
        ({"f": dt.time(1)}, "f", "time", "no literal for this type"),
    ],
)
def test_unsupported_values_name_the_variable_and_the_type(
    values: dict[str, Any], name: str, type_name: str, reason: str
) -> None:
    with pytest.raises(LiteralConversionError) as caught:
        to_literal_map(values)
    error = caught.value
    assert (error.name, error.python_type) == (name, type_name)
    assert reason in error.reason
    assert name in str(error)
    assert type_name in str(error)


def test_the_error_is_a_plugio_type_and_value_error() -> None:
    with pytest.raises(LiteralConversionError) as caught:
        to_literal(object())
    assert isinstance(caught.value, PlugioError)
    assert isinstance(caught.value, TypeError)
    assert isinstance(caught.value, ValueError)
    assert caught.value.name == "value"


def test_the_error_survives_pickling() -> None:
    with pytest.raises(LiteralConversionError) as caught:
        to_literal_map({"x": [object()]})
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.name, copy.python_type, str(copy)) == ("x[0]", "object", str(caught.value))


def test_a_name_that_is_not_a_str_is_refused() -> None:
    with pytest.raises(LiteralConversionError, match="names and map keys must be str"):
        to_literal_map({1: 2})  # type: ignore[dict-item]


def test_values_must_be_a_mapping_or_a_model() -> None:
    with pytest.raises(LiteralConversionError, match="mapping of names or a pydantic model"):
        to_literal_map([1, 2])  # type: ignore[arg-type]


class Huge(BaseModel):
    n: int


def test_a_model_integer_beyond_2_53_is_refused_not_rounded() -> None:
    with pytest.raises(LiteralConversionError) as caught:
        to_literal_map({"cfg": Huge(n=2**53 + 1)})
    assert caught.value.name == "cfg['n']"
    assert "2**53" in caught.value.reason


def test_a_local_path_needs_a_store_and_a_raw_prefix(tmp_path: Any) -> None:
    file = tmp_path / "a.txt"
    file.write_text("a")
    with pytest.raises(LiteralConversionError, match="pass store and raw_output_prefix"):
        to_literal_map({"report": file})


def test_a_missing_local_path_is_named(tmp_path: Any) -> None:
    from plugio.storage import DataStore

    with pytest.raises(LiteralConversionError) as caught:
        to_literal_map(
            {"files": [tmp_path / "missing"]},
            store=DataStore(),
            raw_output_prefix="memory://raw",
        )
    assert caught.value.name == "files[0]"
    assert "no local file or folder" in caught.value.reason


def literal_of(build: Any) -> Literal:
    literal = Literal()
    build(literal)
    return literal


@pytest.mark.parametrize(
    ("literal", "reason"),
    [
        (Literal(), "empty literal"),
        (literal_of(lambda lit: lit.offloaded_metadata.SetInParent()), "offloaded"),
        (literal_of(lambda lit: lit.scalar.SetInParent()), "empty scalar"),
        (literal_of(lambda lit: lit.scalar.primitive.SetInParent()), "empty primitive"),
        (literal_of(lambda lit: setattr(lit.scalar.error, "message", "boom")), "boom"),
        (literal_of(lambda lit: lit.scalar.schema.SetInParent()), "schema"),
        (literal_of(lambda lit: lit.scalar.structured_dataset.SetInParent()), "structured"),
        (literal_of(lambda lit: setattr(lit.scalar.binary, "tag", "msgpack")), "msgpack"),
    ],
)
def test_literals_without_a_value_are_refused(literal: Literal, reason: str) -> None:
    with pytest.raises(LiteralConversionError, match=reason):
        from_literal(literal)


def test_a_bad_literal_deep_in_a_map_is_named() -> None:
    literal_map = LiteralMap()
    items = literal_map.literals["rows"].collection.literals
    items.add().scalar.primitive.integer = 1
    items.add().map.literals["k"].SetInParent()
    with pytest.raises(LiteralConversionError) as caught:
        from_literal_map(literal_map)
    assert caught.value.name == "rows[1]['k']"


class Config(BaseModel):
    retries: int
    name: str


def test_values_that_do_not_fit_the_model_name_the_variable() -> None:
    literal_map = to_literal_map({"retries": "many", "name": "x"})
    with pytest.raises(LiteralConversionError) as caught:
        from_literal_map(literal_map, Config)
    assert caught.value.name == "retries"
    assert caught.value.python_type == "Config"


def test_a_value_that_does_not_fit_the_hint_is_refused() -> None:
    with pytest.raises(LiteralConversionError) as caught:
        from_literal(to_literal(["a", [1]]), list[str])
    assert caught.value.name == "value[1]"
    assert caught.value.python_type == "list"
