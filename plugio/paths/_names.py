"""The fixed names under an attempt's prefixes, and the default shard alphabet.

They are the names Flyte's engine and SDK use, so a file plugio writes is found
where Flyte looks for it and the other way round.
"""

from __future__ import annotations

from typing import Final

from plugio.generation import FlyteGeneration

__all__ = [
    "CHECKPOINTS_FOLDER",
    "DECK_FILE",
    "DECK_FILES",
    "ERROR_FILE",
    "FUTURES_FILE",
    "INPUTS_FILE",
    "OUTPUTS_FILE",
    "REPORT_FILE",
    "SHARD_ALPHABET",
]

INPUTS_FILE: Final = "inputs.pb"
"""The inputs ``LiteralMap``, under the input prefix."""

OUTPUTS_FILE: Final = "outputs.pb"
"""The outputs ``LiteralMap``, under the output prefix."""

ERROR_FILE: Final = "error.pb"
"""The ``ErrorDocument`` of a failed attempt, under the output prefix."""

DECK_FILE: Final = "deck.html"
"""The default name of the HTML deck, under the output prefix (Flyte 1)."""

REPORT_FILE: Final = "report.html"
"""The name of Flyte 2's HTML report, its deck, under the output prefix."""

DECK_FILES: Final = {FlyteGeneration.FLYTE1: DECK_FILE, FlyteGeneration.FLYTE2: REPORT_FILE}
"""The deck's file name each generation writes; readers look for both."""

FUTURES_FILE: Final = "futures.pb"
"""The dynamic job spec a dynamic task leaves, under the output prefix."""

CHECKPOINTS_FOLDER: Final = "_flytecheckpoints"
"""The folder for an attempt's checkpoints, under its raw output prefix."""

SHARD_ALPHABET: Final = "abcdefghijklmnopqrstuvwxyz0123456789"
"""The characters of the default shard prefixes, letters first, in Flyte's order."""
