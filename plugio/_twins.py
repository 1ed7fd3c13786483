"""Sync/async twins: a subclass overrides either side and gets the other.

Interface classes list their pairs in ``_TWINS``; the default sync method runs
the async one to completion, and the default async one runs the sync one in a
worker thread. A concrete class that overrides neither side of a pair would
recurse forever, so it is refused when instantiated, naming the methods.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, ClassVar, TypeVar

__all__ = ["Twins", "run_blocking", "run_in_thread"]

T = TypeVar("T")
_Self = TypeVar("_Self", bound="Twins")
_CHECKED: set[type] = set()


def run_blocking(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from sync code, even inside a running loop."""
    # asyncio is imported where it is used: plain sync callers never load it.
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # This thread's loop is busy running the caller: use a loop of our own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def run_in_thread(function: Callable[[], T]) -> T:
    """Run blocking ``function`` in a worker thread without blocking the loop."""
    import asyncio

    return await asyncio.to_thread(function)


class Twins:
    """Base of interfaces whose I/O methods come in ``name`` / ``name_async`` pairs."""

    _TWINS: ClassVar[tuple[str, ...]] = ()

    def __new__(cls: type[_Self], *args: Any, **kwargs: Any) -> _Self:
        _check_twins(cls)
        return super().__new__(cls)


def _check_twins(cls: type) -> None:
    if cls in _CHECKED:
        return
    missing = [
        f"{name}() or {name}_async()" for name in _all_twins(cls) if _defaults_only(cls, name)
    ]
    if missing:
        raise TypeError(
            f"{cls.__qualname__} must override {', '.join(missing)} "
            f"(each side of a pair defaults to the other)"
        )
    _CHECKED.add(cls)


def _all_twins(cls: type) -> list[str]:
    names = (name for klass in reversed(cls.__mro__) for name in vars(klass).get("_TWINS", ()))
    return list(dict.fromkeys(names))


def _defaults_only(cls: type, name: str) -> bool:
    """Both sides of the pair are still the interface's defaults."""
    owner = _owner(cls, name)
    return owner is _owner(cls, f"{name}_async") and name in vars(owner).get("_TWINS", ())


def _owner(cls: type, attribute: str) -> type | None:
    for klass in cls.__mro__:
        if attribute in vars(klass):
            return klass
    return None
