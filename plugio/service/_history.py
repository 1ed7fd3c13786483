"""A bounded, evenly sampled history of each metric, for the finish answer's sparklines."""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = ["SampledHistory"]

#: Points kept per metric, at most twice this many between two thinnings.
POINTS = 128


class SampledHistory:
    """Keeps every ``stride``-th row of each metric, thinning by half when it grows.

    Memory is bounded by ``2 * POINTS`` points per metric whatever the length
    of the run; the points kept stay spread evenly over it.
    """

    def __init__(self, points: int = POINTS) -> None:
        self._points = points
        self._series: dict[str, list[tuple[int, float]]] = {}
        self._seen: dict[str, int] = {}
        self._stride: dict[str, int] = {}
        self.last: dict[str, float] = {}

    def add(self, step: int, values: Mapping[str, float]) -> None:
        """Take one metrics row."""
        for name, value in values.items():
            number = float(value)
            self.last[name] = number
            seen = self._seen.get(name, 0)
            self._seen[name] = seen + 1
            stride = self._stride.get(name, 1)
            if seen % stride:
                continue
            series = self._series.setdefault(name, [])
            series.append((step, number))
            if len(series) >= 2 * self._points:
                del series[1::2]
                self._stride[name] = stride * 2

    def sampled(self) -> dict[str, list[list[float | None]]]:
        """Each metric's kept points as ``[step, value]`` pairs (non-finite values as None)."""
        return {
            name: [[step, value if math.isfinite(value) else None] for step, value in series]
            for name, series in self._series.items()
        }
