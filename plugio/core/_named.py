"""Between Flyte 1's ``LiteralMap`` and Flyte 2's ordered ``Inputs``/``Outputs``.

A ``LiteralMap`` keeps one literal per name and no order (serialized with
sorted names); Flyte 2's messages keep a list of ``NamedLiteral`` in declared
order, where a name may repeat. Each entry of either encodes the same way, so
the bytes of one parse as the other; these helpers convert the parsed forms.
"""

from __future__ import annotations

from collections.abc import Iterable

from plugio.core._proto.literals_pb2 import LiteralMap
from plugio.core._proto.task_pb2 import Inputs, NamedLiteral, Outputs

__all__ = ["inputs_of_map", "literal_map_of", "outputs_of_map"]


def literal_map_of(named: Inputs | Outputs | Iterable[NamedLiteral]) -> LiteralMap:
    """The ``LiteralMap`` of named literals; of a repeated name, the last one wins.

    That is what a ``LiteralMap`` parser keeps of the same bytes, so the map
    equals one parsed from the ``Inputs`` or ``Outputs`` message.
    """
    entries = named.literals if isinstance(named, Inputs | Outputs) else named
    literal_map = LiteralMap()
    for entry in entries:
        literal_map.literals[entry.name].CopyFrom(entry.value)
    return literal_map


def outputs_of_map(literal_map: LiteralMap) -> Outputs:
    """``Outputs`` holding the map's literals, in sorted name order (as a map is serialized)."""
    return Outputs(literals=_entries(literal_map))


def inputs_of_map(literal_map: LiteralMap) -> Inputs:
    """``Inputs`` holding the map's literals, in sorted name order, with no context."""
    return Inputs(literals=_entries(literal_map))


def _entries(literal_map: LiteralMap) -> list[NamedLiteral]:
    return [
        NamedLiteral(name=name, value=literal_map.literals[name])
        for name in sorted(literal_map.literals)
    ]
