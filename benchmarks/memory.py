"""What tuning malloc for large messages buys (``plugio._memory``), side by side.

Each side runs in a fresh process: plugio as it is, and plugio with
``PLUGIO_TUNE_MALLOC=0``. Both write a ``LiteralMap`` of SIZE bytes (three
scalars and a list of 32-character strings, the ``roundtrip_1m`` payload)
as ``inputs.pb`` on local disk, then time, REPEATS times each:

- parse: ``read_protobuf`` of it;
- serialize: ``encode_message`` of the parsed map;
- check: ``check_nesting`` of it and its bytes (the parse that proves the
  outputs can be read back);
- round trip: read ``inputs.pb`` and write it as ``outputs.pb`` through
  ``RemoteFileOutputWriter``, as a task container does.

It prints medians, the ratio untuned / tuned, and each process's peak
resident set (VmHWM) and resident set at the end (VmRSS).

    python benchmarks/memory.py [SIZE] [REPEATS]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

_SIDE = r"""
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from scenarios import payload
from plugio.core import LiteralMap
from plugio.literals import check_nesting
from plugio.paths import InputPaths, RemoteFileOutputPaths
from plugio.readers import InMemoryOutputReader, RemoteFileInputReader
from plugio.storage import DataStore, encode_message
from plugio.writers import RemoteFileOutputWriter

root, size, repeats = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = DataStore()
store.write_protobuf(f"{root}/in/inputs.pb", payload(size))
inputs = InputPaths(store, f"{root}/in")
outputs = RemoteFileOutputPaths(store, f"{root}/out", f"{root}/raw")
parsed = store.read_protobuf(f"{root}/in/inputs.pb", LiteralMap, limit=None)
data = encode_message(parsed)

def roundtrip():
    got = RemoteFileInputReader(store, inputs).get()
    RemoteFileOutputWriter(store, outputs).put(InMemoryOutputReader(literals=got))

steps = {
    "parse": lambda: store.read_protobuf(f"{root}/in/inputs.pb", LiteralMap, limit=None),
    "serialize": lambda: encode_message(parsed),
    "check": lambda: check_nesting(parsed, data),
    "round trip": roundtrip,
}
medians = {}
for name, step in steps.items():
    step()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    medians[name] = statistics.median(times)
status = dict(
    line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line
)
memory = {key: status[key].strip() for key in ("VmHWM", "VmRSS") if key in status}
print(json.dumps({"bytes": len(data), "medians": medians, "memory": memory}))
"""


def side(tuned: bool, size: int, repeats: int) -> dict[str, Any]:
    """One fresh process's figures."""
    env = {key: value for key, value in os.environ.items() if key != "PLUGIO_TUNE_MALLOC"}
    env["PLUGIO_LIMITS__MAX_PAYLOAD_BYTES"] = "null"  # the 2 MiB default would refuse SIZE
    if not tuned:
        env["PLUGIO_TUNE_MALLOC"] = "0"
    with tempfile.TemporaryDirectory(prefix="plugio-memory-") as root:
        argv = [sys.executable, "-c", _SIDE, str(HERE), root, str(size), str(repeats)]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"the {'tuned' if tuned else 'untuned'} side failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 20
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    tuned, untuned = side(True, size, repeats), side(False, size, repeats)
    print(f"a LiteralMap of {tuned['bytes']} bytes, median of {repeats} runs after one warm-up")
    print(f"{'step':<12} {'tuned':>10} {'untuned':>10} {'untuned / tuned':>16}")
    fast, slow = tuned["medians"], untuned["medians"]
    for name, seconds in fast.items():
        ratio = slow[name] / seconds
        print(f"{name:<12} {seconds * 1e3:>7.2f} ms {slow[name] * 1e3:>7.2f} ms {ratio:>15.2f}x")
    for label, figures in (("tuned", tuned), ("untuned", untuned)):
        memory = figures["memory"]
        print(f"{label}: peak RSS {memory.get('VmHWM')}, RSS at the end {memory.get('VmRSS')}")


if __name__ == "__main__":
    main()
