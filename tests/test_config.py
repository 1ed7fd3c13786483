"""Configuration: precedence, environment names, validation and secrecy."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr, ValidationError

from plugio.config import AzureOptions, GCSOptions, RetryPolicy, S3Options, StorageConfig

SECRET = "s3cr3t-value-that-must-not-leak"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("PLUGIO_"):
            monkeypatch.delenv(name)


def test_defaults() -> None:
    config = StorageConfig()
    assert config.limits.max_payload_bytes == 2 * 1024 * 1024
    assert config.retry.max_attempts == 5
    assert config.s3.anonymous is False
    assert config.gcs.anonymous is False
    assert config.azure.anonymous is False
    assert config.s3.storage_options() == {}


def test_environment_nested(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGIO_S3__ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("PLUGIO_S3__SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("PLUGIO_LIMITS__MAX_PAYLOAD_BYTES", "10")
    monkeypatch.setenv("PLUGIO_RETRY__MAX_ATTEMPTS", "2")
    monkeypatch.setenv("PLUGIO_PROTOCOL_OPTIONS", '{"S3": {"use_ssl": false}}')
    config = StorageConfig()
    assert config.s3.endpoint_url == "http://127.0.0.1:9000"
    assert config.s3.secret_access_key == SecretStr(SECRET)
    assert config.limits.max_payload_bytes == 10
    assert config.retry.max_attempts == 2
    assert config.protocol_options == {"s3": {"use_ssl": False}}


def test_arguments_beat_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGIO_RETRY__MAX_ATTEMPTS", "9")
    assert StorageConfig(retry=RetryPolicy(max_attempts=3)).retry.max_attempts == 3


def test_unlimited_payload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGIO_LIMITS__MAX_PAYLOAD_BYTES", "null")
    assert StorageConfig().limits.max_payload_bytes is None


@pytest.mark.parametrize(
    ("section", "value"),
    [
        ("retry", {"max_attempts": 0}),
        ("limits", {"max_payload_bytes": -1}),
        ("transfer", {"chunk_size": 1024}),
        ("transfer", {"concurrency": 0}),
        ("s3", {"no_such_option": 1}),
    ],
)
def test_invalid_values_are_refused(section: str, value: dict[str, object]) -> None:
    with pytest.raises(ValidationError) as raised:
        StorageConfig.model_validate({section: value})
    assert section in str(raised.value)


def test_anonymous_only_when_asked() -> None:
    assert "anon" not in S3Options().storage_options()
    assert S3Options(anonymous=True).storage_options()["anon"] is True
    assert GCSOptions().storage_options() == {}
    assert GCSOptions(anonymous=True).storage_options() == {"token": "anon"}
    assert AzureOptions(anonymous=True).storage_options() == {"anon": True}


def test_credentials_map_to_fsspec_options() -> None:
    options = S3Options(
        access_key_id=SecretStr("AK"), secret_access_key=SecretStr(SECRET), region="eu-west-1"
    ).storage_options()
    assert options == {
        "key": "AK",
        "secret": SECRET,
        "client_kwargs": {"region_name": "eu-west-1"},
    }
    azure = AzureOptions(account_name="acct", account_key=SecretStr(SECRET)).storage_options()
    assert azure == {"account_name": "acct", "account_key": SECRET, "anon": False}


def test_secrets_never_in_repr_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    config = StorageConfig(
        s3=S3Options(secret_access_key=SecretStr(SECRET), session_token=SecretStr(SECRET)),
        gcs=GCSOptions(token=SecretStr(SECRET)),
        azure=AzureOptions(connection_string=SecretStr(SECRET), sas_token=SecretStr(SECRET)),
    )
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("plugio").info("config: %s %r", config, config)
    for text in (repr(config), str(config), config.model_dump_json(), caplog.text):
        assert SECRET not in text
    assert "**********" in repr(config)


def test_field_docstrings_name_their_variables() -> None:
    for section_name, field in StorageConfig.model_fields.items():
        assert field.description, section_name
        annotation = field.annotation
        if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
            for name, inner in annotation.model_fields.items():
                variable = f"PLUGIO_{section_name.upper()}__{name.upper()}"
                assert variable in (inner.description or ""), variable


def test_environment_names_are_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("plugio_retry__max_attempts", "7")
    assert StorageConfig().retry.max_attempts == 7


def test_a_whole_section_as_json_merges_with_its_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGIO_RETRY", '{"max_attempts": 2, "initial_backoff": 0.5}')
    assert StorageConfig().retry.max_attempts == 2
    assert StorageConfig().retry.initial_backoff == 0.5
    monkeypatch.delenv("PLUGIO_RETRY")
    monkeypatch.setenv("PLUGIO_RETRY__MULTIPLIER", "3")
    merged = StorageConfig(retry={"max_attempts": 4})  # type: ignore[arg-type]
    assert (merged.retry.max_attempts, merged.retry.multiplier) == (4, 3.0)


def test_a_section_variable_that_is_not_json_names_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    from plugio.errors import ConfigurationError

    monkeypatch.setenv("PLUGIO_PROTOCOL_OPTIONS", "{not json")
    with pytest.raises(ConfigurationError, match="PLUGIO_PROTOCOL_OPTIONS must be JSON"):
        StorageConfig()


def test_a_misspelt_section_variable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGIO_RETRY__MAX_ATTEMTPS", "3")
    with pytest.raises(ValidationError, match="max_attemtps"):
        StorageConfig()


def test_a_bad_value_from_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGIO_TRANSFER__CONCURRENCY", "many")
    with pytest.raises(ValidationError, match="concurrency"):
        StorageConfig()


def test_stream_policy_reads_its_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    from plugio.stream import StreamPolicy

    monkeypatch.setenv("PLUGIO_STREAM__MAX_INTERVAL", "3.5")
    assert StreamPolicy().max_interval == 3.5
    assert StreamPolicy(max_interval=2).max_interval == 2
