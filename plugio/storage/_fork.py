"""After ``fork()``: the child never touches the parent's live clients.

A forked child inherits the parent's event loop object for fsspec's async
clients, and with it the parent's epoll instance, which the two processes
share in the kernel. When the child closes an inherited connection (a store
dropping its clients, or a client's finalizer at exit), asyncio unregisters
the socket from that shared epoll, and the parent then waits forever on a
pooled connection that can no longer wake it. So, in the child, the parent's
loop gets a selector of its own (unregistering touches nothing shared) and is
marked as not running (finalizers close sockets directly, without scheduling
on a loop whose thread did not survive the fork). Clients of the parent that
the child's stores drop are kept referenced, so none is finalized in the child.
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["disown_loop", "keep_inherited"]

#: The fsspec I/O loop of the parent, noted just before a fork.
_parent_loops: list[Any] = []
#: Clients a child inherited and must never close.
_inherited: list[Any] = []


def disown_loop(loop: Any) -> None:
    """Make the inherited ``loop`` harmless in this (child) process."""
    import selectors

    if loop is None or getattr(loop, "_plugio_disowned", False):
        return
    loop._selector = selectors.DefaultSelector()
    loop._thread_id = None
    loop._plugio_disowned = True


def keep_inherited(clients: Any) -> None:
    """Keep ``clients`` (inherited from the parent) alive, unused, for good."""
    _inherited.append(clients)


def _before_fork() -> None:
    asyn = sys.modules.get("fsspec.asyn")
    loop = getattr(asyn, "loop", [None])[0] if asyn is not None else None
    _parent_loops[:] = [loop] if loop is not None else []


def _in_child() -> None:
    for loop in _parent_loops:
        disown_loop(loop)
    _parent_loops.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_before_fork, after_in_parent=_parent_loops.clear, after_in_child=_in_child
    )
