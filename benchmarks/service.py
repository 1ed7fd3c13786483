"""The plugio service against a writer per process, on local disk and a real S3 server.

Starts SeaweedFS on 127.0.0.1 (``tests/servers.py``), then for each backend:

- throughput: 1, 4 and 8 processes each write LINES console lines (one
  ``write`` per line, as ``print`` makes them), either all into one stream
  through the service, or each into a stream of its own with its own
  ``StreamWriter``; lines per second from the go signal until everything is
  stored (every process closed, and the stream finished with its final head);
- the service's peak memory (its resident set's high-water mark, VmHWM) after
  the 8-process run;
- delay: a follower polls the stream every 50 ms while a client of the
  service prints a probe line every 0.1 s among other output; how long each
  probe took from ``write`` to the follower (median, 90th percentile, worst).

    python benchmarks/service.py [LINES]
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import servers

servers.configure_client_environment()

from plugio.service import ServiceClient, connect  # noqa: E402
from plugio.service._address import read_address  # noqa: E402
from plugio.storage import DataStore  # noqa: E402
from plugio.stream import ConsoleLine, StreamReader, StreamWriter  # noqa: E402

PROCESSES = (1, 4, 8)
PROBES = 40


def worker(mode: str, prefix: str, count: int, journal: str) -> None:
    """One writing process: waits for a line on stdin, writes, closes; prints its seconds."""
    sink: ServiceClient | StreamWriter
    if mode == "service":
        sink = connect(prefix, owner=False)
    else:
        sink = StreamWriter(DataStore.from_url(prefix), prefix, journal_dir=journal)
    print("READY", flush=True)
    sys.stdin.readline()
    started = time.perf_counter()
    for number in range(count):
        sink.write(f"step {number:>9}: loss=0.{number % 9973:04d} lr=3e-4\n")
    result = sink.close(exit_code=0) if isinstance(sink, StreamWriter) else sink.close()
    assert result.complete, result
    print(f"{time.perf_counter() - started:.3f}", flush=True)


def run_processes(mode: str, prefix: str, processes: int, count: int, work: str) -> float:
    """Seconds from the go signal until every process closed (and the stream finished)."""
    owner = connect(prefix, epoch=0, proc="owner") if mode == "service" else None
    children = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--worker",
                mode,
                _own(prefix, mode, n),
                str(count),
                os.path.join(work, f"journal-{mode}-{processes}-{n}"),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(processes)
    ]
    for child in children:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "READY"
    started = time.perf_counter()
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        child.communicate(timeout=1200)
        assert child.returncode == 0
    if owner is not None:
        finished = owner.close(exit_code=0, deadline=600)
        assert finished.complete, finished
    return time.perf_counter() - started


def _own(prefix: str, mode: str, number: int) -> str:
    return prefix if mode == "service" else f"{prefix}-{number}"


def start_service(folder: str) -> subprocess.Popen[bytes]:
    os.environ["PLUGIO_SERVICE__FOLDER"] = folder
    process = subprocess.Popen([sys.executable, "-m", "plugio.service"], env=dict(os.environ))
    while (found := read_address(folder)) is None or found.pid != process.pid:
        assert process.poll() is None, "the service did not start"
        time.sleep(0.05)
    return process


def peak_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def delay(prefix: str) -> list[float]:
    seen: dict[str, float] = {}
    store = DataStore.from_url(prefix)

    def follow() -> None:
        for record in StreamReader(store, prefix).follow(0.05, timeout=120):
            if isinstance(record, ConsoleLine) and record.text.startswith("probe"):
                seen[record.text] = time.monotonic()

    stream = connect(prefix, epoch=0, proc="probe")
    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    written: dict[str, float] = {}
    for number in range(PROBES):
        for filler in range(100):
            stream.write(f"other output {number}.{filler}\n")
        written[f"probe {number}"] = time.monotonic()
        stream.write(f"probe {number}\n")
        time.sleep(0.1)
    stream.close(exit_code=0)
    follower.join(timeout=60)
    return sorted(seen[name] - at for name, at in written.items() if name in seen)


def backend(name: str, root: str, count: int, work: str) -> list[str]:
    rows = []
    folder = tempfile.mkdtemp(prefix="plg-bench-")
    service = start_service(folder)
    try:
        for processes in PROCESSES:
            base = f"{root}/bench-{name}-{processes}"
            through = run_processes("service", f"{base}/service", processes, count, work)
            alone = run_processes("writer", f"{base}/writer", processes, count, work)
            total = processes * count
            rows.append(f"| {name} | {processes} | {total / through:,.0f} | {total / alone:,.0f} |")
            print(rows[-1], file=sys.stderr, flush=True)
        peak = peak_rss_mib(service.pid)
        delays = delay(f"{root}/bench-{name}-delay")
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(60)
        shutil.rmtree(folder, ignore_errors=True)
    p90 = delays[int(len(delays) * 0.9) - 1]
    rows.append(f"| {name} | service peak memory (VmHWM) | {peak:.0f} MiB | |")
    rows.append(
        f"| {name} | line written to readable ({len(delays)} probes) | median "
        f"{statistics.median(delays):.3f} s, p90 {p90:.3f} s, worst {delays[-1]:.3f} s | |"
    )
    return rows


def main(count: int) -> None:
    print(f"{count:,} lines per process; lines per second until stored\n")
    print("| backend | processes | through the service | a StreamWriter each |")
    print("|---|---|---|---|")
    with servers.seaweedfs_server() as s3, tempfile.TemporaryDirectory(prefix="bench-") as work:
        os.environ.update(
            PLUGIO_S3__ENDPOINT_URL=s3.endpoint_url,
            PLUGIO_S3__ACCESS_KEY_ID=s3.access_key_id,
            PLUGIO_S3__SECRET_ACCESS_KEY=s3.secret_access_key,
            PLUGIO_SERVICE__IDLE_EXIT="600",
        )
        local = os.path.join(work, "store")
        os.makedirs(local)
        rows = backend("local", local, count, work) + backend(
            "s3", f"s3://{s3.bucket}", count, work
        )
    print("\n".join(rows))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
