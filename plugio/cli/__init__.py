"""The ``plugio`` command: run any command as a task, and look at what attempts left.

Exit codes (every subcommand):

===  ==========================================================================
0    success (``status``: every attempt succeeded)
1    ``status``: an attempt failed or its outputs are too large;
     ``run``: the task failed (its error document was written)
2    usage error: a bad option, a malformed reference or value
3    ``status``: no failure, but an attempt has not finished
4    a storage or system problem (unreachable, permission, missing object)
===  ==========================================================================
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Entry point of the ``plugio`` command.

    ``plugio run`` holds SIGTERM and SIGINT from its first moment, before the
    command's imports: a signal then stops the attempt with its error document
    once the run can write one, or ends the process by that signal if it never
    gets that far (a usage error, say).
    """
    running = sys.argv[1:2] == ["run"]
    if running:
        from plugio.task._signals import hold_signals

        hold_signals()
    try:
        try:
            from plugio.cli._app import app
        except ImportError as exc:  # the cli extra is not installed
            print(
                f"plugio: the command needs its extra ({exc.name}): run pip install 'plugio[cli]'",
                file=sys.stderr,
            )
            raise SystemExit(2) from None
        app()
    finally:
        if running:
            from plugio.task._signals import deliver_held

            deliver_held()
