"""The storage layer: ``DataStore`` over fsspec, the only code that talks to storage."""

from typing import TYPE_CHECKING

from plugio._moved import lazy_names
from plugio.storage._concurrency import bounded_gather
from plugio.storage._model import ObjectInfo, ProgressCallback
from plugio.storage._operations import decode_message, encode_message
from plugio.storage._store import DataStore

__all__ = [
    "DataStore",
    "ObjectInfo",
    "Piece",
    "ProgressCallback",
    "bounded_gather",
    "decode_message",
    "encode_message",
]

if TYPE_CHECKING:
    from plugio.storage._compose import Piece

# Loaded when first asked for: a task reading its inputs never needs it.
__getattr__, __dir__ = lazy_names(globals(), {"Piece": "plugio.storage._compose"})
