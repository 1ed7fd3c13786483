"""``plugio run --service``, ``plugio logs`` of a tagged stream, ``plugio service status/stop``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from clirun import PLUGIO, environment, plugio
from rig import Rig
from servicetools import (  # noqa: F401 - the fixtures this module uses
    Service,
    local_rig_fixture,
    local_service_fixture,
)

from plugio.service import ServicePolicy, connect
from plugio.stream import StreamReader, StreamState

#: A torchrun-style launcher: two ranks, each writing through the service.
LAUNCHER = textwrap.dedent(
    """
    import os, subprocess, sys
    ranks = [
        subprocess.Popen([sys.executable, sys.argv[1]], env={**os.environ, "RANK": str(rank)})
        for rank in range(2)
    ]
    print("launcher: 2 ranks", flush=True)
    sys.exit(max(rank.wait() for rank in ranks))
    """
)
RANK = textwrap.dedent(
    """
    import os
    import plugio.service

    stream = plugio.service.connect()  # the attempt's stream, from the environment
    rank = int(os.environ["RANK"])
    for step in range(50):
        stream.write(f"step {step} [bold]loss[/bold] 100% #{rank}\\n")
        stream.log_metrics({"loss": 1 / (step + 1), "rank": rank})
    stream.log_event("done", {"rank": rank})
    stream.close()  # leaves the stream; plugio run finishes it
    """
)


def test_run_with_the_service_streams_every_rank_tagged(
    local_service: Service, local_rig: Rig, tmp_path: Path
) -> None:
    (tmp_path / "launcher.py").write_text(LAUNCHER)
    (tmp_path / "rank.py").write_text(RANK)
    outputs = local_rig.ref("attempt #1 é")
    env = {**local_service.env, "PLUGIO_RUN_SERVICE": "yes"}
    follower = subprocess.Popen(
        [PLUGIO, "logs", "--follow", "--interval", "0.1", outputs],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(env),
    )
    command = [sys.executable, str(tmp_path / "launcher.py"), str(tmp_path / "rank.py")]
    done = plugio("run", "--outputs", outputs, "--", *command, env=env)
    assert done.code == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "launcher: 2 ranks" in lines
    assert "stream succeeded" in lines
    for rank in range(2):  # a sparkline per metric and process
        loss = next(line for line in lines if line.strip().startswith(f"loss [rank {rank}] "))
        assert any(block in loss for block in "▁▂▃▄▅▆▇█")

    followed, _ = follower.communicate(timeout=120)
    assert follower.returncode == 0
    for output in (followed, plugio("logs", outputs, env=env).stdout):
        shown = output.splitlines()
        assert "launcher: 2 ranks" in shown
        for rank in range(2):
            mine = [line for line in shown if line.startswith(f"[rank {rank}] ")]
            assert mine == [
                f"[rank {rank}] step {step} [bold]loss[/bold] 100% #{rank}" for step in range(50)
            ]
    snapshot = StreamReader(local_rig.store, outputs + "/stream").read()
    assert snapshot.head is not None
    assert snapshot.head.state is StreamState.SUCCEEDED
    assert sorted(e.proc or "" for e in snapshot.events) == ["rank 0", "rank 1"]
    assert len(snapshot.metrics) == 100
    table = plugio("metrics", outputs, env=env).stdout.splitlines()
    assert table[0].split("\t")[:2] == ["step", "proc"]
    assert sorted({line.split("\t")[1] for line in table[1:101]}) == ["rank 0", "rank 1"]


def test_run_without_the_service_gives_no_token(
    local_service: Service, local_rig: Rig, tmp_path: Path
) -> None:
    code = "import os; print(os.environ.get('PLUGIO_SERVICE_TOKEN', 'none'))"
    done = plugio(
        "run",
        "--outputs",
        local_rig.ref("a"),
        "--no-service",
        "--",
        sys.executable,
        "-c",
        code,
        env={**local_service.env, "PLUGIO_RUN_SERVICE": "1"},
    )
    assert done.code == 0, done.stderr
    assert done.stdout.splitlines()[0] == "none"
    bad = plugio(
        "run",
        "--outputs",
        local_rig.ref("b"),
        "--",
        sys.executable,
        "-c",
        code,
        env={**local_service.env, "PLUGIO_RUN_SERVICE": "maybe"},
    )
    assert bad.code == 2
    assert bad.stderr.strip() == (
        "error: PLUGIO_RUN_SERVICE must be one of 1, true, yes, on, 0, false, no, off"
    )


def test_service_status_and_stop(local_service: Service, local_rig: Rig) -> None:
    process = local_service.start()
    prefix = local_rig.ref("stream [x]")
    stream = connect(prefix, proc="rank 7", policy=ServicePolicy(client_timeout=1))
    stream.write("hello\n")
    assert stream.flush_journal()
    status = plugio("service", "status", env=local_service.env)
    assert status.code == 0, status.stderr
    assert f"stream {prefix} (epoch 0, running)" in status.stdout
    assert "  clients: rank 7" in status.stdout
    as_json = json.loads(plugio("service", "status", "--json", env=local_service.env).stdout)
    (found,) = as_json["streams"]
    assert found["journaled"]["console"] == 1
    assert found["journal_bytes"] > found["backlog_bytes"] >= 0
    assert found["clients"] == ["rank 7"]
    stopped = plugio("service", "stop", env=local_service.env)
    assert stopped.code == 0
    assert process.wait(60) == 0
    head = StreamReader(local_rig.store, prefix).head()
    assert head is not None
    assert head.state is StreamState.KILLED
    gone = plugio("service", "status", env=local_service.env)
    assert gone.code == 4
    assert gone.stderr.startswith("error: ")
    assert "no plugio service is running" in gone.stderr
    assert not os.path.exists(os.path.join(local_service.folder, "service.json"))
    assert not stream.close().complete  # the service is gone


#: A rank that sends its prints through the service, tagged, and tries the tee first.
CAPTURING = textwrap.dedent(
    """
    import os, sys
    import plugio.service

    stream = plugio.service.connect()
    try:
        stream.capture_output()  # tee: plugio run would take every line a second time
    except plugio.service.ServiceError as exc:
        print(f"refused: {exc}", file=sys.stderr, flush=True)
    stream.capture_output(tee=False)
    for step in range(3):
        print(f"rank {os.environ['RANK']} step {step}")
    stream.close()
    """
)


def test_a_rank_capturing_its_console_under_run_gets_it_tagged_once(
    local_service: Service, local_rig: Rig, tmp_path: Path
) -> None:
    (tmp_path / "launcher.py").write_text(LAUNCHER)
    (tmp_path / "rank.py").write_text(CAPTURING)
    outputs = local_rig.ref("capturing")
    command = [sys.executable, str(tmp_path / "launcher.py"), str(tmp_path / "rank.py")]
    done = plugio("run", "--outputs", outputs, "--service", "--", *command, env=local_service.env)
    assert done.code == 0, done.stderr
    assert done.stderr.count("plugio run already streams this process's console") == 2
    shown = plugio("logs", outputs, env=local_service.env).stdout.splitlines()
    for rank in range(2):
        assert [line for line in shown if f"rank {rank} step" in line] == [
            f"[rank {rank}] rank {rank} step {step}" for step in range(3)
        ]
