"""After ``fork()``: the child never touches the parent's live clients.

A forked child inherits the parent's event loop object for fsspec's async
clients, and with it the parent's epoll instance, which the two processes
share in the kernel. When the child closes an inherited connection (a store
dropping its clients, or a client's finalizer at exit), asyncio unregisters
the socket from that shared epoll, and the parent then waits forever on a
pooled connection that can no longer wake it. So, in the child, the parent's
loop gets a selector of its own (unregistering touches nothing shared) and is
marked as not running (finalizers close sockets directly, without scheduling
on a loop whose thread did not survive the fork). obstore's Rust runtime
shares an epoll instance the same way and cannot be given another, so the
parent's clients that a child's store sets aside are never dropped in the
child, not even at its exit.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["detach_finalizers", "forks", "keep_inherited", "track"]

#: How many forks this process descends from since plugio was imported: a
#: store compares it with the count it was made under (cheaper than getpid()).
forks = 0

#: Clients a child inherited and must never close.
_inherited: list[Any] = []
#: fsspec's async filesystems that plugio made in this process.
_tracked: Any = None


def track(filesystem: Any) -> None:
    """Note an async filesystem, whose finalizers a forked child must not run."""
    global _tracked
    if _tracked is None:
        import weakref

        _tracked = weakref.WeakSet()
    _tracked.add(filesystem)


def detach_finalizers(owner: Any) -> None:
    """Cancel the finalizers registered for ``owner`` (closing a client at exit, say).

    s3fs, gcsfs and adlfs each close their sessions from a ``weakref.finalize``
    that also runs at exit; in a forked child that would schedule work on the
    parent's loop, which has no thread here, and wait for it forever.
    """
    import weakref

    registry: Any = getattr(weakref.finalize, "_registry", {})
    for finalizer in list(registry):
        found = finalizer.peek()
        if found is not None and found[0] is owner:
            finalizer.detach()


def _disown_loop(loop: Any) -> None:
    """Make the inherited ``loop`` harmless in this (child) process."""
    import selectors

    if loop is None or getattr(loop, "_plugio_disowned", False):
        return
    loop._selector = selectors.DefaultSelector()
    loop._thread_id = None
    loop._plugio_disowned = True


def keep_inherited(clients: Any) -> None:
    """Keep ``clients`` (inherited from the parent) alive, unused, for good.

    Even past the interpreter's shutdown: dropping an inherited obstore client
    deregisters its pooled connections from the epoll instance that its Rust
    runtime shares with the parent, which then waits on them forever. One
    reference more than anything holds keeps them from ever being dropped.
    """
    import ctypes

    _inherited.append(clients)
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(clients))


def _in_child() -> None:
    global forks
    forks += 1
    for filesystem in list(_tracked or ()):
        detach_finalizers(filesystem)
        _disown_loop(getattr(filesystem, "_loop", None))
        _inherited.append(filesystem)
    if _tracked is not None:
        _tracked.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_in_child)
