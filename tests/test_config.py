"""Configuration: every setting from the environment and from arguments, errors, secrecy."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
import json
import logging
import os
import pickle
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pydantic
import pytest

import plugio.config
from plugio import DataStore
from plugio.config import (
    AzureOptions,
    GCSOptions,
    Limits,
    RetryPolicy,
    S3Options,
    SecretStr,
    StorageConfig,
    TransferConfig,
)
from plugio.errors import ConfigurationError, ConfigurationWarning

MIB = 1024 * 1024
SECRET = "sekrit-XYZ123"
SECTIONS: dict[str, type[Any]] = {
    "s3": S3Options,
    "gcs": GCSOptions,
    "azure": AzureOptions,
    "limits": Limits,
    "retry": RetryPolicy,
    "transfer": TransferConfig,
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("PLUGIO_"):
            monkeypatch.delenv(name)


#: (section, field, the variable's text, the value it gives) for every field.
FIELDS: list[tuple[str, str, str, Any]] = [
    ("s3", "client", "obstore", "obstore"),
    ("s3", "endpoint_url", "http://127.0.0.1:9000", "http://127.0.0.1:9000"),
    ("s3", "region", "eu-west-3", "eu-west-3"),
    ("s3", "access_key_id", "AKID", SecretStr("AKID")),
    ("s3", "secret_access_key", SECRET, SecretStr(SECRET)),
    ("s3", "session_token", "tok", SecretStr("tok")),
    ("s3", "anonymous", "true", True),
    ("gcs", "endpoint_url", "http://127.0.0.1:4443", "http://127.0.0.1:4443"),
    ("gcs", "project", "proj", "proj"),
    ("gcs", "token", SECRET, SecretStr(SECRET)),
    ("gcs", "anonymous", "yes", True),
    ("azure", "account_name", "acct", "acct"),
    ("azure", "account_key", SECRET, SecretStr(SECRET)),
    ("azure", "connection_string", "Account=x", SecretStr("Account=x")),
    ("azure", "sas_token", "sv=1", SecretStr("sv=1")),
    ("azure", "anonymous", "1", True),
    ("limits", "max_payload_bytes", "10", 10),
    ("retry", "max_attempts", "2", 2),
    ("retry", "initial_backoff", "0.5", 0.5),
    ("retry", "max_backoff", "7", 7.0),
    ("retry", "multiplier", "3", 3.0),
    ("retry", "deadline", "12.5", 12.5),
    ("retry", "connect_timeout", "2.5", 2.5),
    ("retry", "attempt_timeout", "30", 30.0),
    ("transfer", "concurrency", "8", 8),
    ("transfer", "chunk_size", str(6 * MIB), 6 * MIB),
]


def test_the_table_covers_every_field() -> None:
    listed = {(section, name) for section, name, _, _ in FIELDS}
    every = {(s, name) for s, cls in SECTIONS.items() for name in cls.model_fields}
    assert listed == every
    assert set(StorageConfig.model_fields) == {*SECTIONS, "protocol_options", "flyte"}


@pytest.mark.parametrize(("section", "name", "text", "expected"), FIELDS)
def test_every_field_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, section: str, name: str, text: str, expected: Any
) -> None:
    monkeypatch.setenv(f"PLUGIO_{section.upper()}__{name.upper()}", text)
    assert getattr(getattr(StorageConfig(), section), name) == expected


@pytest.mark.parametrize(("section", "name", "text", "expected"), FIELDS)
def test_every_field_from_arguments(section: str, name: str, text: str, expected: Any) -> None:
    value = expected.get_secret_value() if isinstance(expected, SecretStr) else expected
    from_mapping = StorageConfig.model_validate({section: {name: value}})
    from_instance = StorageConfig(**{section: SECTIONS[section](**{name: value})})
    assert getattr(getattr(from_mapping, section), name) == expected
    assert from_instance == from_mapping


def test_defaults() -> None:
    config = StorageConfig()
    assert config.limits.max_payload_bytes == 2 * MIB
    assert config.retry == RetryPolicy(
        max_attempts=5,
        initial_backoff=0.1,
        max_backoff=5.0,
        multiplier=2.0,
        deadline=60.0,
        connect_timeout=10.0,
        attempt_timeout=60.0,
    )
    assert config.transfer == TransferConfig(concurrency=64, chunk_size=8 * MIB)
    assert (config.s3.client, config.s3.anonymous) == ("auto", False)
    assert config.s3.storage_options() == {}
    assert config.protocol_options == {}


def test_protocol_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGIO_PROTOCOL_OPTIONS", '{"S3": {"use_ssl": false}}')
    assert StorageConfig().protocol_options == {"s3": {"use_ssl": False}}
    merged = StorageConfig(protocol_options={"S3": {"anon": True}, "gs": {"x": 1}})
    assert merged.protocol_options == {"s3": {"use_ssl": False, "anon": True}, "gs": {"x": 1}}
    assert "use_ssl" not in repr(merged)  # they may hold credentials


@pytest.mark.parametrize(
    ("variable", "path"),
    [
        ("PLUGIO_LIMITS__MAX_PAYLOAD_BYTES", ("limits", "max_payload_bytes")),
        ("PLUGIO_RETRY__DEADLINE", ("retry", "deadline")),
        ("PLUGIO_RETRY__ATTEMPT_TIMEOUT", ("retry", "attempt_timeout")),
        ("PLUGIO_S3__REGION", ("s3", "region")),
    ],
)
def test_null_is_none(
    monkeypatch: pytest.MonkeyPatch, variable: str, path: tuple[str, str]
) -> None:
    monkeypatch.setenv(variable, "null")
    assert getattr(getattr(StorageConfig(), path[0]), path[1]) is None


def test_arguments_beat_the_environment_key_by_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGIO_RETRY__MAX_ATTEMPTS", "9")
    monkeypatch.setenv("PLUGIO_RETRY__MULTIPLIER", "3")
    merged = StorageConfig(retry={"max_attempts": 4})
    assert (merged.retry.max_attempts, merged.retry.multiplier) == (4, 3.0)
    replaced = StorageConfig(retry=RetryPolicy(max_attempts=3))
    assert (replaced.retry.max_attempts, replaced.retry.multiplier) == (3, 2.0)


def test_environment_names_are_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("plugio_retry__max_attempts", "7")
    assert StorageConfig().retry.max_attempts == 7


def test_a_whole_section_as_json_under_its_own_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGIO_RETRY", '{"max_attempts": 2, "initial_backoff": 0.5}')
    monkeypatch.setenv("PLUGIO_RETRY__MAX_ATTEMPTS", "6")
    retry = StorageConfig(retry={"multiplier": 4}).retry
    assert (retry.max_attempts, retry.initial_backoff, retry.multiplier) == (6, 0.5, 4.0)


#: A bad variable, its text, and the message it must give (after the variable's name).
BAD_VARIABLES = [
    ("PLUGIO_RETRY__MAX_ATTEMPTS", SECRET, ": must be a whole number"),
    ("PLUGIO_RETRY__MAX_ATTEMPTS", "0", ": must be at least 1"),
    ("PLUGIO_RETRY__DEADLINE", SECRET, ": must be a finite number"),
    ("PLUGIO_RETRY__DEADLINE", "0", ": must be greater than 0"),
    ("PLUGIO_RETRY__MULTIPLIER", "nan", ": must be a finite number"),
    ("PLUGIO_RETRY__CONNECT_TIMEOUT", "null", ": must be set (null is not allowed)"),
    ("PLUGIO_RETRY__ATTEMPT_TIMEOUT", "-1", ": must be greater than 0"),
    ("PLUGIO_LIMITS__MAX_PAYLOAD_BYTES", "-1", ": must be at least 0"),
    ("PLUGIO_TRANSFER__CHUNK_SIZE", "1024", f": must be at least {5 * MIB}"),
    ("PLUGIO_TRANSFER__CONCURRENCY", "1.5", ": must be a whole number"),
    ("PLUGIO_S3__CLIENT", SECRET, ": must be one of auto, obstore, s3fs"),
    ("PLUGIO_AZURE__ANONYMOUS", SECRET, ": must be true or false"),
    ("PLUGIO_S3__REGOIN", SECRET, ": no such setting; did you mean PLUGIO_S3__REGION?"),
    (
        "PLUGIO_S3__SECRET_ACCES_KEY",
        SECRET,
        ": no such setting; did you mean PLUGIO_S3__SECRET_ACCESS_KEY?",
    ),
    ("PLUGIO_GCS__TOKEN__X", SECRET, ": must be text"),
    ("PLUGIO_PROTOCOL_OPTIONS", '{"s3": {"secret": "' + SECRET, ": not valid JSON"),
    ("PLUGIO_GCS", json.dumps(SECRET), ": must be a JSON object"),
    ("PLUGIO_PROTOCOL_OPTIONS", json.dumps({"s3": SECRET}), ": must map each protocol"),
    ("PLUGIO_RETRY", '{"max_attempts": 0}', " (max_attempts): must be at least 1"),
    (
        "PLUGIO_S3",
        json.dumps({"secret_access_key": [SECRET]}),
        " (secret_access_key): must be text",
    ),
    (
        "PLUGIO_S3",
        json.dumps({"sesion_token": SECRET}),
        " (sesion_token): no such setting; did you mean PLUGIO_S3 (session_token)?",
    ),
]


@pytest.mark.parametrize(("variable", "text", "message"), BAD_VARIABLES)
def test_a_bad_variable_is_named_without_its_value(
    monkeypatch: pytest.MonkeyPatch, variable: str, text: str, message: str
) -> None:
    monkeypatch.setenv(variable, text)
    with pytest.raises(ConfigurationError) as raised:
        StorageConfig()
    assert str(raised.value).startswith(variable + message)
    assert "\n" not in str(raised.value)
    if len(text) > 4:
        assert text not in str(raised.value)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: StorageConfig(s3={"region": 5}), "s3.region: must be text"),
        (
            lambda: StorageConfig(s3={"regoin": "x"}),
            "s3.regoin: no such setting; did you mean s3.region?",
        ),
        (
            lambda: StorageConfig(retry={"max_attempts": 0}),
            "retry.max_attempts: must be at least 1",
        ),
        (
            lambda: StorageConfig(s3=5),  # type: ignore[arg-type]
            "s3: must be S3Options or a mapping of its settings",
        ),
        (
            lambda: StorageConfig.model_validate({"retyr": {}}),
            "retyr: no such setting; did you mean retry?",
        ),
        (
            lambda: RetryPolicy(max_attempts=True),
            "RetryPolicy.max_attempts: must be a whole number",
        ),
        (
            lambda: S3Options(client="boto"),  # type: ignore[arg-type]
            "S3Options.client: must be one of auto, obstore, s3fs",
        ),
        (
            lambda: S3Options(access_key_id=5),  # type: ignore[arg-type]
            "S3Options.access_key_id: must be text",
        ),
        (
            lambda: StorageConfig().model_copy(update={"retry": {"deadline": 0}}),
            "retry.deadline: must be greater than 0",
        ),
    ],
)
def test_a_bad_argument_is_named_by_its_path(build: Any, message: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        build()
    assert str(raised.value) == message


def test_the_same_setting_twice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGIO_S3__SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("plugio_s3__secret_access_key", SECRET)
    with pytest.raises(ConfigurationError, match="set the same setting"):
        StorageConfig()


def chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        yield from chain(exc.__cause__)
        exc = exc.__context__


#: Bad environments holding a secret: none of it may be shown, anywhere.
SECRET_CASES = [{v: t} for v, t, _ in BAD_VARIABLES if SECRET in t] + [
    {"PLUGIO_S3__SECRET_ACCESS_KEY": SECRET, "plugio_s3__secret_access_key": SECRET}
]


@pytest.mark.parametrize("environment", SECRET_CASES, ids=lambda case: min(case))
def test_no_secret_in_the_error_its_chain_or_the_logs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, environment: dict[str, str]
) -> None:
    for variable, text in environment.items():
        monkeypatch.setenv(variable, text)
    with caplog.at_level(logging.DEBUG), pytest.raises(ConfigurationError) as raised:
        DataStore()
    for exc in chain(raised.value):
        for shown in (str(exc), repr(exc), repr(exc.args), repr(vars(exc))):
            assert SECRET not in shown
    assert SECRET not in caplog.text
    assert all(SECRET not in repr(record.args) for record in caplog.records)


def run_plugio_status(
    environment: dict[str, str], folder: Path
) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).with_name("plugio")
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("PLUGIO_")}
    return subprocess.run(
        [str(command), "status", str(folder)],
        env={**clean, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("environment", SECRET_CASES, ids=lambda case: min(case))
def test_the_command_names_a_bad_variable_in_one_line_and_exits_2(
    tmp_path: Path, environment: dict[str, str]
) -> None:
    result = run_plugio_status(environment, tmp_path)
    assert result.returncode == 2, result.stderr
    assert SECRET not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {min(environment)}")


def test_a_misspelt_variable_warns_without_its_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGIO_S3_SECRET_ACCESS_KEY", SECRET)
    with pytest.warns(ConfigurationWarning) as warned:
        config = StorageConfig()
    assert config.s3.secret_access_key is None
    (warning,) = warned
    assert str(warning.message) == (
        "PLUGIO_S3_SECRET_ACCESS_KEY is not a plugio setting and is ignored; "
        "did you mean PLUGIO_S3__SECRET_ACCESS_KEY?"
    )
    assert warning.filename == __file__


def test_any_unknown_variable_warns_even_with_nothing_close(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLUGIO_SOMETHING_ELSE", SECRET)
    with pytest.warns(ConfigurationWarning) as warned:
        StorageConfig()
    (warning,) = warned
    assert str(warning.message) == "PLUGIO_SOMETHING_ELSE is not a plugio setting and is ignored"


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        (
            "PLUGIO_S3_ENDPOINT_URL",
            "warning: PLUGIO_S3_ENDPOINT_URL is not a plugio setting and is ignored; "
            "did you mean PLUGIO_S3__ENDPOINT_URL?",
        ),
        ("PLUGIO_NOPE", "warning: PLUGIO_NOPE is not a plugio setting and is ignored"),
    ],
)
def test_the_command_warns_of_an_unknown_variable_in_one_line(
    tmp_path: Path, variable: str, expected: str
) -> None:
    result = run_plugio_status({variable: "http://127.0.0.1:9"}, tmp_path)
    assert result.returncode == 3, result.stderr
    assert result.stderr.splitlines() == [expected]


def test_the_command_names_a_misspelt_field_with_the_closest_name(tmp_path: Path) -> None:
    result = run_plugio_status({"PLUGIO_S3__REGOIN": "eu-west-1"}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: PLUGIO_S3__REGOIN: no such setting; did you mean PLUGIO_S3__REGION?"
    ]
    assert result.stdout == ""


def other_plugio_variables() -> set[str]:
    """The ``PLUGIO_*`` names plugio's own code mentions that are no ``StorageConfig`` setting."""
    package = Path(plugio.config.__file__).parent
    names = {
        name
        for source in package.rglob("*.py")
        for name in re.findall(r"\bPLUGIO_[A-Z0-9_]*[A-Z0-9]\b", source.read_text())
    }
    return {n for n in names if n[7:].split("__")[0].lower() not in StorageConfig.model_fields}


