"""Sparklines: the shape of a series in Unicode blocks."""

from __future__ import annotations

import math

import pytest

from plugio.cli._sparkline import sparkline


def test_low_to_high_in_eight_blocks() -> None:
    assert sparkline(range(8)) == "▁▂▃▄▅▆▇█"
    assert sparkline([3, 1, 2]) == "█▁▅"


def test_a_flat_series_is_a_flat_middle_row() -> None:
    assert sparkline([2.5] * 5) == "▄▄▄▄▄"


def test_missing_numbers_are_gaps() -> None:
    assert sparkline([0, math.nan, 1, math.inf]) == "▁ █ "
    assert sparkline([math.nan, math.nan]) == "  "
    assert sparkline([]) == ""


def test_a_long_series_is_averaged_to_the_width_keeping_its_shape() -> None:
    line = sparkline([float(v) for v in range(1000)], width=10)
    assert len(line) == 10
    assert line[0] == "▁"
    assert line[-1] == "█"
    assert list(line) == sorted(line)
    assert sparkline([0, 0, 10, 10], width=2) == "▁█"


def test_the_width_must_be_positive() -> None:
    with pytest.raises(ValueError, match="width must be at least 1"):
        sparkline([1.0], width=0)
