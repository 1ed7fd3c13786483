"""Nothing acknowledged is lost: clients killed, the service killed, SIGTERM."""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import textwrap
import time

from rig import Rig
from servicetools import (  # noqa: F401 - the fixtures this module uses
    Service,
    local_rig_fixture,
    local_service_fixture,
    service_fixture,
    service_rig_fixture,
)

from plugio.service import ServicePolicy, connect
from plugio.stream import ConsoleLine, StreamReader, StreamState

#: Writes numbered lines until killed; after each batch the service journaled, says so.
COUNTING_CLIENT = textwrap.dedent(
    """
    import sys
    from plugio.service import ServicePolicy, connect

    stream = connect(sys.argv[1], owner=False)
    number = 0
    while True:
        for _ in range(int(sys.argv[2])):
            stream.write(f"{number}\\n")
            number += 1
        if stream.flush_journal():
            print(f"ACKED {number}", flush=True)
    """
)


def acked_until_killed(process: subprocess.Popen[bytes], after: float, data: bytes = b"") -> int:
    """Read the client's acknowledgements for ``after`` seconds (and until its first one),
    then kill -9 it; the last (``data``: what was read of its output before)."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    until = time.monotonic() + after
    while time.monotonic() < until or b"ACKED" not in data:
        ready, _, _ = select.select([fd], [], [], 0.01)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
    process.kill()
    process.wait()
    data += process.stdout.read()
    process.stdout.close()
    acked = [
        int(line.split()[1]) for line in data.decode().splitlines() if line.startswith("ACKED ")
    ]
    assert acked, "the client never got an acknowledgement"
    return max(acked)


def assert_numbered(texts: list[str], at_least: int) -> None:
    """``0 .. n-1`` once each, in order, with ``n >= at_least``."""
    assert texts == [str(n) for n in range(len(texts))]
    assert len(texts) >= at_least


def test_clients_killed_mid_run_lose_nothing_acknowledged(
    service: Service, service_rig: Rig
) -> None:
    service.start()
    prefix = service_rig.ref("stream")
    owner = connect(prefix, proc="owner")
    chooser = random.Random(16)
    acked: dict[int, int] = {}
    for first in range(0, 50, 5):  # 50 trials, five clients at a time
        clients = {
            trial: subprocess.Popen(
                [sys.executable, "-c", COUNTING_CLIENT, prefix, str(chooser.choice([1, 7, 50]))],
                env={**os.environ, "RANK": f"trial {trial}"},
                stdout=subprocess.PIPE,
            )
            for trial in range(first, first + 5)
        }
        for trial, process in clients.items():
            acked[trial] = acked_until_killed(process, chooser.uniform(0.0, 0.3))
    finished = owner.close(exit_code=0)
    assert finished.complete, finished.error
    snapshot = StreamReader(service_rig.store, prefix).read()
    for trial, count in acked.items():
        texts = [line.text for line in snapshot.lines if line.proc == f"rank trial {trial}"]
        assert_numbered(texts, count)


def test_service_killed_then_restarted_finishes_from_its_journals(
    service: Service, service_rig: Rig
) -> None:
    first = service.start()
    prefix = service_rig.ref("stream")
    client = subprocess.Popen(
        [sys.executable, "-c", COUNTING_CLIENT, prefix, "200"],
        env={**os.environ, "RANK": "0"},
        stdout=subprocess.PIPE,
    )
    assert client.stdout is not None
    try:
        read = client.stdout.readline()
        while read and not read.startswith(b"ACKED"):  # some lines acknowledged...
            read = client.stdout.readline()
        assert read, "the client ended before an acknowledgement"
        first.kill()  # ...then the service is killed with -9, the client still writing
        first.wait()
        acked = acked_until_killed(client, 0.5, read)
    finally:
        client.kill()
        client.wait()
    journals = service.journals()
    assert len(journals) == 1
    head = StreamReader(service_rig.store, prefix).head()
    assert head is None or head.state is StreamState.RUNNING

    service.start()  # the next service finishes what the killed one left
    reader = StreamReader(service_rig.store, prefix)
    lines = [r.text for r in reader.follow(0.1, timeout=60) if isinstance(r, ConsoleLine)]
    assert reader.last_head is not None
    assert reader.last_head.state is StreamState.KILLED
    assert_numbered(lines, acked)
    deadline = time.monotonic() + 30
    while service.journals() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert service.journals() == []


def test_service_killed_then_stream_sync_finishes(local_service: Service, local_rig: Rig) -> None:
    first = local_service.start()
    prefix = local_rig.ref("stream")
    stream = connect(prefix, proc="writer", policy=ServicePolicy(client_timeout=1))
    for number in range(5000):
        stream.write(f"{number}\n")
    assert stream.flush_journal()
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    (journal,) = local_service.journals()
    plugio = os.path.join(os.path.dirname(sys.executable), "plugio")
    done = subprocess.run([plugio, "stream", "sync", journal], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    snapshot = StreamReader(local_rig.store, prefix).read()
    assert snapshot.head is not None
    assert snapshot.head.state is StreamState.KILLED
    assert_numbered([line.text for line in snapshot.lines], 5000)
    stream.close()


def test_sigterm_finishes_every_stream(service: Service, service_rig: Rig) -> None:
    process = service.start()
    prefixes = [service_rig.ref("one"), service_rig.ref("two")]
    quick = ServicePolicy(client_timeout=1)  # the service will be gone: give up soon
    streams = [connect(prefix, proc="writer", policy=quick) for prefix in prefixes]
    for stream in streams:
        for number in range(300):
            stream.write(f"{number}\n")
        assert stream.flush_journal()
    process.send_signal(signal.SIGTERM)
    assert process.wait(60) == 0
    for prefix in prefixes:
        snapshot = StreamReader(service_rig.store, prefix).read()
        assert snapshot.head is not None
        assert snapshot.head.state is StreamState.KILLED
        assert_numbered([line.text for line in snapshot.lines], 300)
    assert service.journals() == []
    for stream in streams:
        left = stream.close()
        assert not left.complete  # the service is gone


def test_a_stalled_service_costs_one_bounded_wait_then_drops_are_counted(
    local_service: Service, local_rig: Rig
) -> None:
    process = local_service.start()
    prefix = local_rig.ref("stream")
    small = ServicePolicy(client_buffer_bytes=64 * 1024, client_timeout=0.5)
    stream = connect(prefix, proc="writer", policy=small)
    for number in range(100):
        stream.write(f"{number}\n")
    assert stream.flush_journal()
    os.kill(process.pid, signal.SIGSTOP)  # the service stops reading: the buffer fills
    try:
        for number in range(100, 50_100):  # a wait per record would take hours
            stream.write(f"{number}\n")
        dropped = stream.dropped["console"]
        assert dropped > 0
    finally:
        os.kill(process.pid, signal.SIGCONT)
    finished = stream.close(exit_code=0)
    assert finished.complete, finished.error
    assert finished.dropped["console"] == dropped
    texts = [line.text for line in StreamReader(local_rig.store, prefix).read().lines]
    assert len(texts) == 50_100 - dropped
    numbers = [int(text) for text in texts]
    assert numbers[:100] == list(range(100))
    assert numbers == sorted(set(numbers))  # what was kept, once each and in order