def test_other_plugio_variables_do_not_warn(monkeypatch: pytest.MonkeyPatch) -> None:
    others = other_plugio_variables()
    assert {"PLUGIO_INPUT_DIR", "PLUGIO_OUTPUT_DIR", "PLUGIO_STREAM__MAX_INTERVAL"} <= others
    known = {"PLUGIO_CHECKPOINT_DIR", "PLUGIO_STREAM", "PLUGIO_METRICS", "PLUGIO_RUN_GRACE_PERIOD"}
    for name in {*others, *known}:
        monkeypatch.setenv(name, "1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        StorageConfig()


def test_secrets_are_hidden_and_revealed_only_on_request(caplog: pytest.LogCaptureFixture) -> None:
    config = StorageConfig(
        s3=S3Options(secret_access_key=SecretStr(SECRET), session_token=SecretStr(SECRET)),
        gcs={"token": SECRET},
        azure=AzureOptions(connection_string=pydantic.SecretStr(SECRET)),
    )
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("plugio").info("config: %s %r", config, config)
    for text in (repr(config), str(config), caplog.text, str(config.s3.session_token)):
        assert SECRET not in text
    assert "**********" in repr(config)
    assert isinstance(config.gcs.token, SecretStr)
    assert isinstance(config.azure.connection_string, pydantic.SecretStr)  # kept as given
    assert config.s3.storage_options()["secret"] == SECRET
    assert config.gcs.storage_options()["token"] == SECRET


def test_credentials_map_to_fsspec_options() -> None:
    s3 = S3Options(access_key_id=SecretStr("AK"), secret_access_key=SecretStr(SECRET), region="r")
    assert s3.storage_options() == {
        "key": "AK",
        "secret": SECRET,
        "client_kwargs": {"region_name": "r"},
    }
    azure = AzureOptions(account_name="acct", account_key=SecretStr(SECRET)).storage_options()
    assert azure == {"account_name": "acct", "account_key": SECRET, "anon": False}


def test_anonymous_only_when_asked() -> None:
    assert "anon" not in S3Options().storage_options()
    assert S3Options(anonymous=True).storage_options()["anon"] is True
    assert GCSOptions().storage_options() == {}
    assert GCSOptions(anonymous=True).storage_options() == {"token": "anon"}
    assert AzureOptions(anonymous=True).storage_options() == {"anon": True}


def test_the_helpers_callers_use() -> None:
    config = StorageConfig(s3={"region": "r", "access_key_id": "k"}, retry={"max_attempts": 2})
    assert StorageConfig.model_validate(config) is config
    copy = config.model_copy(update={"transfer": {"concurrency": 3}})
    assert (copy.transfer.concurrency, copy.retry.max_attempts) == (3, 2)
    assert config.model_fields_set == {"s3", "retry"}
    assert config.s3.model_fields_set == {"region", "access_key_id"}
    assert S3Options.model_fields["client"].default == "auto"
    assert pickle.loads(pickle.dumps(config)) == config
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.retry.max_attempts = 3  # type: ignore[misc]
    assert RetryPolicy(initial_backoff=1, max_backoff=8).backoff_ceiling(3) == 4.0


def test_field_docstrings_name_their_variables() -> None:
    tree = ast.parse(inspect.getsource(plugio.config))
    documented: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            body = node.body
            documented[node.name] = {
                field.target.id: str(doc.value.value)
                for field, doc in itertools.pairwise(body)
                if isinstance(field, ast.AnnAssign)
                and isinstance(field.target, ast.Name)
                and isinstance(doc, ast.Expr)
                and isinstance(doc.value, ast.Constant)
            }
    for section, cls in SECTIONS.items():
        assert f"PLUGIO_{section.upper()}__*" in documented["StorageConfig"][section]
        for name in cls.model_fields:
            variable = f"PLUGIO_{section.upper()}__{name.upper()}"
            assert variable in documented[cls.__name__].get(name, ""), variable
    assert "PLUGIO_PROTOCOL_OPTIONS" in documented["StorageConfig"]["protocol_options"]


def test_building_the_config_loads_neither_pydantic_asyncio_nor_fsspec() -> None:
    code = (
        "import json, sys, plugio.config\n"
        "config = plugio.config.StorageConfig()\n"
        "assert config.retry.max_attempts == 2 and config.s3.region == 'r'\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    environment = {
        **{k: v for k, v in os.environ.items() if not k.upper().startswith("PLUGIO_")},
        "PLUGIO_RETRY": '{"max_attempts": 2}',
        "PLUGIO_S3__REGION": "r",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    loaded = json.loads(result.stdout)
    for package in ("pydantic", "asyncio", "fsspec"):
        assert not [name for name in loaded if name.split(".")[0] == package], package


def test_a_store_fails_on_a_bad_variable_and_keeps_its_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLUGIO_S3__CLIENT", "bogus")
    with pytest.raises(ConfigurationError, match=r"^PLUGIO_S3__CLIENT: must be one of"):
        DataStore()
    monkeypatch.delenv("PLUGIO_S3__CLIENT")
    monkeypatch.setenv("PLUGIO_S3__REGION", "eu-west-3")
    store = DataStore()
    monkeypatch.setenv("PLUGIO_S3__REGION", "changed later")
    assert store.config.s3.region == "eu-west-3"
    assert store.max_payload_bytes == store.config.limits.max_payload_bytes


def test_stream_policy_reads_its_own_section(monkeypatch: pytest.MonkeyPatch) -> None:
    from plugio.stream import StreamPolicy

    monkeypatch.setenv("PLUGIO_STREAM__MAX_INTERVAL", "3.5")
    assert StreamPolicy().max_interval == 3.5
    assert StreamPolicy(max_interval=2).max_interval == 2
    monkeypatch.setenv("PLUGIO_STREAM", '{"heartbeat_interval": 5}')
    assert (StreamPolicy().heartbeat_interval, StreamPolicy().max_interval) == (5, 3.5)
