"""Kill a process mid-save, many times: a restore gives a whole earlier checkpoint or none."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rig import Rig

from plugio.task import Checkpoint
from plugio.task._checkpoint_files import MANIFEST_SUFFIX

FILES = 6

# Saves versions 1, 2, 3, ... of a folder whose every file names its version,
# some files growing, one vanishing and coming back, until it is killed.
SAVER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from plugio.task import Checkpoint
    from plugio.storage import DataStore
    store = DataStore()  # configured from PLUGIO_* variables
    prefix, folder = sys.argv[2], Path(sys.argv[3])
    checkpoint = Checkpoint(store, checkpoint_prefix=prefix, previous_checkpoint_prefix="")
    version = int(sys.argv[4])
    while True:
        version += 1
        for index in range({files}):
            path = folder / f"part-{{index}}.txt"
            if index == 5 and version % 2:
                path.unlink(missing_ok=True)
                continue
            path.write_text(f"version {{version}}\\n" * (1 + index * version % 50))
        checkpoint.save(folder)
        print(version, flush=True)
    """
).format(files=FILES)


def expected_names(version: int) -> set[str]:
    return {f"part-{index}.txt" for index in range(FILES) if not (index == 5 and version % 2)}


def check_restored(restored: Path | None) -> int:
    """The version of a complete restored checkpoint, 0 for none; fails on a mix."""
    if restored is None:
        return 0
    files = {path.name: path.read_text() for path in restored.iterdir()}
    versions = {text.splitlines()[0] for text in files.values()}
    assert len(versions) == 1, f"a mix of versions was restored: {sorted(versions)}"
    version = int(versions.pop().split()[1])
    assert set(files) == expected_names(version), f"version {version} is incomplete"
    return version


@pytest.mark.slow
@pytest.mark.parametrize(("backend", "trials"), [("local", 50), ("s3", 8)])
def test_killed_saves_never_restore_half_a_checkpoint(
    request: pytest.FixtureRequest,
    stores: Callable[[str], Rig],
    tmp_path: Path,
    backend: str,
    trials: int,
) -> None:
    rig = stores(backend)
    env = dict(os.environ)
    if backend == "s3":
        server = request.getfixturevalue("s3_server")
        env.update(
            PLUGIO_S3__ENDPOINT_URL=server.endpoint_url,
            PLUGIO_S3__ACCESS_KEY_ID=server.access_key_id,
            PLUGIO_S3__SECRET_ACCESS_KEY=server.secret_access_key,
        )
    prefix = rig.ref("crash", "_flytecheckpoints")
    folder = tmp_path / "work"
    folder.mkdir()
    randomness = random.Random(7)
    completed = 0  # trials whose restore gave a whole checkpoint (the rest gave none)
    for trial in range(trials):
        saver = subprocess.Popen(
            [sys.executable, "-c", SAVER, "-", prefix, str(folder), str((trial + 1) * 1000)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert saver.stdout is not None
        saver.stdout.readline()  # one save completed: the next is in flight when killed
        time.sleep(randomness.uniform(0.0, 0.4))
        saver.send_signal(signal.SIGKILL)
        saver.wait(30)
        saver.stdout.close()
        target = tmp_path / f"restore-{trial}"
        restored = Checkpoint(
            rig.store, checkpoint_prefix=prefix + "-next", previous_checkpoint_prefix=prefix
        ).restore(target)
        completed += check_restored(restored) > 0
    # Some kills land between saves, when the last save is whole and restorable.
    listed = [info.ref for page in rig.store.list(prefix) for info in page]
    leftovers = [ref for ref in listed if not _is_checkpoint_file(ref.rsplit("/", 1)[-1])]
    assert leftovers == [], f"a listing shows what killed saves left: {leftovers[:5]}"
    print(
        f"{backend}: {trials} kills, {completed} restored a whole checkpoint, the rest none;"
        f" {len(listed)} objects listed, 0 leftovers"
    )


def _is_checkpoint_file(name: str) -> bool:
    """A file a save writes on purpose: a part, or a manifest."""
    return name.endswith(MANIFEST_SUFFIX) or name.removesuffix(".txt") in {
        f"part-{index}" for index in range(FILES)
    }
