"""Sparklines: a metric's values as one row of Unicode blocks."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["sparkline"]

BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], width: int = 40) -> str:
    """``values`` as at most ``width`` blocks, low to high; a gap for a missing number.

    More values than ``width`` are averaged in equal runs, so the line keeps
    the shape of the whole series; values all equal draw a flat middle row.
    """
    if width < 1:
        raise ValueError(f"width must be at least 1, not {width}")
    points = _squeezed([float(v) for v in values], width)
    finite = [v for v in points if math.isfinite(v)]
    if not finite:
        return " " * len(points)
    low, high = min(finite), max(finite)
    span = high - low
    top = len(BLOCKS) - 1
    marks = []
    for value in points:
        if not math.isfinite(value):
            marks.append(" ")
        elif span == 0:
            marks.append(BLOCKS[top // 2])
        else:
            marks.append(BLOCKS[round((value - low) / span * top)])
    return "".join(marks)


def _squeezed(values: list[float], width: int) -> list[float]:
    if len(values) <= width:
        return values
    runs = []
    for index in range(width):
        start = index * len(values) // width
        end = (index + 1) * len(values) // width
        finite = [v for v in values[start:end] if math.isfinite(v)]
        runs.append(sum(finite) / len(finite) if finite else math.nan)
    return runs
