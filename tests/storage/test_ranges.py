"""DataStore.read_range: one ranged read of an object, on every backend."""

from __future__ import annotations

import asyncio
import os

import pytest
from rig import Rig

from plugio.errors import NotFoundError

DATA = os.urandom(1000)


def test_a_range_is_the_bytes_between_start_and_end(rig: Rig) -> None:
    ref = rig.named("a range of #1 100% é.bin")
    rig.store.write_bytes(ref, DATA)
    assert rig.store.read_range(ref, 100, 200) == DATA[100:200]
    assert rig.store.read_range(ref, 0, 1) == DATA[:1]
    assert rig.store.read_range(ref, 900, 5000) == DATA[900:]  # fewer past the end
    assert asyncio.run(rig.store.read_range_async(ref, 999, 1000)) == DATA[999:]


def test_an_empty_range_is_refused_before_any_request(rig: Rig) -> None:
    ref = rig.ref("never-written")
    with pytest.raises(ValueError, match="never-written: a byte range needs 0 <= start < end"):
        rig.store.read_range(ref, 5, 5)
    with pytest.raises(ValueError, match="not -1, 3"):
        asyncio.run(rig.store.read_range_async(ref, -1, 3))


def test_a_range_of_a_missing_object_is_not_found(rig: Rig) -> None:
    with pytest.raises(NotFoundError):
        rig.store.read_range(rig.ref("missing"), 0, 10)
