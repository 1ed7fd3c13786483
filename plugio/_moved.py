"""Old import paths of names that moved, kept for one release with a warning."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["moved_names"]


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
