"""Throw-away environments of Flyte's SDKs, for the tests that run them for real.

flytekit (Flyte 1) and ``flyte`` (Flyte 2) are test-only dependencies that must
not share plugio's environment: each gets a virtual environment of its own
under ``.cache/sdk-envs/<name>``, made on first use and reused while its
requirement lines stay the same. A failure to make one fails the test that
asked for it, with pip's last lines: the suite installs what it needs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["FLYTE2", "FLYTEKIT", "sdk_python"]

REPO = Path(__file__).resolve().parent.parent
ENVS = REPO / ".cache" / "sdk-envs"

#: Flyte 1's SDK, at the version the golden vectors were made with.
FLYTEKIT = ("flytekit==1.16.31",)
#: Flyte 2's SDK, whose task runtime is ``a0``.
FLYTE2 = ("flyte==2.12.1",)


def sdk_python(name: str, requirements: tuple[str, ...]) -> Path:
    """The interpreter of the environment ``name`` holding ``requirements``, made if needed."""
    folder = ENVS / name
    python = folder / "bin" / "python"
    marker = folder / "plugio-requirements.txt"
    wanted = "\n".join((f"python {sys.version.split()[0]}", *requirements)) + "\n"
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
    log = folder / "pip.log"
    argv = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    with log.open("w") as out:
        done = subprocess.run(
            [*argv, *requirements],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PIP_NO_INPUT": "1"},
            check=False,
        )
    if done.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise RuntimeError(f"pip could not make the {name} environment:\n{tail}")
    marker.write_text(wanted)
    return python
