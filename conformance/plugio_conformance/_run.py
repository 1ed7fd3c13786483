"""Run the conformance suite against a storage URL from code (the ``plugio conformance`` entry)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

__all__ = ["run"]


def run(url: str, *, extra_args: Sequence[str] = ()) -> int:
    """Run every test of ``plugio_conformance`` against ``url``; pytest's exit code.

    The storage contract and plugio's remote-file readers and writers run
    under a fresh sub-prefix of ``url``, deleted at the end, and a table of
    results (test, result, time) is printed. Storage options come from
    ``PLUGIO_*`` environment variables. The run ignores the pytest
    configuration of the current directory and writes no cache there.

    Args:
        url: where to run (``s3://bucket/prefix``, ``gs://...``, a folder ...).
        extra_args: more pytest arguments (``["-k", "DataStore", "-x"]``,
            ``["--plugio-without=etag"]``, ``["--plugio-keep"]``).

    Returns:
        0 when every test passed or was skipped, else pytest's exit code.
    """
    package_parent = Path(__file__).resolve().parent.parent
    args = [
        "--pyargs",
        "plugio_conformance",
        f"--plugio-url={url}",
        "-p",
        "plugio_conformance.plugin",
        "-p",
        "no:cacheprovider",
        "-c",
        os.devnull,
        f"--rootdir={package_parent}",
        # The suite's modules may have been imported before pytest started.
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        *extra_args,
    ]
    return int(pytest.main(args))
