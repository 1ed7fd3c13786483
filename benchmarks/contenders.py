"""The contenders, their virtual environments, and running their workers.

Each contender gets a virtual environment of its own under
``.cache/bench-envs/<name>/`` with pinned requirements. An environment is
created again only when its requirement lines (or the interpreter) changed:
they are kept in a marker file beside it. plugio's environment holds a
non-editable install of this checkout, reinstalled (without its dependencies)
on every run since the code changes; it is created again when
``pyproject.toml`` changes.

A worker is ``benchmarks/workers/<name>.py`` run with its environment's
python: parameters as JSON on stdin, one JSON object of results on stdout.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
WORKERS = Path(__file__).resolve().parent / "workers"
ENVS = REPO / ".cache" / "bench-envs"
#: How long one worker may run before the benchmark gives up on it.
WORKER_TIMEOUT = 1800.0

Log = Callable[[str], None]


@dataclass(frozen=True)
class Contender:
    """A library measured against the others, and how to install it."""

    name: str
    requirements: tuple[str, ...]  # pip requirement lines; "{repo}" is this checkout
    packages: tuple[str, ...]  # distributions whose installed versions the report names
    module: str  # what must import for the contender to run


CONTENDERS: tuple[Contender, ...] = (
    Contender(
        "plugio",
        ("{repo}[s3,obstore]",),
        ("plugio", "obstore", "s3fs", "fsspec", "protobuf", "pydantic"),
        "plugio",
    ),
    Contender(
        "flytekit",
        ("flytekit==1.16.31",),
        ("flytekit", "flyteidl", "s3fs", "fsspec", "protobuf"),
        "flytekit",
    ),
    Contender(
        "s3fs",
        ("s3fs==2026.9.0", "flyteidl==1.16.8", "protobuf==7.36.2"),
        ("s3fs", "fsspec", "aiobotocore", "flyteidl", "protobuf"),
        "s3fs",
    ),
    Contender(
        "obstore",
        ("obstore==0.12.1", "flyteidl==1.16.8", "protobuf==7.36.2"),
        ("obstore", "flyteidl", "protobuf"),
        "obstore",
    ),
)
PEERS = tuple(contender.name for contender in CONTENDERS if contender.name != "plugio")


@dataclass
class Env:
    """A contender's interpreter, or the reason it cannot run."""

    contender: Contender
    python: str | None
    reason: str = ""
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.contender.name


class WorkerFailed(RuntimeError):
    """A worker exited with an error or printed no result."""


def _pip(python: str, args: list[str], log_file: Path) -> None:
    """``python -m pip ARGS``, its output appended to ``log_file``; raises on failure."""
    argv = [python, "-m", "pip", "--disable-pip-version-check", "--no-input", *args]
    with log_file.open("a") as out:
        out.write(f"\n$ {' '.join(argv)}\n")
        out.flush()
        done = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        tail = log_file.read_text(errors="replace").splitlines()[-15:]
        raise RuntimeError(f"pip {args[0]} failed ({done.returncode}):\n" + "\n".join(tail))


def _requirements(contender: Contender) -> list[str]:
    return [line.replace("{repo}", str(REPO)) for line in contender.requirements]


def _marker_text(contender: Contender) -> str:
    """What the environment was made from: interpreter, requirement lines (and plugio's pins)."""
    lines = [f"python {sys.version.split()[0]}", *_requirements(contender)]
    if contender.name == "plugio":
        pyproject = (REPO / "pyproject.toml").read_bytes()
        lines.append(f"pyproject.toml sha256 {hashlib.sha256(pyproject).hexdigest()}")
    return "\n".join(lines) + "\n"


