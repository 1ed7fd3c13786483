"""Tasks Flyte 2's runtime runs in the live interoperability tests.

Each echoes what it was given, so the test can compare what plugio wrote,
what Flyte 2 read, and what plugio reads back.
"""

from __future__ import annotations

import datetime

import flyte
import flyte.errors
import flyte.report
from flyte2_live_types import Color, Point, Settings, Shape

env = flyte.TaskEnvironment(name="live")


@env.task
def echo_primitives(
    i: int, f: float, s: str, b: bool, when: datetime.datetime, span: datetime.timedelta
) -> tuple[int, float, str, bool, datetime.datetime, datetime.timedelta]:
    return i, f, s, b, when, span


@env.task
def echo_containers(
    items: list[int], table: dict[str, float], nested: list[dict[str, list[str]]]
) -> tuple[list[int], dict[str, float], list[dict[str, list[str]]]]:
    return items, table, nested


@env.task
def echo_classes(
    color: Color, point: Point, shape: Shape, colors: list[Color]
) -> tuple[Color, Point, Shape, list[Color]]:
    return color, point, shape, colors


@env.task
def echo_optional(maybe: int | None, present: str | None) -> tuple[int | None, str | None]:
    return maybe, present


@env.task
def echo_model(settings: Settings) -> Settings:
    return settings


@env.task
def echo_untyped(data: dict) -> dict:  # type: ignore[type-arg]
    return data


@env.task
def fail_plain(i: int) -> int:
    raise ValueError(f"bad value {i}")


@env.task
def fail_non_recoverable(i: int) -> int:
    raise flyte.errors.NonRecoverableError(f"stop at {i}")


@env.task
def fail_system(i: int) -> int:
    raise flyte.errors.RuntimeSystemError("StorageUnavailable", f"store gone at {i}")


@env.task(report=True)
async def with_report(i: int) -> int:
    await flyte.report.replace.aio(f"<h1>Résumé {i}</h1>")
    await flyte.report.flush.aio()
    return i
