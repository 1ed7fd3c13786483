"""Deprecated: offloading moved to :mod:`plugio.task` (``from plugio.task import OffloadPolicy``).

Importing from here works for one release, with a ``DeprecationWarning``.
"""

from plugio._moved import moved_names as _moved_names

__all__: list[str] = []

__getattr__ = _moved_names(
    "plugio.offload",
    {
        **dict.fromkeys(
            (
                "MIB",
                "OffloadPolicy",
                "literal_hash",
                "offload_literals",
                "offload_literals_async",
                "offloaded_literal_ref",
                "resolve_offloaded",
                "resolve_offloaded_async",
            ),
            "plugio.task",
        ),
        "LiteralTooLargeError": "plugio.errors",
    },
)
