"""Settings read without pydantic: the same values as StorageConfig, or none at all."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from plugio import DataStore
from plugio._plain_settings import PlainSettings, settings_from_environment
from plugio.config import Limits, RetryPolicy, StorageConfig

PLAIN_NAMES = (
    "PLUGIO_S3__ENDPOINT_URL",
    "PLUGIO_S3__REGION",
    "PLUGIO_S3__ACCESS_KEY_ID",
    "PLUGIO_S3__SECRET_ACCESS_KEY",
    "PLUGIO_S3__SESSION_TOKEN",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("PLUGIO_"):
            monkeypatch.delenv(name)


def plain_environment() -> st.SearchStrategy[dict[str, str]]:
    text = st.text(st.sampled_from("aZ09/:._-= é€"), max_size=12)
    names = st.sampled_from(PLAIN_NAMES).map(lambda name: name if len(name) % 2 else name.lower())
    environment = st.dictionaries(names, text | st.just("null"), max_size=5)
    client = st.sampled_from(["auto", "obstore", "s3fs"])
    return st.tuples(environment, st.none() | client).map(
        lambda pair: pair[0] if pair[1] is None else {**pair[0], "PLUGIO_S3__CLIENT": pair[1]}
    )


@given(plain_environment())
def test_plain_values_are_storage_config_values(environment: dict[str, str]) -> None:
    found = settings_from_environment(environment)
    assert found is not None
    settings, values = found
    try:
        os.environ.update(environment)
        expected = StorageConfig()
    finally:
        for name in environment:
            os.environ.pop(name, None)
    assert settings == PlainSettings.from_config(expected)
    assert StorageConfig.model_validate(values) == expected


def test_defaults_are_storage_config_defaults() -> None:
    assert settings_from_environment({}) == (PlainSettings(), {"s3": {"client": "auto"}})
    assert PlainSettings() == PlainSettings.from_config(StorageConfig())


@pytest.mark.parametrize(
    "environment",
    [
        {"PLUGIO_RETRY__MAX_ATTEMPTS": "2"},
        {"PLUGIO_LIMITS__MAX_PAYLOAD_BYTES": "10"},
        {"PLUGIO_S3__ANONYMOUS": "true"},
        {"PLUGIO_S3__CLIENT": "bogus"},
        {"PLUGIO_S3__UNKNOWN": "x"},
        {"PLUGIO_S3": '{"region": "x"}'},
        {"PLUGIO_PROTOCOL_OPTIONS": "{}"},
        {"PLUGIO_GCS__PROJECT": "p"},
        {"PLUGIO_S3__REGION": "a", "plugio_s3__region": "b"},
    ],
)
def test_any_other_setting_needs_the_config_models(environment: dict[str, str]) -> None:
    assert settings_from_environment(environment) is None


def test_names_that_are_not_settings_are_ignored() -> None:
    found = settings_from_environment({"PLUGIO_INPUT_DIR": "/x", "PLUGIO_S3__REGION": "r"})
    assert found is not None
    assert found[0].s3.region == "r"


def test_a_plain_store_builds_its_config_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGIO_S3__REGION", "eu-west-3")
    monkeypatch.setenv("PLUGIO_S3__SECRET_ACCESS_KEY", "s3cr3t")
    store = DataStore()
    monkeypatch.setenv("PLUGIO_S3__REGION", "changed later")
    assert store.config.s3.region == "eu-west-3"  # the values the store was made with
    assert store.config.s3.secret_access_key is not None
    assert store.config.s3.secret_access_key.get_secret_value() == "s3cr3t"
    assert store.config is store.config
    assert store.max_payload_bytes == store.config.limits.max_payload_bytes


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [("PLUGIO_S3__CLIENT", "bogus", "s3.client"), ("PLUGIO_RETRY__MAX_ATTEMPTS", "0", "retry")],
)
def test_a_bad_setting_still_fails_when_the_store_is_made(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, field: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=field):
        DataStore()


def test_an_explicit_config_gives_the_settings() -> None:
    config = StorageConfig(limits=Limits(max_payload_bytes=10), retry=RetryPolicy(max_attempts=2))
    store = DataStore(config)
    assert store.config is config
    assert store.max_payload_bytes == 10
