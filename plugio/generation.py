"""Which generation of Flyte an attempt's files follow.

Flyte 1 (flytekit, ``flyteidl``) and Flyte 2 (``flyte``, ``flyteidl2``) read
and write the same ``inputs.pb``, ``outputs.pb`` and ``error.pb`` messages on
the wire, but differ in conventions: the deck's file name, the checkpoint's
form, how errors are classified, how enums are written and where an attempt
lives. A store (``StorageConfig.flyte``, ``PLUGIO_FLYTE``), a path set, a
writer or ``plugio run`` is told which to follow, and Flyte 1 is the default;
readers accept both wherever the files allow it.
"""

from __future__ import annotations

import enum

__all__ = ["FlyteGeneration"]


class FlyteGeneration(enum.IntEnum):
    """A Flyte generation: ``FLYTE1`` (flytekit 1.x) or ``FLYTE2`` (``flyte`` 2.x)."""

    FLYTE1 = 1
    FLYTE2 = 2

    @classmethod
    def parse(cls, value: str | int) -> FlyteGeneration:
        """``1``, ``"2"``, ``"flyte2"`` or a member; ValueError naming the value otherwise."""
        if isinstance(value, FlyteGeneration):
            return value
        text = str(value).strip().lower().removeprefix("flyte").lstrip("-_ ")
        if text in {"1", "2"}:
            return cls(int(text))
        raise ValueError(f"not a Flyte generation: {value!r} (expected 1 or 2)")
