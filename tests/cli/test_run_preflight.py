"""``plugio run`` checks every prefix before its command starts, and fails in seconds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import servers
from clirun import environment
from runtools import run

# Marks that the command ran: it must not, when a prefix cannot be used.
MARK = 'touch "$MARKER"'


def s3_env(server: servers.S3Server, secret: str | None = None) -> dict[str, str]:
    return {
        "PLUGIO_S3__ENDPOINT_URL": server.endpoint_url,
        "PLUGIO_S3__ACCESS_KEY_ID": server.access_key_id,
        "PLUGIO_S3__SECRET_ACCESS_KEY": secret or server.secret_access_key,
    }


def test_an_unknown_scheme_is_a_usage_error(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    result = run("run", "--outputs", "s4://bucket/out", "--", "sh", "-c", MARK,
                 env={"MARKER": str(marker)})  # fmt: skip
    assert result.returncode == 2
    assert "--outputs s4://bucket/out" in result.stderr
    assert "s4" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not marker.exists()


def test_an_unknown_scheme_of_the_inputs_is_a_usage_error(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    result = run("run", "--inputs", "s5://in [x]", "--outputs", str(tmp_path / "out"),
                 "--", "sh", "-c", MARK, env={"MARKER": str(marker)})  # fmt: skip
    assert result.returncode == 2
    assert "--inputs s5://in [x]" in result.stderr
    assert not marker.exists()
    assert not (tmp_path / "out" / "error.pb").exists()


def test_a_missing_extra_names_the_pip_command_literally(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    # gcsfs made impossible to import, as in an environment without plugio[gcs].
    shim = (
        "import sys; sys.modules['gcsfs'] = None; "
        "from plugio.cli import main; sys.argv[0] = 'plugio'; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", shim, "run", "--outputs", "gs://bucket/out", "--",
         "sh", "-c", MARK],
        capture_output=True, text=True, timeout=60, check=False,
        env=environment({"MARKER": str(marker)}),
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "pip install 'plugio[gcs]'" in done.stderr
    assert "--outputs gs://bucket/out" in done.stderr
    assert not marker.exists()


def test_a_missing_bucket_is_a_storage_error(s3_server: servers.S3Server, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    prefix = "s3://no-such-bucket-plugio/attempt"
    result = run("run", "--outputs", prefix, "--", "sh", "-c", MARK,
                 env={**s3_env(s3_server), "MARKER": str(marker)})  # fmt: skip
    assert result.returncode == 4, result.stderr
    assert f"--outputs {prefix}: the bucket (or container) does not exist" in result.stderr
    assert "<?xml" not in result.stderr
    assert not marker.exists()


def test_wrong_credentials_are_a_storage_error(s3_server: servers.S3Server, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    prefix = f"s3://{s3_server.bucket}/preflight/{tmp_path.name}"
    env = {**s3_env(s3_server, secret="wrong-secret"), "MARKER": str(marker)}
    result = run("run", "--outputs", prefix, "--", "sh", "-c", MARK, env=env)
    assert result.returncode == 4, result.stderr
    assert f"--outputs {prefix}: access denied" in result.stderr
    assert not marker.exists()


def test_a_good_s3_prefix_runs_and_leaves_no_probe(
    s3_server: servers.S3Server, tmp_path: Path
) -> None:
    from conftest import s3_config

    from plugio.storage import DataStore

    prefix = f"s3://{s3_server.bucket}/preflight-ok/{tmp_path.name}"
    script = 'echo \'{"x": 1}\' > "$PLUGIO_OUTPUT_DIR/outputs.json"'
    result = run("run", "--outputs", prefix, "--", "sh", "-c", script, env=s3_env(s3_server))
    assert result.returncode == 0, result.stderr
    store = DataStore(s3_config(s3_server))
    names = sorted(info.ref.rsplit("/", 1)[1] for page in store.list(prefix + "/") for info in page)
    assert "outputs.pb" in names
    assert not [name for name in names if name.startswith(".plugio-preflight-")]


def test_bad_offloading_sizes_are_a_usage_error(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    result = run("run", "--outputs", str(tmp_path / "out"), "--", "sh", "-c", MARK,
                 env={"MARKER": str(marker), "_F_L_MIN_SIZE_MB": "ten"})  # fmt: skip
    assert result.returncode == 2
    assert "_F_L_MIN_SIZE_MB" in result.stderr
    assert not marker.exists()
