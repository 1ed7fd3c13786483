"""Golden vectors: Flyte-produced bytes decode to their recorded value and re-encode stably."""

from __future__ import annotations

import pytest
from google.protobuf.json_format import MessageToDict

from plugio_conformance.abstract._fixtures import ConformanceFixtures, MessageClass
from plugio_conformance.vectors import GoldenVector, golden_vectors

__all__ = ["AbstractGoldenVectorTests"]

_VECTORS = golden_vectors()


def _name(vector: GoldenVector) -> str:
    return vector.name


class AbstractGoldenVectorTests(ConformanceFixtures):
    """Every file under ``golden/``, decoded with the classes ``message_class`` gives."""

    @pytest.mark.parametrize("vector", _VECTORS, ids=_name)
    def test_golden_file_decodes_to_the_expected_value(
        self, message_class: MessageClass, vector: GoldenVector
    ) -> None:
        message = message_class(vector.message).FromString(vector.data)
        assert MessageToDict(message, preserving_proto_field_name=True) == vector.value

    @pytest.mark.parametrize("vector", _VECTORS, ids=_name)
    def test_golden_file_re_encodes_deterministically(
        self, message_class: MessageClass, vector: GoldenVector
    ) -> None:
        cls = message_class(vector.message)
        encoded = cls.FromString(vector.data).SerializeToString(deterministic=True)
        assert cls.FromString(encoded) == cls.FromString(vector.data)
        assert cls.FromString(encoded).SerializeToString(deterministic=True) == encoded
        if vector.canonical:
            assert encoded == vector.data
