"""Freed memory kept for reuse once a large message is seen (``plugio._memory``).

Checked in fresh processes, where the tuning is decided once, by the page
faults of a task container's round trip: read a 0.9 MB ``inputs.pb`` and
write it as ``outputs.pb``. Tuned, the pages freed by one round trip serve
the next, and it faults none in; untuned, glibc gives them back and every
round trip faults in about 900 pages (3.6 MiB) again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from plugio import _memory
from plugio.errors import ConfigurationError

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
ROUND_TRIPS = 10

_PROBE = r"""
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from scenarios import payload
from plugio import _memory
from plugio.paths import InputPaths, RemoteFileOutputPaths
from plugio.readers import InMemoryOutputReader, RemoteFileInputReader
from plugio.storage import DataStore
from plugio.writers import RemoteFileOutputWriter

root, size, times = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = DataStore()
store.write_protobuf(root + "/in/inputs.pb", payload(size))
decided = _memory._decided  # by that write
inputs = InputPaths(store, root + "/in")
outputs = RemoteFileOutputPaths(store, root + "/out", root + "/raw")

def roundtrip():
    got = RemoteFileInputReader(store, inputs).get()
    RemoteFileOutputWriter(store, outputs).put(InMemoryOutputReader(literals=got))

roundtrip()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(times):
    roundtrip()
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(json.dumps({"faults": faults / times, "decided": decided}))
"""

glibc_only = pytest.mark.skipif(
    not _memory.should_tune({}), reason="malloc is tuned only under glibc"
)


def probe(tmp_path: Path, size: int, **env: str) -> dict[str, Any]:
    """Page faults per round trip of a map of about ``size`` bytes, in a fresh process.

    Also what the process wrote on stderr (``stderr``).
    """
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "PLUGIO_"))}
    argv = [sys.executable, "-c", _PROBE, str(BENCHMARKS), str(tmp_path), str(size)]
    argv.append(str(ROUND_TRIPS))
    done = subprocess.run(argv, env={**clean, **env}, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return {**result, "stderr": done.stderr}


@glibc_only
def test_a_large_message_leaves_its_pages_to_the_next(tmp_path: Path) -> None:
    tuned = probe(tmp_path, 1 << 20)
    assert tuned["decided"]  # the write of the 0.9 MB map decided it
    assert tuned["faults"] < 50


@glibc_only
def test_switched_off_each_round_trip_faults_its_pages_in_again(tmp_path: Path) -> None:
    untuned = probe(tmp_path, 1 << 20, PLUGIO_TUNE_MALLOC="false")
    assert untuned["faults"] > 200


@glibc_only
def test_a_process_that_tunes_malloc_itself_is_left_alone(tmp_path: Path) -> None:
    # glibc's default trim threshold, given the way a process gives its own
    own = probe(tmp_path, 1 << 20, MALLOC_TRIM_THRESHOLD_="131072")
    assert own["faults"] > 200


@glibc_only
def test_a_bad_switch_is_warned_of_and_the_work_goes_on(tmp_path: Path) -> None:
    found = probe(tmp_path, 1 << 20, PLUGIO_TUNE_MALLOC="sometimes")
    warning = [line for line in found["stderr"].splitlines() if "ConfigurationWarning" in line]
    assert len(warning) == 1
    assert "PLUGIO_TUNE_MALLOC must be one of 1, true, yes, on, 0, false, no, off" in warning[0]
    assert "malloc is left as it is" in warning[0]
    assert "sometimes" not in found["stderr"]
    assert found["faults"] > 200


def test_small_messages_leave_malloc_as_it_is(tmp_path: Path) -> None:
    assert not probe(tmp_path, 64 << 10)["decided"]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"PLUGIO_TUNE_MALLOC": "0"}, False),
        ({"plugio_tune_malloc": "Off"}, False),
        ({"PLUGIO_TUNE_MALLOC": "yes"}, True),
        ({"PLUGIO_TUNE_MALLOC": ""}, True),
        ({"MALLOC_MMAP_THRESHOLD_": "65536"}, False),
        ({"MALLOC_TOP_PAD_": "0"}, False),
        ({"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=0"}, False),
        ({"GLIBC_TUNABLES": "glibc.pthread.rseq=0"}, True),
    ],
)
def test_the_decision_follows_the_environment(environ: dict[str, str], expected: bool) -> None:
    on_glibc = _memory.should_tune({})
    assert _memory.should_tune(environ) is (expected and on_glibc)


def test_a_bad_switch_is_named_in_one_line() -> None:
    with pytest.raises(ConfigurationError) as caught:
        _memory.should_tune({"PLUGIO_TUNE_MALLOC": "sometimes"})
    message = str(caught.value)
    assert "PLUGIO_TUNE_MALLOC" in message
    assert "sometimes" not in message
    assert "\n" not in message
