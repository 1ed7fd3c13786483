"""Which generation of Flyte an attempt's files follow.

Flyte 1 (flytekit, ``flyteidl``) and Flyte 2 (``flyte``, ``flyteidl2``) read
and write the same ``inputs.pb``, ``outputs.pb`` and ``error.pb`` messages on
the wire, but differ in conventions: the deck's file name, the checkpoint's
form, how errors are classified, how enums are written and where an attempt
lives. A store, a path set, a writer or ``plugio run`` is told which to
follow; readers accept both wherever the files allow it. Where none is given,
``PLUGIO_FLYTE`` (``1`` or ``2``) says, and Flyte 1 is the default.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping

from plugio.errors import ConfigurationError

__all__ = ["ENV_VARIABLE", "FlyteGeneration"]

ENV_VARIABLE = "PLUGIO_FLYTE"
"""The variable naming the generation to follow when none is given."""


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

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> FlyteGeneration:
        """The generation ``PLUGIO_FLYTE`` names; Flyte 1 when it is unset or empty.

        Raises:
            ConfigurationError: the variable is set to something else than a
                generation; the message names the variable and the value.
        """
        value = environ.get(ENV_VARIABLE, "").strip()
        if not value:
            return cls.FLYTE1
        try:
            return cls.parse(value)
        except ValueError:
            raise ConfigurationError(
                f"{ENV_VARIABLE}: not a Flyte generation: {value!r} (expected 1 or 2)"
            ) from None
