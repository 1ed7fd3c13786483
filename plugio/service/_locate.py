"""Finding the service, and starting it on demand.

A process finds the service through ``PLUGIO_SERVICE_TOKEN`` (inherited from
the process that started or found it), else through the address file in the
service's folder. When neither names a live service, it starts one (``python
-m plugio.service``, detached in a session of its own, so it outlives its
starter), waits for the address file, and fails early, with the end of the
service's log, when the process died.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import time
import warnings

from plugio.service._address import TOKEN_ENV, Address, own_folder, read_address
from plugio.service._errors import ServiceError
from plugio.service._main import EXIT_ALREADY_RUNNING
from plugio.service._policy import ServicePolicy

__all__ = ["LOG_FILE", "find_service", "start_service"]

LOG_FILE = "service.log"
_POLL = 0.02
#: Services this process started: kept, so that each is reaped once it ends (a
#: process object dropped while its process runs would only be reaped late).
_STARTED: list[subprocess.Popen[bytes]] = []


def _leave_running() -> None:
    """At exit, let go of the services still running: they outlive this process by design,
    so dropping them is not the leak ``subprocess`` warns of."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        _STARTED.clear()


def find_service(policy: ServicePolicy, *, start: bool = True) -> Address:
    """The service this process uses: the environment's, the folder's, or a new one.

    Raises:
        ServiceError: None runs and ``start`` is False, or it could not be started.
    """
    token = os.environ.get(TOKEN_ENV)
    if token:
        return Address.parse(token)
    folder = own_folder(policy.state_folder())
    found = read_address(folder)
    if found is not None and _answers(found, policy.client_timeout):
        return found
    if not start:
        raise ServiceError(f"{folder}: no plugio service is running")
    return start_service(policy)


def start_service(policy: ServicePolicy) -> Address:
    """Start a service in the background and wait until it names its address.

    Raises:
        ServiceError: It died, or named no address within ``policy.start_timeout``.
    """
    folder = own_folder(policy.state_folder())
    log_path = os.path.join(folder, LOG_FILE)
    command = [sys.executable, "-m", "plugio.service"]
    if policy.idle_exit is not None:
        command += ["--idle-exit", str(policy.idle_exit)]
    environment = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=environment,
            start_new_session=True,  # its own session: a signal to the starter's group spares it
            close_fds=True,
        )
    _STARTED[:] = [p for p in _STARTED if p.poll() is None]
    if not _STARTED:
        atexit.register(_leave_running)
    _STARTED.append(process)
    until = time.monotonic() + policy.start_timeout
    while time.monotonic() < until:
        found = read_address(folder)
        if found is not None and _answers(found, policy.client_timeout):
            return found
        code = process.poll()
        if code is not None and code != EXIT_ALREADY_RUNNING:
            raise ServiceError(
                f"the plugio service did not start (exit status {code}): {_last_line(log_path)}"
            )
        time.sleep(_POLL)
    raise ServiceError(
        f"the plugio service named no address in {policy.start_timeout:g}s; see {log_path}"
    )


def _answers(address: Address, timeout: float) -> bool:
    try:
        address.connect(timeout).close()
    except OSError:
        return False
    return True


def _last_line(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, os.path.getsize(path) - 4096))
            lines = handle.read().decode("utf-8", "replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return lines[-1] if lines else "(no log)"
