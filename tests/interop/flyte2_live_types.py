"""The value types of the live interoperability tests, shared by the tasks Flyte 2's
runtime runs (``flyte2_live_tasks``) and the tests that write and read their values."""

from __future__ import annotations

import dataclasses
import enum

from pydantic import BaseModel


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclasses.dataclass
class Point:
    x: int
    y: float
    label: str = "p"


@dataclasses.dataclass
class Shape:
    name: str
    corners: list[Point]
    color: Color


class Settings(BaseModel):
    name: str
    weights: list[float]
