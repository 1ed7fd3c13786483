"""The package as users meet it: exports, import cost, missing extras."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import pytest

import plugio
import plugio.config
import plugio.core
import plugio.errors
import plugio.generation
import plugio.references
import plugio.storage

CLOUD_MODULES = (
    "s3fs",
    "gcsfs",
    "adlfs",
    "botocore",
    "aiobotocore",
    "boto3",
    "azure",
    "google.cloud",
    "google.auth",
    "aiohttp",
)


@pytest.mark.parametrize(
    "module",
    [
        plugio,
        plugio.config,
        plugio.core,
        plugio.errors,
        plugio.generation,
        plugio.references,
        plugio.storage,
    ],
    ids=lambda module: module.__name__,
)
def test_all_is_sorted_and_complete(module: types.ModuleType) -> None:
    exported = module.__all__
    assert exported == sorted(exported)
    for name in exported:
        assert hasattr(module, name), name
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and getattr(value, "__module__", module.__name__).startswith("plugio")
    }
    if module is plugio:
        assert public <= set(exported)


def test_top_level_reexports_the_public_api() -> None:
    for module in (plugio.errors, plugio.storage, plugio.config):
        for name in module.__all__:
            assert getattr(plugio, name) is getattr(module, name), name


def run_python(code: str, *extra: str) -> str:
    result = subprocess.run(
        [sys.executable, *extra, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout


def test_import_loads_no_cloud_sdk() -> None:
    code = "import json, sys, plugio; print(json.dumps(sorted(m for m in sys.modules)))"
    loaded = set(json.loads(run_python(code)))
    for prefix in CLOUD_MODULES:
        assert not any(name == prefix or name.startswith(prefix + ".") for name in loaded), prefix


def test_memory_and_local_use_no_cloud_sdk(tmp_path: object) -> None:
    code = (
        "import json, sys, tempfile, plugio\n"
        "store = plugio.DataStore()\n"
        "store.write_bytes('memory://b/k', b'x'); store.read_bytes('memory://b/k')\n"
        "store.write_bytes(tempfile.mkdtemp() + '/k', b'x')\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    loaded = set(json.loads(run_python(code)))
    assert not {"s3fs", "gcsfs", "adlfs", "botocore"} & loaded


@pytest.mark.parametrize(
    ("url", "extra", "module"),
    [("s3://b/k", "s3", "s3fs"), ("gs://b/k", "gcs", "gcsfs"), ("abfs://c/k", "azure", "adlfs")],
)
def test_missing_extra_names_the_pip_command(url: str, extra: str, module: str) -> None:
    # A None entry in sys.modules blocks the import, as if the extra were absent.
    code = f"""
import sys
sys.modules[{module!r}] = None
import plugio
try:
    plugio.DataStore().read_bytes({url!r})
except plugio.MissingDependencyError as exc:
    print(type(exc).__name__, exc)
"""
    output = run_python(code)
    assert output.startswith("MissingDependencyError")
    assert f"pip install 'plugio[{extra}]'" in output


def test_version_is_exposed() -> None:
    assert plugio.__version__.count(".") == 2
