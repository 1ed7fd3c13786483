"""The task package as users meet it: its exports, and the old import paths of what moved."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import types

import pytest

import plugio.literals
import plugio.task

#: Old module, name, and the module that now defines the name.
MOVED = [
    ("plugio.checkpoints", "Checkpoint", "plugio.task"),
    ("plugio.checkpoints", "MANIFEST_SUFFIX", "plugio.task"),
    ("plugio.checkpoints", "VALUE_FILE", "plugio.task"),
    ("plugio.offload", "LiteralTooLargeError", "plugio.errors"),
    ("plugio.offload", "MIB", "plugio.task"),
    ("plugio.offload", "OffloadPolicy", "plugio.task"),
    ("plugio.offload", "literal_hash", "plugio.task"),
    ("plugio.offload", "offload_literals", "plugio.task"),
    ("plugio.offload", "offload_literals_async", "plugio.task"),
    ("plugio.offload", "offloaded_literal_ref", "plugio.task"),
    ("plugio.offload", "resolve_offloaded", "plugio.task"),
    ("plugio.offload", "resolve_offloaded_async", "plugio.task"),
    ("plugio.literals", "read_inputs", "plugio.task"),
    ("plugio.literals", "read_inputs_async", "plugio.task"),
    ("plugio.literals", "write_outputs", "plugio.task"),
    ("plugio.literals", "write_outputs_async", "plugio.task"),
]


@pytest.mark.parametrize("module", [plugio.task, plugio.literals], ids=lambda m: m.__name__)
def test_all_is_sorted_and_complete(module: types.ModuleType) -> None:
    exported = module.__all__
    assert exported == sorted(exported)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and getattr(value, "__module__", module.__name__).startswith("plugio")
    }
    assert public <= set(exported), public - set(exported)
    for name in exported:
        assert hasattr(module, name), name


@pytest.mark.parametrize(
    ("old", "name", "new"), MOVED, ids=[f"{old}.{name}" for old, name, _ in MOVED]
)
def test_an_old_import_path_warns_and_gives_the_same_object(old: str, name: str, new: str) -> None:
    module = importlib.import_module(old)
    with pytest.warns(DeprecationWarning, match=rf"{old}\.{name} moved to {new}\.{name}"):
        value = getattr(module, name)
    assert value is getattr(importlib.import_module(new), name)


def test_from_import_of_an_old_path_warns_too() -> None:
    with pytest.warns(DeprecationWarning, match=r"plugio\.task\.Checkpoint"):
        from plugio.checkpoints import Checkpoint
    assert Checkpoint is plugio.task.Checkpoint


@pytest.mark.parametrize("old", ["plugio.checkpoints", "plugio.offload", "plugio.literals"])
def test_an_unknown_name_is_still_missing(old: str) -> None:
    assert not hasattr(importlib.import_module(old), "no_such_name")


def test_every_export_is_loaded_on_first_use() -> None:
    lazy: dict[str, str] = vars(plugio.task)["_LAZY"]
    assert sorted(lazy) == sorted(plugio.task.__all__)
    for name, module in lazy.items():
        assert getattr(importlib.import_module(module), name) is getattr(plugio.task, name)


def test_reporting_a_failure_loads_neither_pydantic_nor_asyncio() -> None:
    code = (
        "import json, sys\n"
        "from plugio.task import report_failure\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(run.stdout))
    assert not {"pydantic", "asyncio", "plugio.task._checkpoints", "plugio.stream"} & loaded
