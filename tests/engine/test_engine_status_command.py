"""``plugio status``: the batch check on the command line, errors per attempt, text as text."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from plugio.core import Literal, LiteralMap, Primitive, Scalar
from plugio.execution import ErrorKind, ExecutionError
from plugio.storage import DataStore

typer_testing = pytest.importorskip("typer.testing", reason="the cli extra is not installed")

NOON = datetime(2025, 3, 4, 12, 0, tzinfo=timezone.utc)
OUTPUTS = LiteralMap(literals={"x": Literal(scalar=Scalar(primitive=Primitive(integer=5)))})


def status(*args: str) -> Any:
    from plugio.cli._app import app

    runner = typer_testing.CliRunner(env={"COLUMNS": "400"})
    return runner.invoke(app, ["status", *args])


def json_lines(output: str) -> list[dict[str, Any]]:
    """The attempts' documents (the last document holds the counts)."""
    documents = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [document for document in documents if "prefix" in document]


def write_error(
    prefix: Path, name: str, code: str, message: str = "boom", seconds: int = 0
) -> None:
    error = ExecutionError(code, message, ErrorKind.USER, False, NOON + timedelta(seconds=seconds))
    DataStore().write_protobuf(str(prefix / name), error.to_error_document())


@pytest.fixture
def attempts(tmp_path: Path) -> dict[str, Path]:
    prefixes = {name: tmp_path / name for name in ("ok", "broken", "failed", "pending")}
    DataStore().write_protobuf(str(prefixes["ok"] / "outputs.pb"), OUTPUTS)
    DataStore().write_bytes(str(prefixes["broken"] / "error.pb"), b"\xff\xff\xff")
    write_error(prefixes["failed"], "error.pb", "USER:Boom")
    return prefixes


def test_an_attempt_that_cannot_be_checked_is_one_error_line(attempts: dict[str, Path]) -> None:
    result = status("--json", *map(str, attempts.values()))
    assert result.exit_code == 4, result.output
    documents = json_lines(result.output)
    assert [document["state"] for document in documents] == [
        "succeeded",
        "error",
        "failed",
        "not_ready",
    ]
    problem = documents[1]["problem"]
    assert problem["type"] == "CorruptPayloadError"
    assert str(attempts["broken"] / "error.pb") in problem["message"]
    assert documents[0]["outputs"] == {"x": 5}

    table = status(*map(str, attempts.values()))
    assert table.exit_code == 4
    lines = [line for line in table.output.splitlines() if str(attempts["broken"]) in line]
    assert len(lines) == 1
    assert "error" in lines[0]
    assert "could not be checked: CorruptPayloadError" in lines[0]
    assert "USER:Boom" in table.output
    assert "x=5" in table.output


def test_exit_codes_without_errors(attempts: dict[str, Path]) -> None:
    assert status(str(attempts["ok"])).exit_code == 0
    assert status(str(attempts["ok"]), str(attempts["pending"])).exit_code == 3
    assert status(str(attempts["failed"]), str(attempts["pending"])).exit_code == 1


def test_the_earliest_error_layout(tmp_path: Path) -> None:
    prefix = tmp_path / "distributed"
    write_error(prefix, "error-w1.pb", "Late", seconds=30)
    write_error(prefix, "error-w2.pb", "First", seconds=10)
    single = status("--json", "--errors", "single", str(prefix))
    assert single.exit_code == 3
    assert json_lines(single.output)[0]["state"] == "not_ready"
    earliest = status("--json", "--errors", "earliest", str(prefix))
    assert earliest.exit_code == 1, earliest.output
    [document] = json_lines(earliest.output)
    assert (document["state"], document["error"]["code"]) == ("failed", "First")
    assert status("--errors", "single", str(prefix)).exit_code == 3
    assert status("--errors", "several", str(prefix)).exit_code == 2
    automatic = status("--json", str(prefix))  # error.pb missing: the workers' files are found
    assert automatic.exit_code == 1, automatic.output
    assert json_lines(automatic.output)[0]["error"]["code"] == "First"


def test_stored_text_is_printed_as_text_not_markup(tmp_path: Path) -> None:
    prefix = tmp_path / "[bold]attempt"
    write_error(prefix, "error.pb", "USER:[red]Code", "[bold red]not markup[/] and [/oops]")
    result = status(str(prefix))
    assert result.exit_code == 1, result.output
    assert "USER:[red]Code" in result.output
    assert "[bold red]not markup[/] and [/oops]" in result.output
    assert str(prefix) in result.output
