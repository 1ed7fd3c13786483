"""What each single-object operation does, written once, free of I/O.

An operation is a generator that yields the backend hook it needs next, as
``(hook, *args)``, and receives the hook's result (or has its exception
thrown in). :func:`drive` answers through a backend's blocking face and
:func:`drive_async` through its async face, so the two faces of every
operation share one body.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, TypeVar

from google.protobuf.message import DecodeError, Message

from plugio._memory import large_message
from plugio.errors import CorruptPayloadError, PayloadTooLargeError
from plugio.storage._backend import Backend
from plugio.storage._model import ObjectInfo, to_object_info
from plugio.storage._translate import is_invalid_range

if TYPE_CHECKING:
    from plugio.storage._compose import Part

__all__ = [
    "Steps",
    "compose",
    "copy",
    "decode_message",
    "delete",
    "drive",
    "drive_async",
    "encode_message",
    "find",
    "head",
    "read_bounded",
    "read_range",
    "write",
]

T = TypeVar("T")
M = TypeVar("M", bound=Message)
Steps = Generator[tuple[Any, ...], Any, T]


def drive(backend: Backend, steps: Steps[T]) -> T:
    """Run ``steps`` through the backend's blocking face."""
    answer: Any = None
    failure: BaseException | None = None
    while True:
        try:
            step = steps.send(answer) if failure is None else steps.throw(failure)
        except StopIteration as stop:
            result: T = stop.value
            return result
        try:
            answer, failure = backend.call(*step), None
        except Exception as exc:
            answer, failure = None, exc


async def drive_async(backend: Backend, steps: Steps[T]) -> T:
    """Run ``steps`` through the backend's async face."""
    answer: Any = None
    failure: BaseException | None = None
    while True:
        try:
            step = steps.send(answer) if failure is None else steps.throw(failure)
        except StopIteration as stop:
            result: T = stop.value
            return result
        try:
            answer, failure = await backend.call_async(*step), None
        except Exception as exc:
            answer, failure = None, exc


def head(key: str, ref: str) -> Steps[ObjectInfo]:
    """Metadata of one object, ``exists=False`` when it is not there."""
    try:
        info = yield ("info", key)
    except FileNotFoundError:
        return ObjectInfo(ref=ref, exists=False)
    return to_object_info(ref, info)


def read_bounded(key: str, ref: str, limit: int | None) -> Steps[bytes]:
    """The whole object, refusing (after at most ``limit + 1`` bytes) a larger one.

    Object stores refuse any byte range of an empty object (416): the object's
    size then tells an empty object from a bad request, and a failure to learn
    it is raised as it is (a transient one is retried, not turned permanent).
    """
    if limit is None:
        data: bytes = yield ("read", key, None, None)
        return data
    try:
        data = yield ("read", key, 0, limit + 1)
    except Exception as exc:
        if not is_invalid_range(exc):
            raise
        info = yield ("info", key)
        if info.get("size") == 0:
            return b""
        raise
    if len(data) > limit:
        try:
            size = (yield ("info", key)).get("size")
        except Exception:
            size = None  # only for the message: the object is too large either way
        raise PayloadTooLargeError(ref, int(size) if size is not None else None, limit)
    return data


def read_range(key: str, start: int, end: int) -> Steps[bytes]:
    """Bytes ``[start, end)`` of one object, fewer past its end."""
    data: bytes = yield ("read", key, start, end)
    return data


def write(key: str, data: bytes, if_absent: bool) -> Steps[None]:
    """Store ``data`` whole, atomically."""
    yield ("write", key, data, if_absent)


def delete(key: str, recursive: bool) -> Steps[None]:
    """Delete an object (everything under ``key/`` too with ``recursive``); missing is fine."""
    try:
        yield ("delete", key, recursive)
    except FileNotFoundError:
        return


def find(key_prefix: str, reference: Callable[[str], str]) -> Steps[list[ObjectInfo]]:
    """Every object whose key starts with ``key_prefix``, named by ``reference(key)``."""
    found = yield ("find", key_prefix)
    return [to_object_info(reference(str(info["name"])), info) for info in found]


def copy(key: str, target_key: str) -> Steps[None]:
    """Copy one object inside the store."""
    yield ("copy", key, target_key)


def compose(key: str, parts: list[Part]) -> Steps[None]:
    """Write one object from ranges of stored objects and local files (see ``_compose``)."""
    yield ("compose", key, parts)


def decode_message(data: bytes, message_type: type[M], ref: str) -> M:
    """Parse ``data`` as ``message_type``; undecodable bytes are corrupt."""
    large_message(len(data))  # see plugio._memory: the first large one tunes malloc
    message = message_type()
    try:
        message.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as exc:
        raise CorruptPayloadError(
            f"{ref}: not a valid {message_type.DESCRIPTOR.full_name} ({len(data)} bytes): {exc}",
            ref,
        ) from exc
    return message


def encode_message(message: Message) -> bytes:
    """The bytes plugio stores for ``message``: deterministic, map entries in key order."""
    data = message.SerializeToString(deterministic=True)
    large_message(len(data))  # see plugio._memory: the first large one tunes malloc
    return data