def create_env(contender: Contender, log: Log) -> Env:
    """The contender's environment, created or brought up to date; n/a with a reason on failure."""
    folder = ENVS / contender.name
    python = folder / "bin" / "python"
    marker = ENVS / f"{contender.name}.requirements"
    log_file = ENVS / f"{contender.name}.log"
    wanted = _marker_text(contender)
    ENVS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        fresh = not python.exists() or not marker.exists() or marker.read_text() != wanted
        if fresh:
            log(f"creating the {contender.name} environment (pip log: {log_file.name}) ...")
            marker.unlink(missing_ok=True)
            shutil.rmtree(folder, ignore_errors=True)
            log_file.write_text("")
            subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
            _pip(str(python), ["install", "--quiet", *_requirements(contender)], log_file)
            marker.write_text(wanted)
        elif contender.name == "plugio":
            log("reinstalling plugio from this checkout ...")
            reinstall = ["install", "--quiet", "--no-deps", "--force-reinstall"]
            _pip(str(python), [*reinstall, *_requirements(contender)], log_file)
    except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
        log(f"{contender.name}: no environment, shown as n/a: {exc}")
        return Env(contender, None, reason="its environment could not be created")
    env = Env(contender, str(python))
    env.versions = query_versions(env)
    log(f"{contender.name} ready in {time.monotonic() - started:.1f} s: {describe(env)}")
    return env


def existing_env(contender: Contender, python: str, log: Log) -> Env:
    """The contender on a given interpreter; n/a when its package does not import there."""
    done = subprocess.run(
        [python, "-c", f"import {contender.module}"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        reason = f"{contender.module} does not import with the given python"
        log(f"{contender.name}: shown as n/a: {contender.module} does not import with {python}")
        return Env(contender, None, reason=reason)
    env = Env(contender, python)
    env.versions = query_versions(env)
    return env


_VERSIONS = """
import json, sys
from importlib import metadata
def version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"
found = {name: version(name) for name in sys.argv[1:]}
found["python"] = sys.version.split()[0]
print(json.dumps(found))
"""


def query_versions(env: Env) -> dict[str, str]:
    """The installed versions of the contender's key packages, and of python."""
    assert env.python is not None
    argv = [env.python, "-c", _VERSIONS, *env.contender.packages]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    versions: dict[str, str] = json.loads(done.stdout)
    return versions


def describe(env: Env) -> str:
    """``flytekit 1.16.31, flyteidl 1.16.8, ...`` for an environment."""
    if env.python is None:
        return f"n/a ({env.reason})"
    return ", ".join(f"{name} {env.versions.get(name, '?')}" for name in env.contender.packages)


def prepare_envs(python: str | None, names: list[str], log: Log) -> dict[str, Env]:
    """Every contender's environment: created here, or ``python`` for all of them."""
    envs: dict[str, Env] = {}
    for contender in CONTENDERS:
        if contender.name not in names:
            envs[contender.name] = Env(contender, None, reason="not selected")
        elif python is not None:
            envs[contender.name] = existing_env(contender, python, log)
        else:
            envs[contender.name] = create_env(contender, log)
    return envs


def run_worker(
    env: Env, params: dict[str, Any], child_env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run the contender's worker with ``params``; its result.

    Raises:
        WorkerFailed: the worker exited non-zero or printed no JSON; the
            message ends with the last lines of its stderr.
    """
    assert env.python is not None
    argv = [env.python, str(WORKERS / f"{env.name}.py")]
    try:
        done = subprocess.run(
            argv,
            input=json.dumps(params),
            capture_output=True,
            text=True,
            env=child_env,
            timeout=WORKER_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise WorkerFailed(
            f"{env.name} {params['scenario']}: no result in {exc.timeout} s"
        ) from exc
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.splitlines()[-25:])
        raise WorkerFailed(
            f"{env.name} {params['scenario']} exited with {done.returncode}:\n{tail}"
        )
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def run_process(argv: list[str], child_env: dict[str, str] | None, what: str) -> float:
    """Wall time of one new process, measured around ``subprocess.run``; raises if it fails."""
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=child_env, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join(done.stderr.splitlines()[-25:])
        raise WorkerFailed(f"{what} exited with {done.returncode}:\n{tail}")
    return seconds


def child_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment (with the SDK settings of ``tests/servers.py``) plus ``extra``."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.update(extra or {})
    return env
