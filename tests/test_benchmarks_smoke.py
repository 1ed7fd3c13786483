"""The benchmark's scenarios run once, tiny, so that they cannot rot.

Every contender runs with this interpreter (``run.py --python``), never in the
benchmark's own environments: plugio, s3fs and obstore are installed here;
flytekit is not, so its figures are n/a unless it imports, and its worker is
only compiled.
"""

from __future__ import annotations

import importlib.util
import py_compile
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import servers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import contenders
import report
from scenarios import SCENARIOS, Context, Figure, Row, S3Target, Sizes, Target

TINY = Sizes(
    attempts=6,
    concurrency=4,
    small_payload=64,
    large_payload=4096,
    values=20,
    files=6,
    file_bytes=256,
    large_file=64 * 1024,
    repeats=1,
    slow_repeats=1,
)
HAS_FLYTEKIT = importlib.util.find_spec("flytekit") is not None


@pytest.fixture(scope="module")
def context(
    s3_server: servers.S3Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Context]:
    names = [contender.name for contender in contenders.CONTENDERS]
    envs = contenders.prepare_envs(sys.executable, names, log=lambda _: None)
    target = S3Target(
        s3_server.endpoint_url,
        s3_server.access_key_id,
        s3_server.secret_access_key,
        s3_server.bucket,
    )
    work = tmp_path_factory.mktemp("bench")
    ctx = Context(envs, target, TINY, work, uuid.uuid4().hex[:12], log=lambda _: None)
    yield ctx
    ctx.store.delete(ctx.root("s3"), recursive=True)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_runs(context: Context, name: str) -> None:
    rows = SCENARIOS[name](context)

    assert context.failures == []
    assert rows
    for row in rows:
        assert row.figures[0].contender == "plugio"
        for figure in row.figures:
            if figure.contender == "flytekit" and not HAS_FLYTEKIT:
                assert str(figure.problem).startswith("n/a")
            else:
                assert figure.median, figure
                assert all(seconds > 0 for seconds in figure.times)
        assert row.scenario in report.text_report([row])


def test_every_worker_compiles(tmp_path: Path) -> None:
    workers = sorted(contenders.WORKERS.rglob("*.py"))

    assert {path.stem for path in workers} >= {"flytekit", "flytekit_inputs", "obstore", "s3fs"}
    for path in workers:
        py_compile.compile(str(path), cfile=str(tmp_path / f"{path.stem}.pyc"), doraise=True)


def test_a_failing_worker_fails_loudly(context: Context) -> None:
    with pytest.raises(contenders.WorkerFailed, match="no scenario 'nope'"):
        contenders.run_worker(context.envs["plugio"], {"scenario": "nope"})


def test_table_shows_ratios_targets_and_missing_peers() -> None:
    row = Row(
        "values_10k",
        "-",
        [
            Figure("plugio", median=0.5, times=[0.5]),
            Figure("flytekit", median=3.0, times=[3.0]),
            Figure("s3fs", problem="n/a: not selected"),
            Figure("obstore", problem="FAILED"),
        ],
        Target(">= 5x flytekit", vs_flytekit=5),
    )

    (cells,) = report.main_rows([row])

    assert cells[2:6] == ("500.0 ms", "3.00 s", "n/a", "FAILED")
    assert cells[6:] == ("flytekit", "6.00x", "6.00x", ">= 5x flytekit", "yes")


def test_write_keeps_the_prose_around_the_results(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(f"# Benchmarks\n\nprose\n\n{report.BEGIN}\nold\n{report.END}\n\nmore prose\n")

    report.write_markdown(path, "new table")

    text = path.read_text()
    assert "old" not in text
    assert text.startswith("# Benchmarks\n\nprose\n\n")
    assert "new table" in text
    assert text.endswith(f"{report.END}\n\nmore prose\n")
