"""Kill -9 a process at random moments of a sequence of saves, blocking and background.

After every kill, a restore in another process must give exactly one whole
committed save: never a mix of two, never older than the last save that
returned or was flushed, never newer than the one in flight when killed. The next
trial restarts the saver on the same prefix, resuming from what it restores.
"""

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

from plugio.storage import DataStore
from plugio.task import MANIFEST_SUFFIX, Checkpoint
from plugio.task._checkpoint_files import VERSIONS_SUFFIX, Manifest

PARTS = 5

# Restores the newest save, then saves versions v+1, v+2, ... of a folder in a
# loop until killed: every part names its version, one part vanishes on odd
# versions, one file never changes. Every third save blocks; the others run in
# the background, flushed every fourth version.
SAVER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from plugio.storage import DataStore
    from plugio.task import Checkpoint
    prefix, folder = sys.argv[1], Path(sys.argv[2])
    checkpoint = Checkpoint(DataStore(), checkpoint_prefix=prefix, keep=2)
    restored = checkpoint.restore(folder)
    folder.mkdir(exist_ok=True)
    version = int((folder / "part-0.txt").read_text().split()[1]) if restored else 0
    (folder / "static.bin").write_bytes(b"s" * 40_000)
    print("ready", version, flush=True)
    while True:
        version += 1
        for index in range({parts}):
            path = folder / f"part-{{index}}.txt"
            if index == {parts} - 1 and version % 2:
                path.unlink(missing_ok=True)
            else:
                path.write_text(f"version {{version}}\\n" * (1 + index * version % 300))
        if version % 3 == 0:
            checkpoint.save(folder)
            print("returned", version, flush=True)
        else:
            checkpoint.save(folder, wait=False)
            print("queued", version, flush=True)
            if version % 4 == 0:
                checkpoint.flush()
                print("flushed", version, flush=True)
    """
).format(parts=PARTS)


def restored_version(restored: Path | None) -> int:
    """The version of a whole restored save, 0 for none; fails on a mix or a missing part."""
    if restored is None:
        return 0
    parts = {p.name: p.read_text() for p in restored.iterdir() if p.name.startswith("part-")}
    versions = {text.split()[1] for text in parts.values()}
    assert len(versions) == 1, f"a mix of versions was restored: {sorted(versions)}"
    version = int(versions.pop())
    expected = {f"part-{i}.txt" for i in range(PARTS) if not (i == PARTS - 1 and version % 2)}
    assert set(parts) == expected, f"version {version} is incomplete: {sorted(parts)}"
    assert (restored / "static.bin").read_bytes() == b"s" * 40_000
    return version


def run_trials(store: DataStore, prefix: str, env: dict[str, str], tmp: Path, trials: int) -> str:
    randomness = random.Random(15)
    floor = newest_started = 0
    outcomes: dict[str, int] = {"none": 0, "restored": 0}
    for trial in range(trials):
        folder = tmp / f"work-{trial}"
        saver = subprocess.Popen(
            [sys.executable, "-c", SAVER, prefix, str(folder)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert saver.stdout is not None
        kind, resumed = saver.stdout.readline().split()
        assert kind == "ready"
        assert floor <= int(resumed) <= newest_started  # the saver itself resumed rightly
        time.sleep(randomness.uniform(0.0, 0.25))
        saver.send_signal(signal.SIGKILL)
        saver.wait(30)
        said = saver.stdout.read()
        # A line the kill cut short (no newline yet) was not said: print writes in pieces.
        for line in said[: said.rfind("\n") + 1].splitlines():
            event, number = line.split()
            newest_started = max(newest_started, int(number))
            if event in {"returned", "flushed"}:
                floor = max(floor, int(number))
        saver.stdout.close()
        restored = Checkpoint(store, checkpoint_prefix=prefix).restore(tmp / f"restore-{trial}")
        version = restored_version(restored)
        # The save in flight when killed may have committed before saying so.
        assert floor <= version <= newest_started + 1, (trial, floor, version, newest_started)
        newest_started = max(newest_started, version)
        floor = version  # committed: nothing later may restore anything older
        outcomes["restored" if version else "none"] += 1
    return f"{trials} kills, floor reached version {floor}, {outcomes}"


def assert_only_kept_versions(store: DataStore, prefix: str, folder: Path) -> None:
    """One more save sweeps what the killed saves left: only what kept versions use remains."""
    Checkpoint(store, checkpoint_prefix=prefix, keep=2).save(folder)
    pointer = Manifest.model_validate_json(store.read_bytes(prefix + MANIFEST_SUFFIX))
    assert len(pointer.kept) == 1
    versions = prefix + VERSIONS_SUFFIX
    older = Manifest.model_validate_json(store.read_bytes(f"{versions}/{pointer.kept[0]}.json"))
    used = {f"{e.version}/{e.path}" for m in (pointer, older) for e in m.files}
    used |= {f"{pointer.version}.json", f"{older.version}.json"}
    listed = {info.ref for page in store.list(versions + "/") for info in page}
    assert {ref.split(VERSIONS_SUFFIX + "/", 1)[1] for ref in listed} == used


@pytest.mark.slow
@pytest.mark.parametrize(("backend", "trials"), [("local", 100), ("s3", 30)])
def test_killed_saves_restore_exactly_the_newest_committed_save(
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
    print(backend, run_trials(rig.store, prefix, env, tmp_path, trials))
    assert_only_kept_versions(rig.store, prefix, tmp_path / "work-0")
