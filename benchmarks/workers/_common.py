"""What every worker shares: parameters in, timing, peak memory, one JSON object out.

Standard library only: a worker runs with its contender's own python, where
neither plugio (except in plugio's environment) nor the benchmark harness is
installed. A worker reads its parameters as one JSON object on stdin::

    {"scenario": "status", "backend": "s3", "repeats": 7,
     "s3": {"endpoint_url": ..., "access_key_id": ..., "secret_access_key": ...,
            "bucket": ..., "region": ...},
     "scratch": "<a local folder of its own>", ...the scenario's own fields}

and prints one JSON object on stdout: ``median`` and ``times`` (seconds, after
one untimed warm-up), ``peak_rss`` (bytes, the whole process: see
:func:`peak_rss`) and whatever else the scenario reports, then exits at once.
A failure prints its traceback on stderr and exits with status 1.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: A worker's parameters and its result, both plain JSON objects.
Params = dict[str, Any]
Result = dict[str, Any]
Scenario = Callable[[Params], Result]

#: The error code of every seeded ``error.pb``; workers check they read it.
ERROR_CODE = "BenchFailure"


class CheckFailed(AssertionError):
    """A contender returned something other than what was seeded or sent."""


def require(condition: bool, message: str) -> None:
    """Raise CheckFailed with ``message`` unless ``condition`` (unlike assert, never skipped)."""
    if not condition:
        raise CheckFailed(message)


def measure(
    run: Callable[[int], object],
    repeats: int,
    after: Callable[[int], object] | None = None,
) -> Result:
    """Median wall time of ``run(1..repeats)`` after an untimed warm-up ``run(0)``.

    ``after(index)``, untimed, follows each run: checks and clean-up.
    """
    require(repeats >= 1, "repeats must be at least 1")
    times: list[float] = []
    for index in range(repeats + 1):
        started = time.perf_counter()
        run(index)
        if index:
            times.append(time.perf_counter() - started)
        if after is not None:
            after(index)
    return {"median": statistics.median(times), "times": times}


def peak_rss() -> int:
    """The largest resident set of this process image, in bytes.

    ``VmHWM`` from ``/proc/self/status``: Linux keeps ``ru_maxrss`` across
    ``fork`` and ``exec``, so a worker started by a large parent would report
    the parent's peak there. Elsewhere, ``ru_maxrss`` (KiB on Linux).
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return rusage_peak()


def rusage_peak() -> int:
    """``ru_maxrss`` in bytes: this process's peak, or its parent's at fork if larger."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(scenarios: dict[str, Scenario]) -> None:
    """Run the scenario named in the parameters on stdin and print its result."""
    params: Params = json.loads(sys.stdin.read())
    name = params["scenario"]
    try:
        if name not in scenarios:
            raise CheckFailed(f"this worker has no scenario {name!r}")
        result = scenarios[name](params)
    except Exception:
        traceback.print_exc()
        sys.exit(1)
    result["peak_rss"] = peak_rss()
    result["ru_maxrss"] = rusage_peak()
    print(json.dumps(result), flush=True)
    sys.stderr.flush()
    # Skip the interpreter's teardown: a native runtime that crashes while it
    # shuts down (obstore's did, now and then) must not fail a finished run.
    os._exit(0)


# -- the shapes of the seeded data ------------------------------------------


def attempt_prefixes(base: str, count: int) -> list[str]:
    """The seeded attempt prefixes: ``<base>/attempt-<index>``."""
    return [f"{base}/attempt-{index}" for index in range(count)]


def attempt_kind(index: int) -> str:
    """What attempt ``index`` holds: ``outputs`` (succeeded), ``error`` (failed) or nothing."""
    return ("outputs", "error", "empty")[index % 3]


def expected_counts(count: int) -> dict[str, int]:
    """How many of ``count`` seeded attempts succeeded, failed and have nothing yet."""
    counts = {"outputs": 0, "error": 0, "empty": 0}
    for index in range(count):
        counts[attempt_kind(index)] += 1
    return counts


def split_s3(ref: str) -> tuple[str, str]:
    """``s3://bucket/some/key`` as ``("bucket", "some/key")``."""
    require(ref.startswith("s3://"), f"not an s3 reference: {ref}")
    bucket, _, key = ref[len("s3://") :].partition("/")
    return bucket, key


# -- local files ------------------------------------------------------------------


def fresh_dir(path: str | Path) -> Path:
    """An empty folder at ``path`` (whatever was there is removed)."""
    folder = Path(path)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def remove(path: str | Path) -> None:
    """Remove a local file or folder, if it is there."""
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)


def tree_stats(path: str | Path) -> tuple[int, int]:
    """How many files a local file or folder holds, and their total size in bytes."""
    root = Path(path)
    if root.is_file():
        return 1, root.stat().st_size
    sizes = [item.stat().st_size for item in root.rglob("*") if item.is_file()]
    return len(sizes), sum(sizes)


def relative_files(path: str | Path) -> list[Path]:
    """Every file under a local folder, relative to it, sorted."""
    root = Path(path)
    return sorted(item.relative_to(root) for item in root.rglob("*") if item.is_file())


def check_tree(path: str | Path, files: int, size: int, what: str) -> None:
    """Fail unless the local file or folder at ``path`` holds ``files`` files of ``size`` bytes."""
    found = tree_stats(path)
    require(found == (files, size), f"{what}: expected {files} files, {size} B; found {found}")
