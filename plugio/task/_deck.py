"""The attempt's HTML deck, stored best effort under its output prefix.

A deck is a report for people, not a result: :func:`write_deck` logs and
returns False rather than fail the attempt, and a deck over its size limit is
replaced by a short page saying so (cutting HTML would break it). Flyte 1 names
it ``deck.html``, Flyte 2 ``report.html``; the generation given decides.
"""

from __future__ import annotations

import html as html_escape
import logging

from plugio import errors
from plugio.generation import FlyteGeneration
from plugio.paths import DECK_FILE, DECK_FILES, OutputFilePaths
from plugio.references import join
from plugio.storage import DataStore

__all__ = ["DEFAULT_DECK_MAX_BYTES", "write_deck", "write_deck_async"]

DEFAULT_DECK_MAX_BYTES = 10 * 1024 * 1024
"""Largest deck written by default (Flyte's SDK sets no limit)."""

logger = logging.getLogger("plugio.task")


def write_deck(
    store: DataStore,
    paths_or_output_prefix: OutputFilePaths | str,
    html: str,
    *,
    max_bytes: int = DEFAULT_DECK_MAX_BYTES,
    generation: FlyteGeneration | int | str | None = None,
) -> bool:
    """Store the attempt's HTML deck as UTF-8, best effort; True if it was stored.

    For Flyte 1 the deck goes to the paths' deck path (``deck.html`` under an
    output prefix); for Flyte 2 to ``report.html`` under the output prefix.

    A deck over ``max_bytes`` (encoded) is replaced by a short page saying how
    large it was, and False is returned: cutting HTML would break it. A
    storage failure is logged (the reference and the error, never credentials)
    and gives False; nothing is raised.

    Raises:
        TypeError: ``html`` is not a ``str``.
        ValueError: ``generation`` is not a Flyte generation.
    """
    ref, data, complete = _deck_payload(
        paths_or_output_prefix, html, max_bytes, store.flyte if generation is None else generation
    )
    try:
        store.write_bytes(ref, data)
    except (errors.PlugioError, OSError) as exc:
        _log_deck_failure(ref, exc)
        return False
    return complete


async def write_deck_async(
    store: DataStore,
    paths_or_output_prefix: OutputFilePaths | str,
    html: str,
    *,
    max_bytes: int = DEFAULT_DECK_MAX_BYTES,
    generation: FlyteGeneration | int | str | None = None,
) -> bool:
    """Async twin of :func:`write_deck`."""
    ref, data, complete = _deck_payload(
        paths_or_output_prefix, html, max_bytes, store.flyte if generation is None else generation
    )
    try:
        await store.write_bytes_async(ref, data)
    except (errors.PlugioError, OSError) as exc:
        _log_deck_failure(ref, exc)
        return False
    return complete


def _deck_payload(
    paths_or_output_prefix: OutputFilePaths | str,
    html: str,
    max_bytes: int,
    generation: FlyteGeneration | int | str,
) -> tuple[str, bytes, bool]:
    """The deck's reference, the bytes to store, and whether they are the whole deck."""
    if not isinstance(html, str):
        raise TypeError(f"the deck must be a str of HTML, not {type(html).__name__}")
    generation = FlyteGeneration.parse(generation)
    if generation is FlyteGeneration.FLYTE2:
        prefix = paths_or_output_prefix
        if isinstance(prefix, OutputFilePaths):
            prefix = prefix.get_output_prefix_path()
        ref = join(prefix, DECK_FILES[generation])
    elif isinstance(paths_or_output_prefix, OutputFilePaths):
        ref = paths_or_output_prefix.get_deck_path()
    else:
        ref = join(paths_or_output_prefix, DECK_FILE)
    data = html.encode("utf-8", errors="replace")
    if len(data) <= max_bytes:
        return ref, data, True
    logger.warning(
        "the deck is %d bytes, over the limit of %d; storing a note instead at %s",
        len(data),
        max_bytes,
        ref,
    )
    return ref, _oversize_page(len(data), max_bytes).encode("utf-8"), False


def _oversize_page(size: int, limit: int) -> str:
    note = html_escape.escape(
        f"The deck was not stored: it is {size} bytes, over the limit of {limit} bytes."
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Deck</title></head>'
        f"<body><p>{note}</p></body></html>\n"
    )


def _log_deck_failure(ref: str, exc: BaseException) -> None:
    logger.warning("could not write the deck to %s: %s: %s", ref, type(exc).__name__, exc)
