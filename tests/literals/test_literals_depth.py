"""What converts reads back: values too deep for protobuf's parser are refused up front.

Each boundary is checked from both sides: the deepest value accepted is
written and read back equal, and the same literal one level deeper, built by
hand past the check, is what protobuf refuses to parse.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from plugio.core import Literal, LiteralMap
from plugio.errors import CorruptPayloadError
from plugio.literals import (
    MAX_MESSAGE_LEVEL,
    BlobRef,
    LiteralConversionError,
    check_nesting,
    from_literal,
    from_literal_map,
    to_literal,
    to_literal_map,
)
from plugio.storage import DataStore

STORE = DataStore()


class Holder(BaseModel):
    data: Any


def nested_lists(leaf: Any, depth: int) -> Any:
    for _ in range(depth):
        leaf = [leaf]
    return leaf


def nested_dicts(leaf: Any, depth: int) -> Any:
    for _ in range(depth):
        leaf = {"k": leaf}
    return leaf


def in_collection(literal: Literal) -> Literal:
    outer = Literal()
    outer.collection.literals.add().CopyFrom(literal)
    return outer


def in_map(literal: Literal) -> Literal:
    outer = Literal()
    outer.map.literals["k"].CopyFrom(literal)
    return outer


def round_trip(literal_map: LiteralMap, name: str) -> LiteralMap:
    ref = f"memory://depth/{name}/outputs.pb"
    STORE.write_protobuf(ref, literal_map)
    return STORE.read_protobuf(ref, LiteralMap, limit=None)


AWARE = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone.utc)
# (leaf, deepest list nesting accepted, deepest dict nesting accepted): a leaf of
# Scalar + Primitive costs 2 levels, a Timestamp 3, a blob or a model's field 4.
LEAVES = {
    "int": (7, 48, 32),
    "str": ("s", 48, 32),
    "none": (None, 48, 32),
    "bytes": (b"b", 48, 32),
    "empty list": ([], 48, 32),
    "empty dict": ({}, 48, 32),
    "datetime": (AWARE, 47, 31),
    "timedelta": (dt.timedelta(seconds=3), 47, 31),
    "blob": (BlobRef("memory://depth/blob.bin"), 47, 31),
    "model": (Holder(data=1), 47, 31),
}
SHAPES: dict[str, tuple[Callable[[Any, int], Any], Callable[[Literal], Literal]]] = {
    "list": (nested_lists, in_collection),
    "dict": (nested_dicts, in_map),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("leaf_name", sorted(LEAVES))
def test_the_deepest_value_accepted_reads_back_and_one_deeper_is_refused(
    leaf_name: str, shape: str
) -> None:
    leaf, deepest_list, deepest_dict = LEAVES[leaf_name]
    nest, wrap = SHAPES[shape]
    deepest = deepest_list if shape == "list" else deepest_dict

    accepted = to_literal_map({"x": nest(leaf, deepest)})
    read = round_trip(accepted, f"{leaf_name}-{shape}")
    assert read == accepted
    assert from_literal_map(read) == from_literal_map(accepted)

    with pytest.raises(LiteralConversionError) as refused:
        to_literal_map({"x": nest(leaf, deepest + 1)})
    name = refused.value.name
    segment = "[0]" if shape == "list" else "['k']"
    assert name.startswith("x" + segment)
    assert set(name[1:].replace(segment, "")) == set(), name
    assert "protobuf reads at most 100" in str(refused.value)

    # The literal that value would have made is indeed unreadable.
    too_deep = LiteralMap()
    too_deep.literals["x"].CopyFrom(wrap(accepted.literals["x"]))
    with pytest.raises(CorruptPayloadError):
        round_trip(too_deep, f"{leaf_name}-{shape}-deeper")
    with pytest.raises(LiteralConversionError) as walked:
        check_nesting(too_deep)
    assert walked.value.name.startswith("x" + segment)


def test_models_nesting_inside_their_struct_are_held_to_the_same_limit() -> None:
    # Scalar, Struct, then 3 levels per nested dict: entry, Value, Struct.
    deepest = 31
    accepted = to_literal_map({"m": Holder(data=nested_dicts(1, deepest))})
    assert round_trip(accepted, "model") == accepted
    with pytest.raises(LiteralConversionError) as refused:
        to_literal_map({"m": Holder(data=nested_dicts(1, deepest + 1))})
    assert refused.value.name.startswith("m['data']['k']['k']")

    too_deep = LiteralMap()
    generic = too_deep.literals["m"].scalar.generic
    generic.fields["data"].struct_value.fields["k"].struct_value.CopyFrom(
        accepted.literals["m"].scalar.generic.fields["data"].struct_value
    )
    with pytest.raises(CorruptPayloadError):
        round_trip(too_deep, "model-deeper")


def test_lists_inside_a_model_count_too() -> None:
    # The field's Value sits at level 6; each list adds a ListValue and a Value.
    accepted = to_literal_map({"m": Holder(data=nested_lists(1, 47))})
    assert round_trip(accepted, "model-lists") == accepted
    with pytest.raises(LiteralConversionError, match=r"m\['data'\]\[0\]"):
        to_literal_map({"m": Holder(data=nested_lists(1, 48))})

    too_deep = LiteralMap()
    too_deep.CopyFrom(accepted)
    field = too_deep.literals["m"].scalar.generic.fields["data"]
    inner = type(field)()
    inner.CopyFrom(field)
    field.list_value.values.add().CopyFrom(inner)
    with pytest.raises(CorruptPayloadError):
        round_trip(too_deep, "model-lists-deeper")


@pytest.mark.parametrize(
    "value",
    [nested_lists(1, 10_000), nested_dicts("v", 10_000), Holder(data=nested_dicts(1, 10_000))],
    ids=["lists", "dicts", "model"],
)
def test_a_value_ten_thousand_deep_is_a_conversion_error_not_a_recursion_error(
    value: Any,
) -> None:
    with pytest.raises(LiteralConversionError) as raised:
        to_literal_map({"deep": value})
    assert raised.value.name.startswith("deep")
    with pytest.raises(LiteralConversionError) as single:
        to_literal(value)
    assert single.value.name.startswith("value")


def test_a_list_that_holds_itself_is_refused() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(LiteralConversionError, match=r"x\[0\]\[0\]"):
        to_literal_map({"x": cycle})


def test_to_literal_allows_what_a_variable_allows() -> None:
    literal = to_literal(nested_lists(1, 48))
    literal_map = LiteralMap()
    literal_map.literals["x"].CopyFrom(literal)
    assert round_trip(literal_map, "single") == literal_map
    with pytest.raises(LiteralConversionError, match=r"^cannot convert value\[0\]"):
        to_literal(nested_lists(1, 49))


def test_wide_values_are_not_mistaken_for_deep_ones() -> None:
    wide = {"rows": [[i, str(i), {"k": [i] * 3}] for i in range(2000)]}
    literal_map = to_literal_map({"x": nested_lists(wide, 30)})
    check_nesting(literal_map)
    assert from_literal_map(round_trip(literal_map, "wide"))["x"] == nested_lists(wide, 30)


def test_a_hand_built_map_is_checked_and_named() -> None:
    readable = to_literal_map({"ok": 1, "x": {"a": nested_lists(1, 46)}})  # down to 99
    check_nesting(readable)
    assert round_trip(readable, "hand-built-readable") == readable
    too_deep = LiteralMap()
    too_deep.CopyFrom(readable)
    inner = too_deep.literals["x"].map.literals["a"]
    inner.CopyFrom(in_collection(inner))  # down to 101
    with pytest.raises(LiteralConversionError) as raised:
        check_nesting(too_deep)
    assert raised.value.name.startswith("x['a'][0][0]")
    assert raised.value.python_type in ("Literal", "LiteralCollection", "Scalar", "Primitive")
    with pytest.raises(CorruptPayloadError):
        round_trip(too_deep, "hand-built")


def test_an_offloaded_literal_on_its_own_has_two_more_levels() -> None:
    # Stored alone (as an offloaded literal is), a Literal is the top message.
    literal = to_literal(nested_lists(1, 48))
    check_nesting(literal)
    check_nesting(in_collection(literal))
    with pytest.raises(LiteralConversionError, match=r"\[0\]\[0\]"):
        check_nesting(in_collection(in_collection(literal)))


def test_decoding_a_literal_built_too_deep_in_memory_is_a_conversion_error() -> None:
    literal = to_literal(1)
    for _ in range(5_000):
        literal = in_collection(literal)
    with pytest.raises(LiteralConversionError, match=r"value\[0\]\[0\]"):
        from_literal(literal)
    literal_map = LiteralMap()
    literal_map.literals["x"].CopyFrom(literal)
    with pytest.raises(LiteralConversionError, match=r"x\[0\]\[0\]"):
        from_literal_map(literal_map)


def test_the_limit_is_protobufs_with_the_pure_python_parser_too(tmp_path: Path) -> None:
    accepted = to_literal_map({"x": nested_lists(1, 48), "y": nested_dicts(1, 32)})
    deeper = LiteralMap()
    deeper.CopyFrom(accepted)
    deeper.literals["x"].CopyFrom(in_collection(deeper.literals["x"]))
    (tmp_path / "accepted.pb").write_bytes(accepted.SerializeToString())
    (tmp_path / "deeper.pb").write_bytes(deeper.SerializeToString())
    code = (
        "import sys\n"
        "from google.protobuf.internal import api_implementation\n"
        "from google.protobuf.message import DecodeError\n"
        "from plugio.core import LiteralMap\n"
        "assert api_implementation.Type() == 'python'\n"
        "LiteralMap.FromString(open(sys.argv[1] + '/accepted.pb', 'rb').read())\n"
        "try:\n"
        "    LiteralMap.FromString(open(sys.argv[1] + '/deeper.pb', 'rb').read())\n"
        "except DecodeError:\n"
        "    print('refused')\n"
    )
    env = {**os.environ, "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "python"}
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert result.stdout.strip() == "refused"
    assert MAX_MESSAGE_LEVEL == 100
