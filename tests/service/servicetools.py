"""Fixtures of the service tests: a service of the test's own over local disk or S3.

A test module imports the fixtures it uses (under the names they are
registered by, ``service``, ``local_service``, ...).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from rig import Rig

from plugio.service import ServicePolicy, control
from plugio.service._address import read_address

#: The backends the service is tested over: local disk and the S3 server.
SERVICE_BACKENDS = ("local", "s3")


@dataclass
class Service:
    """A service folder of one test's own, and the service process when started."""

    folder: str
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        """Start ``python -m plugio.service`` and wait until it answers."""
        before = read_address(self.folder)
        with open(os.path.join(self.folder, "test-service.log"), "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "plugio.service", *args],
                env={**os.environ, **self.env},
                stdout=log,
                stderr=log,
            )
        self.process = process
        self.started.append(process)
        until = time.monotonic() + 30
        while time.monotonic() < until:
            found = read_address(self.folder)
            if found is not None and found != before and found.pid == process.pid:
                return process
            assert process.poll() is None, f"the service ended: {self.log()}"
            time.sleep(0.02)
        raise AssertionError(f"the service did not start: {self.log()}")

    def status(self) -> dict[str, Any]:
        """The running service's status."""
        answer: dict[str, Any] = control("status", ServicePolicy())["status"]
        return answer

    def log(self) -> str:
        """What the service processes logged."""
        texts = []
        for name in ("test-service.log", "service.log"):
            path = os.path.join(self.folder, name)
            with contextlib.suppress(OSError), open(path, errors="replace") as handle:
                texts.append(handle.read())
        return "\n".join(texts)[-4000:]

    def journals(self) -> list[str]:
        """The journal folders in the service's folder."""
        root = os.path.join(self.folder, "journals")
        return sorted(os.path.join(root, name) for name in os.listdir(root))


@pytest.fixture(name="service_rig", params=SERVICE_BACKENDS)
def service_rig_fixture(request: pytest.FixtureRequest, stores: Callable[[str], Rig]) -> Rig:
    """Local disk or the S3 server, with a prefix of this test's own."""
    return stores(request.param)


@pytest.fixture(name="local_rig")
def local_rig_fixture(stores: Callable[[str], Rig]) -> Rig:
    """Local disk, with a prefix of this test's own (where one backend is enough)."""
    return stores("local")


def _service(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    # A short folder of its own: a Unix socket's path has at most 107 bytes.
    folder = tempfile.mkdtemp(prefix="plg-")
    env = {
        **rig.environment(),
        "PLUGIO_SERVICE__FOLDER": folder,
        "PLUGIO_SERVICE__GRACE_PERIOD": "1",
        "PLUGIO_SERVICE__IDLE_EXIT": "60",
        "PLUGIO_SERVICE__CLIENT_TIMEOUT": "30",
        "PLUGIO_STREAM__FIRST_INTERVAL": "0.05",
        "PLUGIO_STREAM__MAX_INTERVAL": "0.5",
    }
    monkeypatch.delenv("PLUGIO_SERVICE_TOKEN", raising=False)
    monkeypatch.delenv("PLUGIO_SERVICE_STREAM", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    service = Service(folder, env)
    try:
        yield service
    finally:
        found = read_address(folder)
        pids = {p.pid for p in service.started} | ({found.pid} if found and found.pid else set())
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for process in service.started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(30)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(name="service")
def service_fixture(service_rig: Rig, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    """A service folder over ``service_rig`` (the service not started yet)."""
    yield from _service(service_rig, monkeypatch)


@pytest.fixture(name="local_service")
def local_service_fixture(local_rig: Rig, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    """A service folder over local disk (the service not started yet)."""
    yield from _service(local_rig, monkeypatch)
