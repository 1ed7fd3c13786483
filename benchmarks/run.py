"""plugio side by side with its peers, on a real S3 server, in one table.

    python benchmarks/run.py [--quick] [--only NAME] [--repeats N]

Starts SeaweedFS on 127.0.0.1 (``tests/servers.py``), runs each scenario of
``benchmarks/side_by_side.py`` and prints one row per peer: the scenario,
plugio's time, the peer's time and their ratio (peer time / plugio time, so
above 1 means plugio is faster). Every figure is the median of ``--repeats``
timed runs after one warm-up, measured in this run, against the same server
and the same data.

Scenarios (``--quick`` sizes in brackets):

- ``status_2000``: status of 2000 [100] attempts, a third succeeded, a third
  failed: ``check_attempts_async`` against s3fs ``_info`` of ``outputs.pb``
  and ``error.pb``, one attempt after another and under ``asyncio.gather``
  with the same concurrency (64);
- ``roundtrip_1k`` / ``roundtrip_1m``: write ``outputs.pb`` holding a
  LiteralMap of ~1 KiB / ~1 MiB and read it back: ``write_protobuf`` /
  ``read_protobuf`` against s3fs ``pipe`` / ``cat`` and a protobuf parse;
- ``values_10k``: ``to_literal`` / ``from_literal`` of a dict of 10,000 ints
  and a list of 10,000 strings, against flytekit's ``TypeEngine``;
- ``files_1000x4k``: upload and download a folder of 1000 [100] files of
  4 KiB: ``DataStore.put`` / ``get`` against recursive s3fs ``put`` / ``get``.

How peers are measured: a peer is the plain library a user would call
instead of plugio (s3fs, flytekit), called in this same process, right after
plugio, with the same sizes, repeats and server. s3fs is one of plugio's own
dependencies, so it is always measured. A peer whose package cannot be
imported by the interpreter running this command is shown as "n/a": to
measure it, create a separate virtual environment, install plugio and the peer
there (``pip install -e '.[s3,test]' flytekit``) and run this command with
that environment's ``python``, so that plugio's development environment never
holds the peers.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers

servers.configure_client_environment()

from side_by_side import SCENARIOS, Bench, Results, Sizes  # noqa: E402

QUICK = Sizes(attempts=100, files=100, repeats=3)


def seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value < 1:
        return f"{value * 1000:.1f} ms"
    return f"{value:.2f} s"


def ratio(peer: float | None, plugio: float | None) -> str:
    if peer is None or not plugio:
        return "n/a"
    return f"{peer / plugio:.2f}x"


def table(results: dict[str, Results]) -> str:
    """One row per scenario and peer: plugio's time, the peer's, the ratio."""
    header = ("scenario", "plugio", "peer", "peer time", "ratio")
    rows: list[tuple[str, ...]] = [header]
    for scenario, figures in results.items():
        plugio = figures.get("plugio")
        for peer, value in figures.items():
            if peer != "plugio":
                rows.append((scenario, seconds(plugio), peer, seconds(value), ratio(value, plugio)))
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = []
    for row in rows:
        cells = [
            cell.ljust(width) if column in (0, 2) else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 3 repeats")
    parser.add_argument("--only", choices=sorted(SCENARIOS), help="run this scenario alone")
    parser.add_argument("--repeats", type=int, help="timed runs per figure (default 5, quick 3)")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    if args.repeats is not None:
        if args.repeats < 1:
            parser.error("--repeats must be at least 1")
        sizes = dataclasses.replace(sizes, repeats=args.repeats)
    names = [args.only] if args.only else list(SCENARIOS)

    results: dict[str, Results] = {}
    with servers.seaweedfs_server() as s3:
        bench = Bench.connect(s3.endpoint_url, s3.access_key_id, s3.secret_access_key, s3.bucket)
        for name in names:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            results[name] = SCENARIOS[name](bench, sizes)
    print(
        f"attempts: {sizes.attempts}, files: {sizes.files} x {sizes.file_bytes} B,"
        f" values: {sizes.values}, median of {sizes.repeats} runs"
    )
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
