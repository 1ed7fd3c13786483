"""The checkpoint scenario: five saves of a model-shaped folder, then a restore in a new process.

The folder is shaped like a model's checkpoint (by default 2 GiB: four
weight shards of about 400 MiB, four optimizer shards of about 100 MiB and
300 small files), of random bytes. Between saves, one optimizer shard and 15
small files are rewritten: about 5% of the bytes. Each contender saves five
times in a process of its own environment, then a new process restores the
last save; the restored folder is checked against the saved one.

- plugio (blocking): ``Checkpoint.save(folder)``;
- plugio (background): ``Checkpoint.save(folder, wait=False)``, the next
  save after this one is done (a training step runs in between);
- flytekit: ``SyncCheckpoint.save(folder)``;
- flyte2: Flyte 2's ``flyte.Checkpoint.save_sync(folder)`` (one gzip tar),
  in the environment the tests make for it.

Rows: the time the caller is blocked per save (median of the four saves
after the first), and the restore's time. ``CHECKPOINT_MIB`` in the
environment sets the folder's size (``--quick``: 128 MiB), and
``CHECKPOINT_CONTENDERS`` (comma-separated) runs only those contenders.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import statistics
import subprocess
from pathlib import Path
from typing import Any

from contenders import WORKER_TIMEOUT, WORKERS, Env, child_environment
from scenarios import MIB, Context, Figure, Row, Target
from sdk_envs import FLYTE2, sdk_python

__all__ = ["checkpoints"]

SAVES = 5
SMALL_FILES = 300
CHANGED_SMALL = 15
CONTENDERS = ("plugio", "plugio-background", "flytekit", "flyte2")


def shape(total: int) -> dict[str, int]:
    """Relative path -> size of a model-shaped checkpoint of about ``total`` bytes."""
    files = {f"model-{i:05d}-of-00004.safetensors": int(total * 0.195) for i in range(4)}
    files.update({f"optimizer/shard-{i}.pt": int(total * 0.049) for i in range(4)})
    small = max(1, int(total * 0.0096) // SMALL_FILES)
    files.update({f"state/rng-{i:03d}.json": small for i in range(SMALL_FILES)})
    return files


def changes(files: dict[str, int]) -> list[list[list[Any]]]:
    """For each save after the first: what changes before it.

    One optimizer shard and 15 small files are rewritten whole, and 16 MiB in
    the middle of one weight shard (rows a step updated) are rewritten in
    place: ``[path, bytes]`` or ``[path, bytes, offset]``.
    """
    small = sorted(name for name in files if name.startswith("state/"))
    plan = []
    for save in range(1, SAVES):
        shard = f"optimizer/shard-{(save - 1) % 4}.pt"
        weights = f"model-{(save - 1) % 4:05d}-of-00004.safetensors"
        region = min(16 * MIB, files[weights] // 4)
        picked = small[(save - 1) * CHANGED_SMALL : save * CHANGED_SMALL]
        rewritten = [[name, files[name]] for name in (shard, *picked)]
        plan.append([*rewritten, [weights, region, files[weights] // 3]])
    return plan


def seed(folder: Path, files: dict[str, int]) -> None:
    for name, size in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            left = size
            while left:
                chunk = os.urandom(min(8 * MIB, left))
                handle.write(chunk)
                left -= len(chunk)


def run(python: str, params: dict[str, Any], environ: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        # -P: the workers' folder holds modules named like the packages measured.
        [python, "-P", str(WORKERS / "checkpoints.py")],
        input=json.dumps(params),
        capture_output=True,
        text=True,
        env=environ,
        timeout=WORKER_TIMEOUT,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.splitlines()[-20:])
        raise RuntimeError(f"{params['contender']} {params['action']} failed:\n{tail}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def pythons(ctx: Context) -> dict[str, str | None]:
    envs: dict[str, Env] = ctx.envs
    try:
        flyte2: str | None = str(sdk_python("flyte2", FLYTE2))
    except RuntimeError as exc:
        ctx.log(f"flyte2: no environment, shown as n/a: {exc}")
        flyte2 = None
    return {
        "plugio": envs["plugio"].python,
        "plugio-background": envs["plugio"].python,
        "flytekit": envs["flytekit"].python,
        "flyte2": flyte2,
    }


def checkpoints(ctx: Context) -> list[Row]:
    """Saves and a restore of a model-shaped checkpoint, per backend and contender."""
    default = 2048 if ctx.sizes.large_file >= 512 * MIB else 128
    total = int(os.environ.get("CHECKPOINT_MIB", default)) * MIB
    files = shape(total)
    pristine = ctx.scratch("checkpoint-seed")
    seed(pristine, files)
    plan = changes(files)
    found = pythons(ctx)
    environ = child_environment(ctx.s3.container_environment())
    rows: list[Row] = []
    summary: list[str] = []
    chosen = os.environ.get("CHECKPOINT_CONTENDERS", ",".join(CONTENDERS)).split(",")
    for backend in ctx.backends:
        saves, restores = [], []
        for contender in [name for name in CONTENDERS if name in chosen]:
            name = "plugio" if contender.startswith("plugio") else contender
            variant = {"plugio": "blocking", "plugio-background": "background"}.get(contender, "")
            save_fig, restore_fig = Figure(name, variant), Figure(name, variant)
            python = found[contender]
            if python is None:
                save_fig.problem = restore_fig.problem = "n/a: no environment"
                saves.append(save_fig)
                restores.append(restore_fig)
                continue
            folder = ctx.scratch(f"checkpoint-{contender}-{backend}")
            target = ctx.scratch(f"checkpoint-restore-{contender}-{backend}")
            # The SDKs' own temporary files (Flyte 2's tar of the folder, say) go here too.
            temporary = ctx.scratch(f"checkpoint-tmp-{contender}-{backend}")
            for place in (folder, target, temporary):
                shutil.rmtree(place, ignore_errors=True)
            shutil.copytree(pristine, folder)
            temporary.mkdir(parents=True)
            worker_environ = {**environ, "TMPDIR": str(temporary)}
            prefix = f"{ctx.root(backend)}/checkpoints/{contender}/_flytecheckpoints"
            base = {"contender": contender, "prefix": prefix, "folder": str(folder)}
            ctx.log(f"  checkpoints {backend}: {contender} ...")
            try:
                saved = run(
                    python,
                    {**base, "action": "save", "saves": SAVES, "changes": plan},
                    worker_environ,
                )
                restored = run(
                    python, {**base, "action": "restore", "target": str(target)}, worker_environ
                )
                check_restored(folder, Path(restored["root"]))
            except (RuntimeError, AssertionError, subprocess.TimeoutExpired) as exc:
                ctx.failed(save_fig, str(exc))
                ctx.failed(restore_fig, str(exc))
                saves.append(save_fig)
                restores.append(restore_fig)
                continue
            finally:  # 2 GiB a copy: keep the disk for the next contender
                for place in (folder, target, temporary):
                    shutil.rmtree(place, ignore_errors=True)
            save_fig.times = saved["blocked"][1:]
            save_fig.median = statistics.median(save_fig.times)
            save_fig.peak_rss = saved["peak_rss"]
            restore_fig.times = [restored["seconds"]]
            restore_fig.median = restored["seconds"]
            restore_fig.peak_rss = restored["peak_rss"]
            restore_fig.moved = restored["bytes"]
            saves.append(save_fig)
            restores.append(restore_fig)
            uploaded = statistics.median(saved["uploaded"][1:])
            changed = statistics.median(saved["changed"])
            summary.append(
                f"{backend:5} {save_fig.label:22} blocked per save {save_fig.median:7.3f} s,"
                f" uploaded per save {uploaded / MIB:7.1f} MiB for {changed / MIB:6.1f} MiB"
                f" changed, save peak RSS {saved['peak_rss'] / MIB:6.0f} MiB, restore"
                f" {restored['seconds']:6.2f} s (peak RSS {restored['peak_rss'] / MIB:4.0f} MiB)"
            )
            shutil.rmtree(target, ignore_errors=True)
            shutil.rmtree(folder, ignore_errors=True)
        label = f"checkpoint {total // MIB} MiB"
        rows.append(
            Row(f"{label}: save, caller blocked", backend, saves,
                Target(">= 10x less than either SDK, < 512 MiB", vs_best=10, max_rss=512 * MIB))
        )  # fmt: skip
        rows.append(
            Row(f"{label}: restore, new process", backend, restores,
                Target(">= fastest peer, < 512 MiB", vs_best=1, max_rss=512 * MIB), moves_data=True)
        )  # fmt: skip
    shutil.rmtree(pristine, ignore_errors=True)
    print("\n".join(["checkpoints, per save after the first:", *summary, ""]), flush=True)
    return rows


def check_restored(saved: Path, restored: Path) -> None:
    """The restored folder holds the saved folder's files, byte for byte."""
    names = sorted(p.relative_to(saved).as_posix() for p in saved.rglob("*") if p.is_file())
    got = sorted(p.relative_to(restored).as_posix() for p in restored.rglob("*") if p.is_file())
    assert got == names, f"restored {len(got)} files, saved {len(names)}"
    _, mismatch, errors = filecmp.cmpfiles(saved, restored, names, shallow=False)
    assert not mismatch, f"restored files differ: {mismatch[:3]}"
    assert not errors, f"restored files are unreadable: {errors[:3]}"
