"""Python values and pydantic models to and from literals, as Flyte stores them.

A task's inputs and outputs travel as a ``LiteralMap``; this package converts
them both ways, byte-compatible with what flytekit writes and reads::

    >>> from plugio.literals import from_literal_map, to_literal_map
    >>> outputs = to_literal_map({"rows": 3, "names": ["a", "b"]})
    >>> outputs.literals["rows"].scalar.primitive.integer
    3
    >>> from_literal_map(outputs)["names"]
    ['a', 'b']

What maps to what (Flyte's literal, and flytekit's Python type for it):

==========================  ==============================  =====================
Python                      literal                         flytekit
==========================  ==============================  =====================
``None``                    ``Scalar.none_type``            ``None``
``bool``/``int``/``float``  ``Primitive``                   the same
``str``, ``Enum``           ``Primitive.string_value``      ``str``, ``Enum``
                            (a member's value; its name
                            for Flyte 2)
aware ``datetime``          ``Primitive.datetime``          ``datetime``
``date``                    ``Primitive.datetime`` (UTC     ``date``
                            midnight)
``timedelta``               ``Primitive.duration``          ``timedelta``
``bytes``                   ``Scalar.binary`` (no tag)      (none: it pickles)
``list``                    ``LiteralCollection``           ``list[T]``
``dict`` with str keys      ``LiteralMap``                  ``dict[str, T]``
pydantic model              ``Scalar.generic`` (``Struct``) the model
dataclass instance          ``Binary`` tagged ``msgpack``   the dataclass
``Path``, ``LocalBlob``     ``Blob`` (uploaded)             ``FlyteFile``,
                                                            ``FlyteDirectory``
``BlobRef``                 ``Blob`` (as it is)             the same
==========================  ==============================  =====================

Reading also accepts flytekit's newer encodings: a ``Binary`` tagged
``msgpack`` (untyped dicts, dataclasses and models since flytekit 1.14) and
unions (``Optional[T]``).

Flyte 2 keeps a task's inputs and outputs in order, as ``Inputs`` and
``Outputs`` (named literals; a name may repeat): :func:`to_inputs` and
:func:`to_outputs` make them in the order given, :func:`literal_map_of` turns
either back into a ``LiteralMap``. The ``generation`` argument of the
converters says which Flyte the values are for; only enums differ.

A value nested too deep for protobuf to parse back (about 48 lists or 32
dicts) is refused when converted; :func:`check_nesting` finds the same in a
message built by hand.

This package converts; it reads and writes nothing but the local files and
the blobs it is handed a store for, and it uses storage only through
``plugio.storage``. A task's inputs and outputs as values
(``read_inputs``, ``write_outputs``) are in :mod:`plugio.task`.
"""

from plugio._moved import moved_names as _moved_names
from plugio.core._named import literal_map_of
from plugio.literals._blobs import BlobRef, LocalBlob
from plugio.literals._decode import from_literal, from_literal_map
from plugio.literals._depth import MAX_MESSAGE_LEVEL, check_nesting
from plugio.literals._encode import (
    to_inputs,
    to_literal,
    to_literal_async,
    to_literal_map,
    to_literal_map_async,
    to_outputs,
)
from plugio.literals._errors import LiteralConversionError

__all__ = [  # noqa: RUF022 (plain sorted() order, as the export tests check)
    "BlobRef",
    "LiteralConversionError",
    "LocalBlob",
    "MAX_MESSAGE_LEVEL",
    "check_nesting",
    "from_literal",
    "from_literal_map",
    "literal_map_of",
    "to_inputs",
    "to_literal",
    "to_literal_async",
    "to_literal_map",
    "to_literal_map_async",
    "to_outputs",
]

#: Moved to plugio.task; importing them from here works for one release, with a
#: DeprecationWarning (the only way this package reaches plugio.task).
__getattr__ = _moved_names(
    "plugio.literals",
    dict.fromkeys(
        ("read_inputs", "read_inputs_async", "write_outputs", "write_outputs_async"),
        "plugio.task",
    ),
)
