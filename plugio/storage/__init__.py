"""The storage layer: ``DataStore`` over fsspec, the only code that talks to storage."""

from plugio.storage._compose import Piece
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
