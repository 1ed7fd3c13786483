"""Leaving the stream from a multiprocessing child."""

from __future__ import annotations

import sys
from collections.abc import Callable

__all__ = ["finalize_in_multiprocessing"]


def finalize_in_multiprocessing(callback: Callable[[], None]) -> None:
    """Run ``callback`` when a multiprocessing child ends (it ends with ``os._exit``,
    skipping ``atexit``); nothing when multiprocessing is not in use."""
    module = sys.modules.get("multiprocessing.util")
    if module is not None:
        module.Finalize(None, callback, exitpriority=100)
