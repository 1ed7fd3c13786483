"""The HTML deck: stored best effort, capped, never failing the attempt."""

from __future__ import annotations

import asyncio
import logging

import pytest
from pydantic import SecretStr
from rig import Rig
from servers import free_ports

from plugio.config import RetryPolicy, S3Options, StorageConfig
from plugio.paths import RemoteCheckpointPaths
from plugio.storage import DataStore
from plugio.task import DEFAULT_DECK_MAX_BYTES, write_deck, write_deck_async

DECK = "<html><body><h1>Résumé ✓</h1></body></html>"
SECRET = "deck-secret-do-not-log"


def unreachable_store() -> DataStore:
    """An S3 store pointed at a closed port, giving up after one attempt."""
    (port,) = free_ports(1)
    return DataStore(
        StorageConfig(
            s3=S3Options(
                endpoint_url=f"http://127.0.0.1:{port}",
                access_key_id=SecretStr("deck-key-id"),
                secret_access_key=SecretStr(SECRET),
            ),
            retry=RetryPolicy(max_attempts=1, initial_backoff=0.01),
        )
    )


def test_deck_is_stored_as_utf8_at_the_deck_path(rig: Rig) -> None:
    paths = RemoteCheckpointPaths(rig.store, rig.ref("meta"), rig.ref("raw"))
    assert write_deck(rig.store, paths, DECK)
    assert paths.get_deck_path() == rig.ref("meta", "deck.html")
    assert rig.store.read_bytes(paths.get_deck_path()).decode("utf-8") == DECK


def test_deck_under_a_plain_output_prefix_and_async(rig: Rig) -> None:
    assert asyncio.run(write_deck_async(rig.store, rig.ref("out"), DECK))
    assert rig.store.read_bytes(rig.ref("out", "deck.html")) == DECK.encode("utf-8")


def test_deck_at_the_cap_is_stored_whole(rig: Rig) -> None:
    size = len(DECK.encode("utf-8"))
    assert write_deck(rig.store, rig.ref("out"), DECK, max_bytes=size)
    assert rig.store.read_bytes(rig.ref("out", "deck.html")) == DECK.encode("utf-8")


def test_deck_over_the_cap_is_replaced_by_a_note(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    big = "<p>" + "x" * 5000 + "</p>"
    with caplog.at_level(logging.WARNING, logger="plugio.task"):
        assert not write_deck(rig.store, rig.ref("out"), big, max_bytes=1000)
    stored = rig.store.read_bytes(rig.ref("out", "deck.html")).decode("utf-8")
    assert "5007 bytes, over the limit of 1000 bytes" in stored
    assert stored.startswith("<!DOCTYPE html>")
    assert len(stored) < 1000
    assert "over the limit" in caplog.text


def test_default_cap_is_ten_mebibytes() -> None:
    assert DEFAULT_DECK_MAX_BYTES == 10 * 1024 * 1024


@pytest.mark.parametrize("use_async", [False, True])
def test_unreachable_store_returns_false_and_logs_without_secrets(
    use_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    store = unreachable_store()
    with caplog.at_level(logging.WARNING, logger="plugio.task"):
        if use_async:
            stored = asyncio.run(write_deck_async(store, "s3://bucket/run/n0", DECK))
        else:
            stored = write_deck(store, "s3://bucket/run/n0", DECK)
    assert stored is False
    assert "could not write the deck to s3://bucket/run/n0/deck.html" in caplog.text
    assert "TransientStorageError" in caplog.text
    assert SECRET not in caplog.text


def test_a_deck_that_is_not_text_is_a_programming_error(rig: Rig) -> None:
    with pytest.raises(TypeError, match="str of HTML"):
        write_deck(rig.store, rig.ref("out"), b"<html/>")  # type: ignore[arg-type]


def test_unencodable_text_is_replaced_not_refused(rig: Rig) -> None:
    assert write_deck(rig.store, rig.ref("out"), "<p>\ud800</p>")
    assert rig.store.read_bytes(rig.ref("out", "deck.html")) == b"<p>?</p>"
