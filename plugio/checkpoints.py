"""Deprecated: checkpoints moved to :mod:`plugio.task` (``from plugio.task import Checkpoint``).

Importing from here works for one release, with a ``DeprecationWarning``.
"""

from plugio._moved import moved_names as _moved_names

__all__: list[str] = []

__getattr__ = _moved_names(
    "plugio.checkpoints",
    dict.fromkeys(("MANIFEST_SUFFIX", "VALUE_FILE", "Checkpoint"), "plugio.task"),
)
