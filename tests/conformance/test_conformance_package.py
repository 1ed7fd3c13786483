"""The suite as users meet it: its exports, its fixture rules, its plugin and ``run``."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import types
from collections.abc import Callable
from importlib.metadata import entry_points, metadata
from pathlib import Path

import pytest
import servers
from rig import Rig

from plugio_conformance import (
    AbstractDataStoreTests,
    AbstractGoldenVectorTests,
    AbstractInputReaderTests,
    AbstractOutputReaderTests,
    AbstractOutputWriterTests,
    AbstractPathsTests,
    AbstractRawOutputLayoutTests,
    ConformanceFixtures,
)

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
ABSTRACT = [
    AbstractDataStoreTests,
    AbstractGoldenVectorTests,
    AbstractInputReaderTests,
    AbstractOutputReaderTests,
    AbstractOutputWriterTests,
    AbstractPathsTests,
    AbstractRawOutputLayoutTests,
]


@pytest.mark.parametrize("name", ["plugio_conformance", "plugio_conformance.abstract"])
def test_all_is_sorted_and_complete(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__all__ == sorted(module.__all__)
    for exported in module.__all__:
        assert getattr(module, exported) is not None, exported


def test_importing_run_imports_no_abstract_module() -> None:
    code = (
        "import sys; from plugio_conformance import run; "
        "print(any(name.startswith('plugio_conformance.abstract') for name in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("suite", ABSTRACT, ids=lambda suite: suite.__name__)
def test_abstract_classes_leave_fixtures_and_flags_to_implementations(suite: type) -> None:
    provided = {name for name in vars(ConformanceFixtures) if not name.startswith("__")}
    mro = suite.__mro__
    for klass in mro[: mro.index(ConformanceFixtures)]:
        assert not provided & set(vars(klass)), klass
    assert not suite.__name__.startswith("Test")


def test_fixtures_not_derived_from_conformance_fixtures_are_refused() -> None:
    class LooseFixtures:
        is_file_backed = False

    with pytest.raises(TypeError, match="derive LooseFixtures from ConformanceFixtures"):
        types.new_class("TestLoose", (AbstractOutputReaderTests, LooseFixtures))


def test_an_unoverridden_factory_says_what_to_override(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "from plugio_conformance import AbstractInputReaderTests, ConformanceFixtures\n"
        "class TestNothing(AbstractInputReaderTests, ConformanceFixtures):\n"
        "    pass\n"
    )
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest", "-k", "zero_byte")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*override the 'make_input_reader' fixture*"])


def test_packaging_ships_the_suite_with_its_plugin_and_extra() -> None:
    wheel = (ROOT / "pyproject.toml").read_text().split("[tool.hatch.build.targets.wheel]")[1]
    assert '"conformance/plugio_conformance"' in wheel.split("[")[1]
    requirements = metadata("plugio").get_all("Requires-Dist") or []
    assert any(req.startswith("pytest") and "conformance" in req for req in requirements)
    (plugin,) = [ep for ep in entry_points(group="pytest11") if ep.value.startswith("plugio_")]
    assert plugin.name == plugin.value == "plugio_conformance.plugin"


def test_the_table_is_printed_only_when_asked_for(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_one():\n    pass\n")
    quiet = pytester.runpytest_inprocess("-p", "no:hypothesispytest")
    assert "plugio conformance" not in quiet.stdout.str()
    loud = pytester.runpytest_inprocess("-p", "no:hypothesispytest", "--plugio-report")
    loud.stdout.fnmatch_lines(["*plugio conformance*", "test *result*time", "test_one *passed*"])


def _run(
    url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys; from plugio_conformance import run; "
        "sys.exit(run(sys.argv[1], extra_args=sys.argv[2:]))"
    )
    command = [sys.executable, "-c", code, url, "-p", "no:hypothesispytest", *args]
    environ = {**os.environ, **(env or {})}
    return subprocess.run(command, capture_output=True, text=True, env=environ, check=False)


def test_run_against_a_folder_prints_the_table_and_deletes_its_prefix(tmp_path: Path) -> None:
    done = _run(str(tmp_path), "-k", "TestDataStore or TestRemoteFileOutputWriter")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "=== plugio conformance ===" in done.stdout.replace("=" * 10, "===")
    assert f"target: {tmp_path} (run prefix {tmp_path}/plugio-conformance-" in done.stdout
    rows = [line.split() for line in done.stdout.splitlines() if line.startswith("Test")]
    assert ["TestDataStore::test_head_of_missing_object_does_not_exist", "passed"] in [
        row[:2] for row in rows
    ]
    assert {row[1] for row in rows} <= {"passed", "skipped"}
    assert list(tmp_path.iterdir()) == []


def test_run_reports_failures_with_pytests_exit_code() -> None:
    done = _run("nosuchprotocol://bucket", "-k", "test_head_of_missing_object")
    assert done.returncode == pytest.ExitCode.TESTS_FAILED
    assert "TestDataStore::test_head_of_missing_object_does_not_exist" in done.stdout
    assert " error " in done.stdout


def test_run_against_s3_with_plugio_environment(
    s3_server: servers.S3Server, stores: Callable[[str], Rig]
) -> None:
    env = {
        "PLUGIO_S3__ENDPOINT_URL": s3_server.endpoint_url,
        "PLUGIO_S3__ACCESS_KEY_ID": s3_server.access_key_id,
        "PLUGIO_S3__SECRET_ACCESS_KEY": s3_server.secret_access_key,
    }
    url = f"s3://{s3_server.bucket}/live-run"
    done = _run(url, "-k", "test_list or test_earliest", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "TestEarliestErrorOutputReader::test_earliest_ties_keep_the_first_listed" in done.stdout
    assert list(stores("s3").store.list(f"s3://{s3_server.bucket}/live-run/")) == []
