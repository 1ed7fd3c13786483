"""The service's process entry: ``python -m plugio.service`` and ``plugio service``."""

from __future__ import annotations

import argparse
import logging
import sys

from plugio.errors import PlugioError
from plugio.service._policy import ServicePolicy
from plugio.service._server import AlreadyRunning, serve

__all__ = ["EXIT_ALREADY_RUNNING", "main"]

#: The exit status of a service that found another one running in its folder.
EXIT_ALREADY_RUNNING = 3


def main(argv: list[str] | None = None) -> None:
    """Run the service; exit 3 when another one holds the folder, 4 when it cannot start."""
    parser = argparse.ArgumentParser(prog="python -m plugio.service")
    parser.add_argument("--idle-exit", type=float, default=None, help="stop when idle this long")
    arguments = parser.parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    try:
        serve(ServicePolicy(), idle_exit=arguments.idle_exit)
    except AlreadyRunning as exc:
        print(f"plugio service: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_ALREADY_RUNNING) from None
    except PlugioError as exc:
        print(f"plugio service: {exc}", file=sys.stderr)
        raise SystemExit(4) from None
