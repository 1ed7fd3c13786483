"""Background saves: one upload in flight, one waiting, in order, errors never lost.

A save made with ``wait=False`` is captured by the caller, then queued here.
One worker thread uploads the saves one after the other, so save N+1 never
commits before save N. At most one save waits behind the one in flight: a
newer save replaces it (the older one is dropped, its handle says so) and
takes over the staged files it still needs. A failure is kept until the
next call of the checkpoint (a save, :meth:`Saver.flush`) raises it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from plugio.storage import ProgressCallback
from plugio.task._checkpoint_capture import Capture, discard
from plugio.task._checkpoint_versions import SaveResult

__all__ = ["SaveHandle", "Saver"]


class SaveHandle:
    """A save running in the background; :meth:`wait` for its result."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._result: SaveResult | None = None
        self._error: BaseException | None = None
        self._dropped = False

    def __repr__(self) -> str:
        state = "dropped" if self._dropped else "done" if self.done() else "running"
        return f"SaveHandle({state})"

    def done(self) -> bool:
        """Whether the save committed, failed, or was dropped for a newer one."""
        return self._done.is_set()

    @property
    def dropped(self) -> bool:
        """Whether a newer save replaced this one before it started."""
        return self._dropped

    def wait(self, timeout: float | None = None) -> SaveResult | None:
        """Wait for the save; its result, or None when it was dropped.

        Raises:
            TimeoutError: not done within ``timeout`` seconds.
            StorageError: the save failed (the previous committed save stays).
        """
        if not self._done.wait(timeout):
            raise TimeoutError(f"the checkpoint save is still running after {timeout} s")
        if self._error is not None:
            raise self._error
        return self._result

    def _finish(self, result: SaveResult | None, error: BaseException | None) -> None:
        self._result, self._error = result, error
        self._done.set()


@dataclass
class _Job:
    capture: Capture
    handle: SaveHandle
    scratches: list[str]
    progress: ProgressCallback | None


class Saver:
    """The background queue of one checkpoint; ``run`` commits one capture."""

    def __init__(
        self,
        run: Callable[[Capture, ProgressCallback | None], SaveResult],
        failed: Callable[[], None],
    ) -> None:
        self._run, self._failed = run, failed
        self._lock = threading.Condition()
        self._waiting: _Job | None = None
        self._busy = False
        self._error: BaseException | None = None

    def submit(self, capture: Capture, progress: ProgressCallback | None = None) -> SaveHandle:
        """Queue ``capture`` behind the save in flight, dropping an older waiting one."""
        job = _Job(capture, SaveHandle(), [capture.scratch], progress)
        with self._lock:
            older = self._waiting
            if older is not None:
                _take_over(job, older)
            self._waiting = job
            if not self._busy:
                self._busy = True
                threading.Thread(target=self._work, name="plugio-checkpoint", daemon=False).start()
        return job.handle

    def raise_error(self) -> None:
        """Raise (once) the failure of a background save, if one failed."""
        with self._lock:
            error, self._error = self._error, None
        if error is not None:
            raise error

    def flush(self) -> None:
        """Wait until every queued save is done; raise the failure of one, if any."""
        with self._lock:
            while self._busy:
                self._lock.wait()
        self.raise_error()

    def _work(self) -> None:
        while True:
            with self._lock:
                job, self._waiting = self._waiting, None
                if job is None:
                    self._busy = False
                    self._lock.notify_all()
                    return
            result: SaveResult | None = None
            error: BaseException | None = None
            try:
                result = self._run(job.capture, job.progress)
                result = replace(result, blocked_seconds=job.capture.seconds)
            except BaseException as failure:  # kept for the caller, never lost
                error = failure
                self._failed()
            finally:
                for scratch in job.scratches:
                    discard(scratch)
            with self._lock:
                if error is not None:
                    self._error = error
            job.handle._finish(result, error)


def _take_over(job: _Job, older: _Job) -> None:
    """``job`` replaces the waiting ``older``: it keeps the staged files it refers to."""
    older.handle._dropped = True
    older.handle._finish(None, None)
    job.scratches.extend(older.scratches)
    inherited = dict(older.capture.inherited)
    inherited.update((item.sha256, item.staged) for item in older.capture.items if item.staged)
    inherited.update(job.capture.inherited)
    job.capture.inherited = inherited
