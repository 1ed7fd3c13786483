"""Live task streams on a real S3 server: sustained throughput and follow delay.

Starts SeaweedFS on 127.0.0.1, then measures:

- throughput: one writer takes LINES console lines (one ``write`` call per
  line, as ``print`` makes them) and closes; lines per second accepted, and
  stored (up to the final head), then the time to read them all back;
- delay: a follower polls the stream every 50 ms while a writer prints a probe
  line every quarter second among other output; how long each probe took from
  ``write`` to the follower (median, 90th percentile, worst).

    python benchmarks/stream_throughput.py [LINES] [MAX_INTERVAL]

``MAX_INTERVAL`` is the writer's longest pause between sends (seconds): the
delay a follower sees is bounded by it once the stream has run a while.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import servers

servers.configure_client_environment()

from pydantic import SecretStr  # noqa: E402

from plugio import DataStore, S3Options, StorageConfig  # noqa: E402
from plugio.stream import ConsoleLine, StreamPolicy, StreamReader, StreamWriter  # noqa: E402

PROBES = 32


def throughput(store: DataStore, prefix: str, count: int, policy: StreamPolicy) -> None:
    with tempfile.TemporaryDirectory() as journal:
        writer = StreamWriter(store, prefix, journal_dir=journal, policy=policy)
        started = time.perf_counter()
        for number in range(count):
            writer.write(f"step {number:>9}: loss=0.{number % 9973:04d} lr=3e-4\n")
        accepted = time.perf_counter() - started
        result = writer.close(exit_code=0, deadline=600)
        stored = time.perf_counter() - started
    assert result.complete, result
    started = time.perf_counter()
    lines = StreamReader(store, prefix).read().lines
    read = time.perf_counter() - started
    assert len(lines) == count, len(lines)
    print(f"lines: {count}, chunks: {result.chunks}")
    print(f"accepted:  {accepted:7.2f} s  {count / accepted:10.0f} lines/s")
    print(f"stored:    {stored:7.2f} s  {count / stored:10.0f} lines/s (final head written)")
    print(f"read back: {read:7.2f} s  {count / read:10.0f} lines/s")


def delay(store: DataStore, prefix: str, policy: StreamPolicy) -> None:
    seen: dict[str, float] = {}

    def follow() -> None:
        for record in StreamReader(store, prefix).follow(0.05, timeout=120):
            if isinstance(record, ConsoleLine) and record.text.startswith("probe"):
                seen[record.text] = time.monotonic()

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    written: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as journal:
        writer = StreamWriter(store, prefix, journal_dir=journal, policy=policy)
        for number in range(PROBES):
            for filler in range(200):
                writer.write(f"other output {number}.{filler}\n")
            written[f"probe {number}"] = time.monotonic()
            writer.write(f"probe {number}\n")
            time.sleep(0.25)
        writer.close(exit_code=0)
    follower.join(timeout=60)
    delays = sorted(seen[name] - at for name, at in written.items())
    print(f"probes: {len(delays)} of {PROBES}, one every 0.25 s, policy {policy_text(policy)}")
    print(
        f"delay:     median {statistics.median(delays):.3f} s, "
        f"p90 {delays[int(len(delays) * 0.9) - 1]:.3f} s, worst {delays[-1]:.3f} s"
    )


def policy_text(policy: StreamPolicy) -> str:
    return (
        f"first_interval={policy.first_interval} growth={policy.interval_growth} "
        f"max_interval={policy.max_interval}"
    )


def main(count: int, max_interval: float) -> None:
    policy = StreamPolicy(max_interval=max_interval)
    with servers.seaweedfs_server() as s3:
        config = StorageConfig(
            s3=S3Options(
                endpoint_url=s3.endpoint_url,
                access_key_id=SecretStr(s3.access_key_id),
                secret_access_key=SecretStr(s3.secret_access_key),
            )
        )
        store = DataStore(config)
        store.write_bytes(f"s3://{s3.bucket}/bench/warm-up", b"x")  # open the connection pool
        throughput(store, f"s3://{s3.bucket}/bench/throughput", count, policy)
        delay(store, f"s3://{s3.bucket}/bench/delay", policy)


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000,
        float(sys.argv[2]) if len(sys.argv) > 2 else 2.0,
    )
