"""Many processes into one stream through the service: every record once, each in order."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from rig import Rig
from servicetools import (  # noqa: F401 - the fixtures this module uses
    Service,
    service_fixture,
    service_rig_fixture,
)

from plugio.service import ServiceClient, connect
from plugio.stream import ConsoleLine, StreamReader, StreamState

WRITER = textwrap.dedent(
    """
    import json, os, sys
    from plugio.service import ServiceClient, connect

    prefix, lines, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rank = os.environ["RANK"]
    stream = connect(prefix, owner=False)  # tagged "rank N" from RANK
    every = lines // rows
    for number in range(lines):
        stream.write(f"r{rank} {number}\\n")
        if number % every == 0:
            stream.log_metrics({"loss": 1 / (1 + number), "rank": int(rank)}, step=number // every)
    left = stream.close()  # not the owner: it leaves the stream, once all is journaled
    print(json.dumps({"complete": left.complete, "state": left.state.value,
                      "dropped": left.dropped}))
    """
)


def test_eight_processes_stream_into_one(
    service: Service, service_rig: Rig, tmp_path: Path
) -> None:
    service.start()
    prefix = service_rig.ref("stream")
    owner = connect(prefix, epoch=2, proc="launcher")
    owner.write("starting 8 ranks\n")
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    lines, rows = 100_000, 10_000
    processes = [
        subprocess.Popen(
            [sys.executable, str(script), prefix, str(lines), str(rows)],
            env={**os.environ, "RANK": str(rank)},
            stdout=subprocess.PIPE,
            text=True,
        )
        for rank in range(8)
    ]
    for process in processes:
        out, _ = process.communicate(timeout=600)
        assert process.returncode == 0, service.log()
        left = json.loads(out)
        assert left == {
            "complete": True,
            "state": "running",
            "dropped": {"console": 0, "metrics": 0, "events": 0},
        }
    finished = owner.close(exit_code=0)
    assert finished.complete, finished.error
    assert finished.state is StreamState.SUCCEEDED
    # A sampled history of each metric and process, bounded whatever the run's length.
    names = [f"{name} [rank {rank}]" for name in ("loss", "rank") for rank in range(8)]
    assert sorted(finished.history) == names
    for series in finished.history.values():
        assert 0 < len(series) <= 256

    snapshot = StreamReader(service_rig.store, prefix).read()
    assert snapshot.head is not None
    assert snapshot.head.state is StreamState.SUCCEEDED
    assert snapshot.head.epoch == 2
    by_proc: dict[str | None, list[str]] = {}
    for line in snapshot.lines:
        by_proc.setdefault(line.proc, []).append(line.text)
    assert by_proc.pop("launcher") == ["starting 8 ranks"]
    for rank in range(8):
        # every line once, in the order the process wrote them
        assert by_proc.pop(f"rank {rank}") == [f"r{rank} {n}" for n in range(lines)]
    assert not by_proc
    for rank in range(8):
        rows_of_rank = [m for m in snapshot.metrics if m.proc == f"rank {rank}"]
        assert [m.step for m in rows_of_rank] == list(range(rows))
        assert all(m.values["rank"] == rank for m in rows_of_rank)
    assert len(snapshot.metrics) == 8 * rows


def _write_from_fork(client: ServiceClient) -> None:
    # The client the parent made, used as it is after fork: it reconnects by itself.
    client.write("child line 1\n")
    client.log_metrics({"child": 1.0})
    client.write("child line 2\n")


def test_forked_child_logs_through_the_service(service: Service, service_rig: Rig) -> None:
    prefix = service_rig.ref("stream")
    stream = connect(prefix)  # starts the service on demand
    stream.write("parent before\n")
    stream.flush_journal()
    context = multiprocessing.get_context("fork")
    child = context.Process(target=_write_from_fork, args=(stream,))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    stream.write("parent after\n")
    finished = stream.close(exit_code=0)
    assert finished.complete, finished.error

    snapshot = StreamReader(service_rig.store, prefix).read()
    tagged = [(line.proc, line.text) for line in snapshot.lines]
    parent = f"pid {os.getpid()}"
    assert (parent, "parent before") in tagged
    assert (parent, "parent after") in tagged
    assert (f"pid {child.pid}", "child line 1") in tagged
    child_lines = [text for proc, text in tagged if proc == f"pid {child.pid}"]
    assert child_lines == ["child line 1", "child line 2"]
    assert [m.proc for m in snapshot.metrics] == [f"pid {child.pid}"]
    assert snapshot.head is not None
    assert snapshot.head.state is StreamState.SUCCEEDED


def test_last_client_gone_finishes_the_stream_as_killed(service: Service, service_rig: Rig) -> None:
    service.start()
    prefix = service_rig.ref("stream")
    script = textwrap.dedent(
        """
        import sys
        from plugio.service import ServiceClient, connect
        stream = connect(sys.argv[1])
        for number in range(1000):
            stream.write(f"line {number}\\n")
        assert stream.flush_journal()
        print("JOURNALED", flush=True)
        import os, signal
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", script, prefix], capture_output=True, text=True)
    assert "JOURNALED" in done.stdout, done.stderr
    reader = StreamReader(service_rig.store, prefix)
    records = list(reader.follow(0.1, timeout=60))  # the grace period is 1 s here
    assert reader.last_head is not None
    assert reader.last_head.state is StreamState.KILLED
    texts = [r.text for r in records if isinstance(r, ConsoleLine)]
    assert texts == [f"line {n}" for n in range(1000)]
    assert service.status()["streams"] == []
