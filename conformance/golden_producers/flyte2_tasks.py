"""Tasks Flyte 2's runtime (``a0``) runs to write the Flyte 2 golden vectors.

Imported by ``a0`` from ``PYTHONPATH``, inside an environment with ``flyte``
installed; plugio is not used. Each task is one vector's producer.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum

import flyte
import flyte.errors
import flyte.report

env = flyte.TaskEnvironment(name="golden")


class Color(enum.Enum):
    """Values differ from names, so a reader sees which of the two was written."""

    RED = "red"
    GREEN = "green"


@dataclasses.dataclass
class Point:
    x: int
    y: float
    label: str = "p"


@env.task
def primitives(
    i: int, f: float, s: str, b: bool, when: datetime.datetime, span: datetime.timedelta
) -> tuple[int, float, str, bool, datetime.datetime, datetime.timedelta]:
    return i + 1, f * 2, s + "!", not b, when, span


@env.task
def collections(items: list[int], table: dict[str, float]) -> tuple[list[int], dict[str, float]]:
    return [item * 2 for item in items], {key: value / 2 for key, value in table.items()}


@env.task
def enum_and_dataclass(color: Color, point: Point) -> tuple[Color, Point, list[Point]]:
    other = Color.GREEN if color is Color.RED else Color.RED
    moved = Point(point.x + 1, point.y * 2, point.label + "!")
    return other, moved, [point, moved]


@env.task
def optional(value: int | None) -> int | None:
    return None if value is None else value + 1


@env.task
def user_error(value: int) -> int:
    raise ValueError(f"bad value {value}")


@env.task
def user_error_non_recoverable(value: int) -> int:
    raise flyte.errors.NonRecoverableError(f"stop at {value}")


@env.task
def system_error(value: int) -> int:
    raise flyte.errors.RuntimeSystemError("StorageUnavailable", f"store gone at {value}")


@env.task
def output_conversion_error(value: int) -> int:
    return "not an int"  # type: ignore[return-value]


@env.task(report=True)
async def report(value: int) -> int:
    await flyte.report.replace.aio(f"<h1>Résumé {value}</h1>")
    await flyte.report.flush.aio()
    return value
