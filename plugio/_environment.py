"""The one reader of ``PLUGIO_*`` settings: arguments merged over the environment.

Names are case-insensitive; ``__`` separates a section from its field
(``PLUGIO_S3__REGION``); ``null`` stands for None; a whole section or mapping
may be one JSON object (``PLUGIO_RETRY='{"max_attempts": 2}'``), and the
section's own variables (``PLUGIO_RETRY__MULTIPLIER``) win over its keys.
Arguments are merged over the environment key by key. Each value keeps the name
it came by, a variable or an argument path, so that an error can name it; no
message made here ever holds a value, which may be a credential.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from plugio.errors import ConfigurationError, ConfigurationWarning

__all__ = ["PREFIX", "Gathered", "gather", "switch", "warn_misspelt"]

PREFIX = "PLUGIO_"
NULL = "null"
NESTED = "__"
#: The origin of a value given as an argument: it is named by its path.
_ARGUMENT = ""
#: ``PLUGIO_*`` variables other parts of plugio read: never a misspelt setting.
_READ_ELSEWHERE = frozenset(
    {
        "input_dir",
        "output_dir",
        "checkpoint_dir",
        "raw_output_prefix",
        "metrics",
        "run_grace_period",
        "service_token",
        "service_stream",
        "run_service",
        "tune_malloc",
    }
)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
#: Sections of ``PLUGIO_*`` that other settings classes read (``StreamPolicy``,
#: ``ServicePolicy``, ``plugio run``).
_SECTIONS_ELSEWHERE = frozenset({"stream", "service", "run"})


@dataclass
class Gathered:
    """Settings as given, not yet checked: nested values, and where each came from.

    Attributes:
        values: top-level name -> the section's (or mapping's) values.
        origins: path of a value -> the variable that set it, or ``""`` for an
            argument. A value inside a JSON variable is found under a prefix of
            its path.
        unknown: ``PLUGIO_*`` variables that name no section asked for.
    """

    values: dict[str, Any] = field(default_factory=dict, repr=False)
    origins: dict[tuple[str, ...], str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)

    def name(self, path: tuple[str, ...], renamed: str | None = None) -> str:
        """How to name the setting at ``path`` to a person: its variable or its argument path.

        With ``renamed``, the name the same place would have with its last part
        replaced (the suggestion for a misspelt field).
        """
        target = path if renamed is None else (*path[:-1], renamed)
        for end in range(len(path), 0, -1):
            origin = self.origins.get(path[:end])
            if origin is None:
                continue
            if origin == _ARGUMENT:
                break
            if end < len(path):
                return f"{origin} ({'.'.join(target[end:])})"
            return origin if renamed is None else PREFIX + NESTED.join(target).upper()
        else:
            deeper = [v for p, v in self.origins.items() if p[: len(path)] == path and v]
            if deeper:  # a variable that nests below a plain field
                return deeper[0]
        return ".".join(target)


def gather(
    sections: Collection[str],
    arguments: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    *,
    plain: Collection[str] = (),
) -> Gathered:
    """The values ``arguments`` and ``PLUGIO_*`` variables give the top-level ``sections``.

    A top-level name in ``plain`` is one setting, as raw text (``PLUGIO_FLYTE``);
    any other is a section or a mapping: given whole as JSON (``PLUGIO_S3``) or
    key by key (``PLUGIO_S3__REGION``, raw text). Values are not checked here,
    except that a whole section must be a JSON object and a setting must not be
    given twice by names differing only in case.
    """
    gathered = Gathered()
    found: list[tuple[tuple[str, ...], str, str]] = []
    for name, text in (os.environ if environ is None else environ).items():
        if not name.upper().startswith(PREFIX):
            continue
        path = tuple(name[len(PREFIX) :].lower().split(NESTED))
        if path[0] in sections and all(path):
            found.append((path, name, text))
        else:
            gathered.unknown.append(name)
    seen: dict[tuple[str, ...], str] = {}
    # A whole section first, then its fields over it.
    for path, name, text in sorted(found, key=lambda item: (len(item[0]), item[1])):
        if path in seen:
            raise ConfigurationError(f"{seen[path]} and {name} set the same setting; keep one")
        seen[path] = name
        whole = len(path) == 1 and path[0] not in plain
        value = _json_object(name, text) if whole else None if text == NULL else text
        _put(gathered.values, path, value)
        gathered.origins[path] = name
    for key, value in arguments.items():
        _merge_argument(gathered, gathered.values, (), key, value)
    return gathered


def switch(setting: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    """The plain setting ``PLUGIO_<setting>`` as a switch; ``default`` when unset or empty.

    Raises:
        ConfigurationError: The variable is not one of 1/true/yes/on or
            0/false/no/off (any case); the message names it.
    """
    found = gather({setting}, {}, environ, plain={setting})
    value = str(found.values.get(setting) or "").strip().lower()
    if not value:
        return default
    if value in _TRUE or value in _FALSE:
        return value in _TRUE
    name = found.name((setting,))
    raise ConfigurationError(f"{name} must be one of 1, true, yes, on, 0, false, no, off")


def warn_misspelt(unknown: Iterable[str], settings: Collection[str]) -> None:
    """Warn of each ``unknown`` variable, naming the closest of ``settings`` when one is close.

    Variables other parts of plugio read (``PLUGIO_INPUT_DIR``, the
    ``PLUGIO_STREAM__*`` section, ...) are not unknown. No warning holds a value.
    """
    import difflib
    import warnings

    suffixes = [setting[len(PREFIX) :] for setting in settings]
    for name in unknown:
        suffix = name[len(PREFIX) :].upper()
        top = suffix.split(NESTED)[0].lower()
        if top in _READ_ELSEWHERE or top in _SECTIONS_ELSEWHERE:
            continue
        close = difflib.get_close_matches(suffix, suffixes, n=1, cutoff=0.6)
        hint = f"; did you mean {PREFIX}{close[0]}?" if close else ""
        warnings.warn(
            f"{name} is not a plugio setting and is ignored{hint}",
            ConfigurationWarning,
            stacklevel=3,
        )


def _json_object(name: str, text: str) -> dict[str, Any]:
    import json

    problem = ""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        # Only where the text breaks off: the message would quote none of it,
        # but the exception holds the whole document.
        problem = f"not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})"
    else:
        if isinstance(value, dict):
            return value
        problem = "must be a JSON object"
    raise ConfigurationError(f"{name}: {problem}")


def _put(values: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        inner = values.get(key)
        if not isinstance(inner, dict):
            inner = values[key] = {}
        values = inner
    values[path[-1]] = value


def _merge_argument(
    gathered: Gathered, values: dict[str, Any], path: tuple[str, ...], key: Any, value: Any
) -> None:
    here = (*path, str(key))
    current = values.get(key)
    if isinstance(value, Mapping) and isinstance(current, dict):
        for inner_key, inner in value.items():
            _merge_argument(gathered, current, here, inner_key, inner)
        return
    values[key] = value
    for covered in [p for p in gathered.origins if p[: len(here)] == here]:
        del gathered.origins[covered]
    gathered.origins[here] = _ARGUMENT
