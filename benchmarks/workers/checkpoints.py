"""One contender's checkpoint saves or restore, in its own environment.

Parameters (JSON on stdin): ``contender`` (``plugio``, ``plugio-background``,
``flytekit`` or ``flyte2``), ``action`` (``save`` or ``restore``), ``folder``
(the model-shaped checkpoint folder, changed between saves in place),
``prefix`` (where the checkpoint goes), ``saves``, ``changes`` (a list, per
save after the first, of ``[relative path, bytes]`` to rewrite with new
random bytes, or ``[relative path, bytes, offset]`` to overwrite that many
in place) and ``target`` (the restore's folder). Prints one JSON object:
per save the seconds the caller was blocked and the bytes uploaded, or the
restore's seconds and bytes; and the process's peak memory.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

CHUNK = 8 * 1024 * 1024
KEPT: list[Any] = []


def rewrite(folder: Path, changes: list[list[Any]]) -> int:
    """Rewrite each listed file (or the listed part of it) with new random bytes, in
    bounded chunks; bytes written."""
    written = 0
    for name, size, *offset in changes:
        with open(folder / name, "r+b" if offset else "wb") as handle:
            handle.seek(int(offset[0]) if offset else 0)
            left = int(size)
            while left:
                chunk = os.urandom(min(CHUNK, left))
                handle.write(chunk)
                left -= len(chunk)
        written += int(size)
    return written


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def saves(params: dict[str, Any]) -> dict[str, Any]:
    contender, folder, prefix = params["contender"], Path(params["folder"]), params["prefix"]
    save, finish = saver(contender, prefix, folder)
    blocked: list[float] = []
    uploaded: list[int] = []
    changed: list[int] = []
    for index in range(params["saves"]):
        if index:
            changed.append(rewrite(folder, params["changes"][index - 1]))
        started = time.perf_counter()
        moved = save(folder)
        blocked.append(time.perf_counter() - started)
        uploaded.append(finish(moved))
    return {"blocked": blocked, "uploaded": uploaded, "changed": changed}


def saver(contender: str, prefix: str, folder: Path) -> tuple[Any, Any]:
    """``save(folder)`` (timed) and ``finish(what save returned)`` (untimed): bytes uploaded."""
    if contender.startswith("plugio"):
        from plugio.storage import DataStore
        from plugio.task import Checkpoint

        checkpoint = Checkpoint(DataStore(), checkpoint_prefix=prefix)
        if contender == "plugio":
            return checkpoint.save, lambda result: result.bytes_uploaded
        # A training step runs between saves: the next save comes after this one is done.
        return (
            lambda folder: checkpoint.save(folder, wait=False),
            lambda handle: handle.wait().bytes_uploaded,
        )
    if contender == "flytekit":
        from flytekit.core.checkpointer import SyncCheckpoint  # type: ignore[import-not-found]

        sync = SyncCheckpoint(checkpoint_dest=prefix)
        return sync.save, lambda _: folder_bytes(folder)  # the whole folder, every save
    import flyte

    whole = flyte.Checkpoint(checkpoint_dest=prefix)
    return whole.save_sync, lambda _: folder_bytes(folder)  # one tar of it (random bytes)


def restore(params: dict[str, Any]) -> dict[str, Any]:
    contender, prefix, target = params["contender"], params["prefix"], Path(params["target"])
    target.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if contender.startswith("plugio"):
        from plugio.storage import DataStore
        from plugio.task import Checkpoint

        checkpoint = Checkpoint(
            DataStore(), checkpoint_prefix="", previous_checkpoint_prefix=prefix
        )
        restored = checkpoint.restore(target)
    elif contender == "flytekit":
        from flytekit.core.checkpointer import SyncCheckpoint

        sync = SyncCheckpoint(checkpoint_dest=str(target / ".dest"), checkpoint_src=prefix)
        restored = sync.restore(target)
    else:
        import flyte

        whole = flyte.Checkpoint(checkpoint_dest=str(target / ".dest"), checkpoint_src=prefix)
        KEPT.append(whole)  # its folder lives as long as the object does
        restored = whole.load_sync()
    seconds = time.perf_counter() - started
    assert restored is not None, "nothing restored"
    return {"seconds": seconds, "bytes": folder_bytes(Path(restored)), "root": str(restored)}


def main() -> None:
    params = json.loads(sys.stdin.read())
    result = saves(params) if params["action"] == "save" else restore(params)
    result["peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(result), flush=True)
    os._exit(0)  # the SDKs' background threads must not hold the figures back


if __name__ == "__main__":
    main()
