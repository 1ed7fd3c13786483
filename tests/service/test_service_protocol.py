"""The protocol as other programs speak it; what the service refuses."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import pytest
from rig import Rig
from servicetools import (  # noqa: F401 - the fixtures this module uses
    Service,
    local_rig_fixture,
    local_service_fixture,
    service_fixture,
)

from plugio.errors import InvalidReferenceError
from plugio.service import ServiceError, ServicePolicy, connect
from plugio.service._address import TOKEN_ENV, read_address
from plugio.service._connect import control
from plugio.stream import StreamReader, StreamState

DOC = Path(__file__).resolve().parents[2] / "docs" / "service.md"


def shell_example() -> str:
    """The shell example of docs/service.md, as printed there."""
    found = re.search(r"<!-- shell-example -->\n```sh\n(.*?)```", DOC.read_text(), re.S)
    assert found, "docs/service.md has no shell example"
    return found.group(1)


def raw_hello(service: Service, prefix: str | None) -> tuple[socket.socket, BinaryIO]:
    address = read_address(service.folder)
    assert address is not None
    sock = address.connect(10)
    hello: dict[str, object] = {"v": 1, "op": "hello", "token": address.token}
    if prefix is not None:
        hello["prefix"] = prefix
    sock.sendall(json.dumps(hello).encode() + b"\n")
    replies = sock.makefile("rb")
    assert json.loads(replies.readline()) == {"v": 1, "ok": 0}
    return sock, replies


@pytest.mark.skipif(
    shutil.which("socat") is None and not os.environ.get("CI"),
    reason="the shell example needs socat (CI installs it: scripts/install-test-servers.sh)",
)
def test_the_documented_shell_example_writes_a_stream(
    local_service: Service, local_rig: Rig
) -> None:
    local_service.start()
    address = read_address(local_service.folder)
    assert address is not None
    prefix = local_rig.ref("shell stream")
    environment = {
        **os.environ,
        TOKEN_ENV: address.token_text(),
        "PLUGIO_SERVICE_STREAM": prefix,
    }
    done = subprocess.run(
        ["sh", "-c", shell_example()], env=environment, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert replies[0] == {"v": 1, "ok": 0}
    assert replies[-1]["ok"] == 3
    assert replies[-1]["flushed"] is True
    snapshot = StreamReader(local_rig.store, prefix).read()
    assert [(line.proc, line.text) for line in snapshot.lines] == [
        ("shell", "hello from sh: 100% done, 50 # 5 [b]not markup[/b]"),
    ]
    assert [(m.step, m.values) for m in snapshot.metrics] == [(1, {"loss": 0.25})]
    assert snapshot.head is not None
    assert snapshot.head.state is StreamState.RUNNING


def test_a_malformed_frame_drops_that_connection_only(
    local_service: Service, local_rig: Rig
) -> None:
    local_service.start()
    prefix = local_rig.ref("stream")
    good = connect(prefix, proc="good")
    good.write("before\n")
    assert good.flush_journal()
    for garbage in (b"{not json\n", b'{"v":1,"op":"line"}\n', b'{"v":9,"op":"line","text":"x"}\n'):
        sock, replies = raw_hello(local_service, prefix)
        sock.sendall(garbage)
        answer = json.loads(replies.readline())
        assert answer["v"] == 1
        assert answer["error"].startswith("frame 2: ")
        assert replies.readline() == b""  # closed
        replies.close()
        sock.close()
    sock, replies = raw_hello(local_service, prefix)
    sock.sendall(b"x" * (ServicePolicy().max_frame_bytes + 70_000))  # no end of frame in sight
    assert "longer than" in json.loads(replies.readline())["error"]
    replies.close()
    sock.close()
    good.write("after\n")
    finished = good.close(exit_code=0)
    assert finished.complete
    snapshot = StreamReader(local_rig.store, prefix).read()
    assert [line.text for line in snapshot.lines] == ["before", "after"]


def test_a_wrong_token_is_refused(local_service: Service, local_rig: Rig) -> None:
    local_service.start()
    address = read_address(local_service.folder)
    assert address is not None
    sock = address.connect(10)
    sock.sendall(b'{"v":1,"op":"hello","token":"guess","prefix":"x"}\n')
    with sock.makefile("rb") as replies:
        assert json.loads(replies.readline()) == {"v": 1, "error": "refused: wrong token"}
    sock.close()


@pytest.mark.skipif(os.getuid() != 0, reason="a client of another user needs root to make one")
def test_a_client_of_another_user_is_refused(local_service: Service) -> None:
    local_service.start()
    address = read_address(local_service.folder)
    assert address is not None
    socket_path = address.address.removeprefix("unix:")
    # The 0700 folder keeps other users out before anything else...
    assert stat.S_IMODE(os.stat(local_service.folder).st_mode) == 0o700
    assert _as_nobody(socket_path) == "PermissionError"
    # ...and, were it opened up, the service checks the peer's user itself.
    os.chmod(local_service.folder, 0o711)
    os.chmod(socket_path, 0o777)
    answer = _as_nobody(socket_path)
    assert answer.startswith('{"v":1,"error":"refused: the client runs as uid 65534'), answer


def _as_nobody(socket_path: str) -> str:
    """Connect as uid 65534 from a forked child; what happened, as text."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop to another user, then try the service
        os.close(read)
        outcome = ""
        try:
            os.setgid(65534)
            os.setuid(65534)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(10)
            sock.connect(socket_path)
            # The service answers before any frame, and closes: read first.
            outcome = sock.makefile("rb").readline().decode().strip()
        except OSError as exc:
            outcome = type(exc).__name__
        os.write(write, outcome.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        outcome = pipe.read().decode()
    os.waitpid(pid, 0)
    return outcome


def test_started_on_demand_and_found_through_the_token(
    local_service: Service, local_rig: Rig
) -> None:
    prefix = local_rig.ref("stream")
    stream = connect(prefix, proc="first")  # no service yet: this starts one
    found = read_address(local_service.folder)
    assert found is not None
    assert found.pid is not None
    environment = {
        **os.environ,
        TOKEN_ENV: found.token_text(),
        "PLUGIO_SERVICE__FOLDER": "elsewhere",
    }
    code = (
        "import sys\nfrom plugio.service import connect\n"
        "s = connect(sys.argv[1], proc='second', owner=False)\n"
        "s.write('second\\n')\nprint(s.close().complete)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, prefix], env=environment, capture_output=True, text=True
    )
    assert done.stdout.strip() == "True", done.stderr
    stream.write("first\n")
    assert stream.close(exit_code=0).complete
    lines = StreamReader(local_rig.store, prefix).read().lines
    assert sorted((line.proc, line.text) for line in lines) == [
        ("first", "first"),
        ("second", "second"),
    ]


def test_a_service_that_cannot_start_fails_early(
    local_service: Service, local_rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A folder whose socket path is too long: the service exits at once, saying why.
    long_folder = os.path.join(local_service.folder, "x" * 120)
    monkeypatch.setenv("PLUGIO_SERVICE__FOLDER", long_folder)
    with pytest.raises(ServiceError, match=r"did not start \(exit status 4\): .*too long"):
        connect(local_rig.ref("stream"))


def test_a_finished_stream_is_not_started_over_by_a_late_client(
    local_service: Service, local_rig: Rig
) -> None:
    local_service.start()
    prefix = local_rig.ref("stream")
    owner = connect(prefix, epoch=3, proc="owner")
    owner.write("done\n")
    assert owner.close(exit_code=0).complete
    address = read_address(local_service.folder)
    assert address is not None
    with address.connect(10) as sock, sock.makefile("rb") as replies:
        sock.sendall(
            json.dumps({"v": 1, "op": "hello", "token": address.token, "prefix": prefix}).encode()
            + b"\n"
        )
        answer = json.loads(replies.readline())
    assert answer["error"].endswith(": the stream is finished")
    head = StreamReader(local_rig.store, prefix).head()
    assert head is not None
    assert (head.epoch, head.state) == (3, StreamState.SUCCEEDED)
    retry = connect(prefix, epoch=4, proc="owner")  # a new attempt's owner opens it anew
    retry.write("again\n")
    assert retry.close(exit_code=0).complete
    snapshot = StreamReader(local_rig.store, prefix).read()
    assert [line.text for line in snapshot.lines] == ["done", "again"]
    assert snapshot.head is not None
    assert snapshot.head.epoch == 4


def test_a_program_that_started_the_service_exits_cleanly_leaving_it_running(
    local_service: Service, local_rig: Rig
) -> None:
    code = (
        "import sys\nfrom plugio.service import connect\n"
        "s = connect(sys.argv[1], proc='one')\ns.write('one\\n')\n"
        "print(s.close(exit_code=0).complete)"
    )
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", "-c", code, local_rig.ref("stream")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "True", "")
    found = read_address(local_service.folder)  # the service it started lives on
    assert found is not None
    assert found.pid is not None
    os.kill(found.pid, 0)


def test_a_bad_stream_reference_is_refused_at_once_naming_it(local_service: Service) -> None:
    bad = "s3://bucket/run #2/stream"  # '#' would start a fragment: %23 is the object's '#'
    with pytest.raises(InvalidReferenceError, match=r"run #2/stream.*use %3F or %23"):
        connect(bad, proc="python")
    local_service.start()
    address = read_address(local_service.folder)
    assert address is not None
    with address.connect(10) as sock, sock.makefile("rb") as replies:
        hello = {"v": 1, "op": "hello", "token": address.token, "prefix": bad}
        sock.sendall(json.dumps(hello).encode() + b"\n")
        answer = json.loads(replies.readline())
        assert "run #2/stream" in answer["error"]
        assert "use %3F or %23" in answer["error"]
        assert replies.readline() == b""  # that connection only is closed
    assert control("status")["status"]["streams"] == []
