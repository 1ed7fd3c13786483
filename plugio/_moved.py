"""Names a package exports lazily: imported from their module on first use, and
old import paths of names that moved, kept for one release with a warning."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names", "moved_names"]


def lazy_names(
    package: dict[str, Any], homes: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` for names defined in other modules.

    A name is imported from its module on first use and then kept in the
    package's namespace (``package`` is its ``globals()``), so that importing
    the package costs next to nothing.

    Args:
        package: the package's ``globals()``.
        homes: each exported name and the module that defines it.
    """
    name_of_package = package["__name__"]

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {name_of_package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        package[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(package) | set(homes))

    return __getattr__, __dir__


def moved_names(old_module: str, new_homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` answering each moved name from its new module.

    Each access warns with a ``DeprecationWarning`` naming the new import
    path; the new module is imported only then.

    Args:
        old_module: The module the names were imported from, for messages.
        new_homes: Each moved name and the module that now defines it.
    """

    def __getattr__(name: str) -> Any:
        home = new_homes.get(name)
        if home is None:
            raise AttributeError(f"module {old_module!r} has no attribute {name!r}")
        warnings.warn(
            f"{old_module}.{name} moved to {home}.{name}; import it from {home}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(home), name)

    return __getattr__
