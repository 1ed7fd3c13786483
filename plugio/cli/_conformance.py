"""``plugio conformance``: prove a bucket (or folder) honours plugio's storage contract."""

from __future__ import annotations

from typing import Annotated

import typer

from plugio.cli._output import EXIT_FAILED, usage


def conformance(
    url: Annotated[
        str, typer.Argument(help="Where to run: s3://bucket/prefix, gs://..., a folder.")
    ],
    pytest_args: Annotated[
        list[str] | None,
        typer.Argument(help="More pytest arguments, after -- (e.g. -- -k DataStore -x)."),
    ] = None,
) -> None:
    """Run the conformance suite against URL under a unique sub-prefix, deleted afterwards.

    Storage options come from PLUGIO_* variables. Prints a table of test,
    result and time; exits 0 when everything passed or was skipped, else 1.
    """
    try:
        from plugio_conformance import run
    except ImportError as exc:
        usage(f"the suite needs pytest: pip install 'plugio[conformance]' ({exc})")
    code = run(url, extra_args=pytest_args or [])
    raise typer.Exit(0 if code == 0 else EXIT_FAILED)
