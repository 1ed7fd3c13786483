"""``plugio inputs create`` with typed values, read back by flytekit as its tasks declare them."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest
from clirun import plugio, plugio_tty
from sdk_envs import FLYTEKIT, sdk_python

#: A flytekit task's declared inputs, read from an inputs.pb with flytekit's TypeEngine.
READ_AS_DECLARED = textwrap.dedent(
    """
    import dataclasses, datetime, json, sys
    from flyteidl.core import literals_pb2
    from flytekit.core.context_manager import FlyteContextManager
    from flytekit.core.type_engine import TypeEngine
    from flytekit.models.literals import LiteralMap
    from flytekit.types.directory import FlyteDirectory
    from flytekit.types.file import FlyteFile

    @dataclasses.dataclass
    class Config:
        lr: float
        layers: int
        name: str

    message = literals_pb2.LiteralMap()
    with open(sys.argv[1], "rb") as f:
        message.ParseFromString(f.read())
    literals = LiteralMap.from_flyte_idl(message).literals
    declared = {
        "when": datetime.datetime, "wait": datetime.timedelta, "day": datetime.date,
        "cfg": Config, "rows": FlyteFile, "model": FlyteDirectory, "remote": FlyteDirectory,
        "n": int, "flag": bool, "label": str, "sizes": list[int],
    }
    context = FlyteContextManager.current_context()
    shown = {}
    for name, python_type in declared.items():
        value = TypeEngine.to_python_value(context, literals[name], python_type)
        origin = getattr(python_type, "__origin__", python_type)
        assert isinstance(value, origin), (name, type(value))
        if isinstance(value, FlyteFile):
            shown[name] = open(value.path).read()
        elif isinstance(value, FlyteDirectory):
            shown[name] = str(value.remote_source or sorted(p.name for p in
                              __import__("pathlib").Path(value.path).iterdir()))
        elif isinstance(value, Config):
            shown[name] = dataclasses.asdict(value)
        elif isinstance(value, (datetime.date, datetime.timedelta)):
            shown[name] = repr(value)
        else:
            shown[name] = value
    print(json.dumps(shown))
    """
)


@pytest.fixture(scope="session")
def flytekit_python() -> Path:
    return sdk_python("flytekit", FLYTEKIT)


def test_typed_values_are_read_by_flytekit_as_declared(
    tmp_path: Path, flytekit_python: Path
) -> None:
    rows = tmp_path / "rows [x] é.csv"
    rows.write_text("a,b\n1,2\n")
    model = tmp_path / "model"
    model.mkdir()
    (model / "weights.bin").write_bytes(b"w")
    prefix = tmp_path / "inputs #1"
    result = plugio(
        "inputs",
        "create",
        str(prefix),
        "--set",
        "when:datetime=2024-05-01T12:30:00+02:00",
        "--set",
        "wait:duration=1h30m",
        "--set",
        "day:date=2024-05-01",
        "--set",
        'cfg:struct={"lr": 0.1, "layers": 3, "name": "[red]x"}',
        "--set",
        f"rows:file:csv={rows}",
        "--set",
        f"model:folder={model}",
        "--set",
        "remote:folder=s3://bucket/models/[v1]",
        "--set",
        "n:int=7",
        "--set",
        "flag:bool=yes",
        "--set",
        "label:str=[gcs] 3",
        "--set",
        "sizes=[1, 2]",
    )
    assert result.code == 0, result.stderr
    assert result.stdout.startswith(f"wrote {prefix / 'inputs.pb'} (cfg, day, flag,")
    read = subprocess.run(
        [str(flytekit_python), "-c", READ_AS_DECLARED, str(prefix / "inputs.pb")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout.splitlines()[-1]) == {
        "when": "datetime.datetime(2024, 5, 1, 10, 30, tzinfo=datetime.timezone.utc)",
        "wait": "datetime.timedelta(seconds=5400)",
        "day": "datetime.date(2024, 5, 1)",
        "cfg": {"lr": 0.1, "layers": 3, "name": "[red]x"},
        "rows": "a,b\n1,2\n",
        "model": "['weights.bin']",
        "remote": "s3://bucket/models/[v1]",
        "n": 7,
        "flag": True,
        "label": "[gcs] 3",
        "sizes": [1, 2],
    }


def test_inputs_show_prints_values_literally(tmp_path: Path) -> None:
    prefix = tmp_path / "[red]inputs"
    created = plugio(
        "inputs", "create", str(prefix), "--set", "path=[/some/path]", "--set", "w:duration=90"
    )
    assert created.code == 0, created.stderr
    for run in (plugio, plugio_tty):
        shown = run("inputs", "show", str(prefix))
        assert shown.code == 0, shown.stderr
        assert shown.stdout.replace("\r\n", "\n") == (
            "path='[/some/path]'\nw=datetime.timedelta(seconds=90)\n"
        )
    document = json.loads(plugio("inputs", "show", "--json", str(prefix)).stdout)
    assert document["values"] == {"path": "[/some/path]", "w": 90.0}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("when:datetime=2024-05-01T12:00:00", "error: --set when: '2024-05-01T12:00:00' is not a "
         "datetime: give a timezone (Z or +02:00): a time without one is ambiguous"),
        ("wait:duration=soon", "error: --set wait: 'soon' is not a duration: expected e.g. 90s, "
         "1h30m, 1.5h, 250ms, 2d or seconds"),
        ("x:decimal=1", "error: --set x: unknown type 'decimal'; one of str, int, float, bool, "
         "json, datetime, date, duration, struct, file, folder"),
        ("cfg:struct=[1]", "error: --set cfg: '[1]' is not a struct: expected a JSON object"),
        ("f:file=[/no/such/file]", "error: --set f: '[/no/such/file]' is not a file: no such "
         "file or folder"),
        ("n:int:csv=3", "error: --set n: only file and folder take a format, not int"),
        ("novalue", "error: --set 'novalue': expected NAME=VALUE or NAME:TYPE=VALUE"),
    ],
)  # fmt: skip
def test_a_bad_typed_value_is_one_line_and_exit_2(tmp_path: Path, item: str, message: str) -> None:
    result = plugio("inputs", "create", str(tmp_path / "p"), "--set", item)
    assert result.code == 2
    assert result.stderr == message + "\n"
    assert not (tmp_path / "p").exists()  # nothing half-written
