"""The end of ``plugio run`` through the service: a summary of the run's metrics."""

from __future__ import annotations

import math

from rich.text import Text

from plugio.cli._output import console
from plugio.cli._sparkline import sparkline
from plugio.service import ServiceFinish

__all__ = ["SERVICE_ENV", "print_run_summary", "service_from_env"]

SERVICE_ENV = "PLUGIO_RUN_SERVICE"
_SETTING = "run_service"
#: Blocks in a metric's sparkline.
WIDTH = 30


def service_from_env() -> bool:
    """``PLUGIO_RUN_SERVICE`` as a switch; off when unset.

    Raises:
        ConfigurationError: The variable is not one of 1/true/yes/on or 0/false/no/off.
    """
    from plugio._environment import switch

    return switch(_SETTING, False)


def print_run_summary(finish: ServiceFinish) -> None:
    """The stream's end, then a line per metric: its name, a sparkline of its sampled
    history and its last value (names printed as they are, never as markup)."""
    ended = finish.state.value + ("" if finish.complete else " (not all uploaded)")
    console.print(Text(f"stream {ended}"), soft_wrap=True)
    width = max((len(name) for name in finish.history), default=0)
    for name, points in sorted(finish.history.items()):
        values = [math.nan if value is None else float(value) for _, value in points]
        last = finish.summary.get(name)
        shown = f"{last:.6g}" if isinstance(last, (int, float)) else ""
        line = Text(f"  {name.ljust(width)}  ") + Text(sparkline(values, WIDTH), style="cyan")
        console.print(line + Text(f"  {shown}"), soft_wrap=True)
