"""The conformance suite's pytest plugin: a live storage target and a results table.

pytest loads it through plugio's ``pytest11`` entry point. It adds:

``--plugio-url=URL``
    The storage the tests in ``plugio_conformance`` (``pytest --pyargs
    plugio_conformance``) run against: ``s3://bucket/prefix``, ``gs://...``,
    ``abfs://...``, a folder, or any fsspec URL. Storage options come from
    ``PLUGIO_*`` environment variables, as ``StorageConfig`` reads them. The
    run works under a fresh sub-prefix, ``plugio-conformance-<12 hex>``, and
    deletes it at the end. Without the option the target is in memory.
``--plugio-without=CAPABILITY``
    A capability the target lacks (``conditional-create``, ``etag``,
    ``consistent-listing``); the tests needing it are skipped. Repeatable.
``--plugio-keep``
    Keep what the run wrote, for inspection.
``--plugio-report``
    Print the results table even without ``--plugio-url``.

With ``--plugio-url`` (or ``--plugio-report``) the end of the run prints one
row per test: its name, its result and the time it took. The plugin does
nothing else unless a test asks for the ``plugio_target`` fixture, so having
plugio installed changes no other test run.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

pytest.register_assert_rewrite("plugio_conformance.abstract")

if TYPE_CHECKING:
    from plugio.storage import DataStore

__all__ = ["CAPABILITIES", "DEFAULT_TARGET_URL", "ConformanceReport", "Target"]

DEFAULT_TARGET_URL = "memory://plugio-conformance"

#: ``--plugio-without`` names and the capability flag each one turns off.
CAPABILITIES = {
    "conditional-create": "supports_conditional_create",
    "etag": "supports_etag",
    "consistent-listing": "listing_is_consistent",
}

_TARGET_KEY = pytest.StashKey["Target"]()


@dataclass(frozen=True)
class Target:
    """The live storage a run works on, and the run's own sub-prefix there."""

    url: str
    store: DataStore
    prefix: str
    without: frozenset[str]

    def fresh_prefix(self) -> str:
        """A prefix no other test of the run uses, under the run's sub-prefix."""
        from plugio.references import join

        return join(self.prefix, uuid.uuid4().hex[:12])


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("plugio-conformance", "plugio conformance suite")
    group.addoption(
        "--plugio-url",
        metavar="URL",
        default=None,
        help="storage URL the plugio_conformance tests run against (default: in memory)",
    )
    group.addoption(
        "--plugio-without",
        action="append",
        default=[],
        choices=sorted(CAPABILITIES),
        help="a capability the target lacks; the tests needing it are skipped",
    )
    group.addoption(
        "--plugio-keep", action="store_true", help="keep what the run wrote on the target"
    )
    group.addoption(
        "--plugio-report",
        action="store_true",
        help="print the conformance results table even without --plugio-url",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("plugio_url") or config.getoption("plugio_report"):
        config.pluginmanager.register(ConformanceReport(config), "plugio-conformance-report")


@pytest.fixture(scope="session")
def plugio_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """The ``--plugio-url`` store and a fresh sub-prefix there, deleted at the end."""
    from plugio.references import join
    from plugio.storage import DataStore

    config = request.config
    url = config.getoption("plugio_url") or DEFAULT_TARGET_URL
    without = set(config.getoption("plugio_without"))
    if url.startswith("memory://"):
        without.add("etag")  # fsspec's memory filesystem keeps no version tags
    store = DataStore.from_url(url)
    prefix = join(url, f"plugio-conformance-{uuid.uuid4().hex[:12]}")
    target = Target(url, store, prefix, frozenset(without))
    config.stash[_TARGET_KEY] = target
    yield target
    if not config.getoption("plugio_keep"):
        store.delete(target.prefix, recursive=True)


@dataclass
class _Row:
    name: str
    result: str = "passed"
    seconds: float = 0.0


class ConformanceReport:
    """Collects every test's result and time; prints them as a table at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        self._rows: dict[str, _Row] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        row = self._rows.setdefault(report.nodeid, _Row(_short_name(report.nodeid)))
        row.seconds += report.duration
        if report.when == "call" or report.outcome != "passed":
            row.result = _result(report)

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        rows = list(self._rows.values())
        terminalreporter.write_sep("=", "plugio conformance")
        target = self._config.stash.get(_TARGET_KEY, None)
        if target is not None:
            kept = "kept" if self._config.getoption("plugio_keep") else "deleted"
            where = f"target: {target.url} (run prefix {target.prefix}, {kept})"
            terminalreporter.write_line(where)
        width = max([len("test"), *(len(row.name) for row in rows)])
        terminalreporter.write_line(f"{'test':<{width}}  {'result':<8}  {'time':>8}")
        for row in rows:
            line = f"{row.name:<{width}}  {row.result:<8}  {row.seconds:>7.3f}s"
            terminalreporter.write_line(line, red=row.result in ("failed", "error"))
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.result] = counts.get(row.result, 0) + 1
        total = sum(row.seconds for row in rows)
        summary = ", ".join(f"{count} {result}" for result, count in sorted(counts.items()))
        terminalreporter.write_line(f"{summary or 'no tests'}; {total:.2f}s in the tests")


def _short_name(nodeid: str) -> str:
    """``TestClass::test_name[param]`` without the file path."""
    path, _, rest = nodeid.partition("::")
    return rest or path


def _result(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return "xpassed" if report.passed else "xfailed"
    if report.when != "call" and report.failed:
        return "error"
    return report.outcome
