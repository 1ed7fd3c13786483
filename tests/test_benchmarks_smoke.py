"""The side-by-side benchmark scenarios run once, tiny, so that they cannot rot."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import servers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from side_by_side import SCENARIOS, Bench, Sizes

TINY = Sizes(
    attempts=5,
    concurrency=4,
    small_payload=64,
    large_payload=4096,
    values=20,
    files=10,
    file_bytes=256,
    repeats=1,
)


@pytest.fixture(scope="module")
def bench(s3_server: servers.S3Server) -> Iterator[Bench]:
    bench = Bench.connect(
        s3_server.endpoint_url,
        s3_server.access_key_id,
        s3_server.secret_access_key,
        s3_server.bucket,
    )
    yield bench
    bench.cleanup()


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_runs(bench: Bench, name: str) -> None:
    results = SCENARIOS[name](bench, TINY)

    assert next(iter(results)) == "plugio"
    assert len(results) >= 2  # at least one peer, measured or n/a
    for contender, value in results.items():
        if contender == "plugio":
            assert value is not None
        if value is not None:
            assert value > 0, (contender, value)


def test_table_shows_missing_peers_as_na() -> None:
    import run

    text = run.table({"values_10k": {"plugio": 0.5, "flytekit": None, "other": 1.0}})

    assert "n/a" in text.splitlines()[2]
    assert "2.00x" in text.splitlines()[3]
