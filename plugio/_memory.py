"""Freed memory kept for reuse while large protobuf messages come and go.

Parsing a message builds it in an arena of many small blocks; dropping it
frees them all at once. glibc's malloc then hands the freed top of its heap
back to the system (its trim threshold is twice the largest block it has
mapped and freed, a few MiB at most), and the next message of that size
faults every page in again. On a message of 1 MiB that doubles what protobuf
costs: a parse or a serialization takes about 2 ms where 1 ms is spent on
the message itself (``benchmarks/memory.py``).

So the first time plugio parses or writes a message of :data:`LARGE` bytes
or more, it asks glibc to keep up to :data:`KEEP` bytes of freed heap for
reuse (``M_TRIM_THRESHOLD``) and to serve blocks below :data:`MAPPED_FROM`
from the heap (``M_MMAP_THRESHOLD``, where glibc's own adaptive rule would
put it after a few such messages). It is done once per process, and only:

- under glibc (``os.confstr("CS_GNU_LIBC_VERSION")``); elsewhere nothing is done;
- when the process has not tuned malloc itself: no ``MALLOC_TRIM_THRESHOLD_``,
  ``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TOP_PAD_`` or ``MALLOC_MMAP_MAX_``, and
  no ``glibc.malloc`` tunable in ``GLIBC_TUNABLES``;
- unless ``PLUGIO_TUNE_MALLOC`` is off (0, false, no, off); a value that is
  no switch is warned of (:class:`~plugio.errors.ConfigurationWarning`) and
  leaves malloc alone.

The cost: a process that handled a large message keeps up to 64 MiB of freed
memory resident instead of returning it at once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from plugio.errors import ConfigurationError, ConfigurationWarning

__all__ = ["KEEP", "LARGE", "MAPPED_FROM", "SETTING", "large_message", "should_tune"]

LARGE = 256 << 10
"""A message of this many bytes or more is large: its first parse or write tunes malloc."""

KEEP = 64 << 20
"""Freed heap glibc keeps for reuse (``M_TRIM_THRESHOLD``) once tuned."""

MAPPED_FROM = 4 << 20
"""Blocks of this size or more are mapped on their own (``M_MMAP_THRESHOLD``) once tuned."""

SETTING = "tune_malloc"
"""``PLUGIO_TUNE_MALLOC``: a switch, on unless set off."""

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_OWN_TUNING = (
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TOP_PAD_",
    "MALLOC_MMAP_MAX_",
)

_decided = False


def large_message(size: int) -> None:
    """Note a message of ``size`` bytes about to be parsed, or just serialized.

    The first large one tunes malloc, when :func:`should_tune` says so; every
    other call returns at once. A ``PLUGIO_TUNE_MALLOC`` that is no switch
    leaves malloc alone, with a :class:`~plugio.errors.ConfigurationWarning`
    naming it: the read or write under way goes on.
    """
    global _decided
    if size < LARGE or _decided:
        return
    _decided = True
    try:
        tune = should_tune()
    except ConfigurationError as exc:
        import warnings

        warnings.warn(f"{exc}; malloc is left as it is", ConfigurationWarning, stacklevel=2)
        return
    if tune:
        _mallopt({_M_TRIM_THRESHOLD: KEEP, _M_MMAP_THRESHOLD: MAPPED_FROM})


def should_tune(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this process's malloc is glibc's, untuned, and ``PLUGIO_TUNE_MALLOC`` allows it.

    Raises:
        ConfigurationError: ``PLUGIO_TUNE_MALLOC`` is not a switch.
    """
    from plugio._environment import switch

    environ = os.environ if environ is None else environ
    if not switch(SETTING, True, environ):
        return False
    if any(name in environ for name in _OWN_TUNING):
        return False
    if "glibc.malloc." in environ.get("GLIBC_TUNABLES", ""):
        return False
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError):  # not glibc, or no confstr at all
        return False


def _mallopt(options: Mapping[int, int]) -> None:
    """Set glibc's malloc ``options``, as far as this C library takes them."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    for option, value in options.items():
        mallopt(option, value)
