"""Flyte 2's report: write_deck names it report.html, and readers find either name."""

from __future__ import annotations

import asyncio

from rig import Rig

from plugio.paths import ReadOnlyOutputPaths, RemoteCheckpointPaths
from plugio.readers import RemoteFileOutputReader
from plugio.task import write_deck, write_deck_async

REPORT = "<html><body><h1>Résumé ✓</h1></body></html>"


def test_flyte2_report_goes_to_report_html(rig: Rig) -> None:
    paths = RemoteCheckpointPaths(rig.store, rig.ref("meta"), rig.ref("raw"))
    assert write_deck(rig.store, paths, REPORT, generation=2)
    assert rig.store.read_bytes(rig.ref("meta", "report.html")).decode("utf-8") == REPORT
    assert not rig.store.head(paths.get_deck_path()).exists
    reader = RemoteFileOutputReader(rig.store, ReadOnlyOutputPaths(rig.store, rig.ref("meta")))
    assert reader.deck_exists()


def test_flyte2_report_under_a_plain_prefix_async(rig: Rig) -> None:
    assert asyncio.run(write_deck_async(rig.store, rig.ref("out"), REPORT, generation="flyte2"))
    assert rig.store.read_bytes(rig.ref("out", "report.html")) == REPORT.encode("utf-8")


def test_flyte1_deck_is_unchanged(rig: Rig) -> None:
    assert write_deck(rig.store, rig.ref("out"), REPORT, generation=1)
    assert rig.store.head(rig.ref("out", "deck.html")).exists
    assert not rig.store.head(rig.ref("out", "report.html")).exists
