"""The package as users meet it: exports and the examples in its docstrings."""

from __future__ import annotations

import doctest
import types

import pytest

import plugio.paths
from plugio.paths import _attempt, _flyte2, _ids, _interfaces, _names, _raw, _remote, _sharding
from plugio.storage import DataStore

MODULES = [plugio.paths, _attempt, _flyte2, _ids, _interfaces, _names, _raw, _remote, _sharding]


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__)
def test_all_is_sorted_and_names_what_exists(module: types.ModuleType) -> None:
    assert module.__all__ == sorted(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name), name


def test_package_exports_every_public_name_of_its_modules() -> None:
    private = [module for module in MODULES if module is not plugio.paths]
    names = {name for module in private for name in module.__all__}
    assert names == set(plugio.paths.__all__)
    for module in private:
        for name in module.__all__:
            assert getattr(plugio.paths, name) is getattr(module, name), name


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__)
def test_docstring_examples_hold(module: types.ModuleType) -> None:
    store = DataStore.from_url("s3://b")
    extraglobs = {"store": store, "DataStore": DataStore}
    result = doctest.testmod(module, extraglobs=extraglobs, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0 or ">>>" not in (module.__doc__ or "")
