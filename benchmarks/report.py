"""The results as tables (plain text for the terminal, Markdown for BENCHMARKS.md) and the machine.

Times are medians; rows that move data show throughput (MiB/s) instead. A
ratio is peer time / plugio time: above 1, plugio is faster.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from contenders import CONTENDERS, REPO, Env, describe
from scenarios import MIB, Figure, Row

BEGIN = "<!-- results:begin (written by benchmarks/run.py --write) -->"
END = "<!-- results:end -->"
NAMES = tuple(contender.name for contender in CONTENDERS)


def seconds(value: float) -> str:
    if value < 1:
        return f"{value * 1000:.1f} ms"
    return f"{value:.2f} s"


def rate(bytes_per_second: float) -> str:
    value = bytes_per_second / MIB
    return f"{value:.1f} MiB/s" if value < 10 else f"{value:.0f} MiB/s"


def mib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / MIB:.0f} MiB"


def ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def figure_text(row: Row, figure: Figure | None) -> str:
    """A figure as its row shows it: throughput or time."""
    if figure is None or figure.median is None:
        return "n/a"
    if row.moves_data and figure.throughput is not None:
        return rate(figure.throughput)
    return seconds(figure.median)


def cell(row: Row, contender: str) -> str:
    """The contender's best figure in the row, else why there is none (``n/a``, ``FAILED``)."""
    figure = row.best(contender)
    if figure is not None:
        text = figure_text(row, figure)
        return f"{text} ({figure.variant})" if figure.variant and contender != "plugio" else text
    return "FAILED" if row.problem(contender) == "FAILED" else "n/a"


HEADER = ("scenario", "backend", *NAMES, "best peer", "vs best", "vs flytekit", "target", "met")


def main_rows(rows: Iterable[Row]) -> list[tuple[str, ...]]:
    """The cells of the main table."""
    cells: list[tuple[str, ...]] = []
    for row in rows:
        best = row.best_peer()
        cells.append(
            (
                row.scenario,
                row.backend,
                *(cell(row, name) for name in NAMES),
                best or "n/a",
                ratio(row.ratio(best) if best else None),
                ratio(row.ratio("flytekit")),
                row.target.text or "-",
                row.met() or "-",
            )
        )
    return cells


def rss_rows(rows: Iterable[Row]) -> list[tuple[str, ...]]:
    """Peak RSS of each contender's worker process, for the rows that move data."""
    cells: list[tuple[str, ...]] = []
    for row in rows:
        if row.moves_data:
            figures = [row.best(name) for name in NAMES]
            rss = [mib(figure.peak_rss) if figure else "n/a" for figure in figures]
            cells.append((row.scenario, row.backend, *rss))
    return cells


def detail_rows(rows: Iterable[Row]) -> list[tuple[str, ...]]:
    """Every figure measured: median, spread, runs, peak RSS, and plugio's S3 client."""
    cells: list[tuple[str, ...]] = []
    for row in rows:
        for figure in row.figures:
            if figure.median is None:
                cells.append((row.scenario, row.backend, figure.label, figure.problem or "n/a"))
                continue
            spread = f"{seconds(min(figure.times))} - {seconds(max(figure.times))}"
            extra = f"S3 client: {figure.client}" if figure.client and row.backend == "s3" else ""
            cells.append(
                (
                    row.scenario,
                    row.backend,
                    figure.label,
                    seconds(figure.median),
                    spread,
                    str(len(figure.times)),
                    mib(figure.peak_rss) if figure.peak_rss else "-",
                    extra,
                )
            )
    return cells


DETAIL_HEADER = ("scenario", "backend", "contender", "median", "min - max", "runs", "peak RSS", "")
RSS_HEADER = ("scenario", "backend", *NAMES)


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns aligned with spaces; the first two left-aligned, the rest right-aligned."""
    width = len(header)
    padded = [tuple(row) + ("",) * (width - len(row)) for row in [header, *rows]]
    widths = [max(len(row[column]) for row in padded) for column in range(width)]
    lines = []
    for row in padded:
        cells = [
            text.ljust(size) if column < 2 else text.rjust(size)
            for column, (text, size) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * size for size in widths))
    return "\n".join(lines)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    width = len(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * width]
    for row in rows:
        cells = list(row) + [""] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -- the machine ----------------------------------------------------------------------


def _first(pattern: str, text: str, default: str = "unknown") -> str:
    found = re.search(pattern, text, re.MULTILINE)
    return found.group(1).strip() if found else default


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def plugio_checkout() -> str:
    """The commit of this checkout, and whether plugio's code differs from it (ask at install)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    dirty = git("status", "--porcelain", "--", "plugio", "pyproject.toml")
    return f"checkout {commit}" + (" with uncommitted changes to plugio" if dirty else "")


def machine(
    envs: dict[str, Env], server: str, s3_client: str, checkout: str
) -> list[tuple[str, str]]:
    """What the figures were measured on: hardware, OS, every package version, the server."""
    memory_kib = int(_first(r"^MemTotal:\s+(\d+)", _read("/proc/meminfo"), "0"))
    os_name = _first(r'^PRETTY_NAME="?([^"\n]*)', _read("/etc/os-release"), platform.system())
    facts = [
        ("CPU", _first(r"^model name\s*:\s*(.*)$", _read("/proc/cpuinfo"))),
        ("cores", str(os.cpu_count())),
        ("RAM", f"{memory_kib / 1024 / 1024:.1f} GiB"),
        ("OS", f"{os_name}, Linux {platform.release()}"),
    ]
    pythons = sorted({env.versions["python"] for env in envs.values() if "python" in env.versions})
    facts.append(("Python", ", ".join(pythons) or platform.python_version()))
    for env in envs.values():
        text = describe(env)
        if env.name == "plugio" and env.python is not None:
            text += f" ({checkout})"
        facts.append((f"{env.name} environment", text))
    facts.append(("plugio's S3 client", s3_client))
    facts.append(("server", f"{server} on 127.0.0.1"))
    return facts


def weed_version(weed: str) -> str:
    """``SeaweedFS 4.48`` from ``weed version``."""
    done = subprocess.run([weed, "version"], capture_output=True, text=True, check=False)
    return "SeaweedFS " + _first(r"version\s+\S+\s+(\S+)", done.stdout, done.stdout.strip())


def s3_client(rows: Iterable[Row], configured: str | None) -> str:
    """Which library plugio's store used for S3, as its worker reported it."""
    used = sorted(
        {
            figure.client
            for row in rows
            if row.backend == "s3"
            for figure in row.figures
            if figure.contender == "plugio" and figure.client
        }
    )
    option = (
        f"S3Options(client={configured!r}), the default"
        if configured
        else "no S3Options.client field in this checkout"
    )
    return f"{', '.join(used) or 'not measured'} ({option})"


# -- output ---------------------------------------------------------------------------


def text_report(rows: Sequence[Row]) -> str:
    """Everything printed at the end of a run."""
    parts = [text_table(HEADER, main_rows(rows))]
    rss = rss_rows(rows)
    if rss:
        parts += ["", "peak RSS of the worker process", text_table(RSS_HEADER, rss)]
    parts += ["", "every figure", text_table(DETAIL_HEADER, detail_rows(rows))]
    return "\n".join(parts)


def markdown_results(
    rows: Sequence[Row], facts: Sequence[tuple[str, str]], run: Sequence[tuple[str, str]]
) -> str:
    """The generated part of BENCHMARKS.md: run facts, machine, the tables."""
    parts = [
        "### Run",
        "",
        *(f"- {name}: {value}" for name, value in run),
        "",
        "### Machine",
        "",
        *(f"- {name}: {value}" for name, value in facts),
        "",
        "### Results",
        "",
        "Median of the runs after one warm-up; rows that move data show throughput."
        " Ratios are peer time / plugio time (above 1: plugio is faster).",
        "",
        markdown_table(HEADER, main_rows(rows)),
    ]
    rss = rss_rows(rows)
    if rss:
        parts += ["", "Peak RSS of each worker process (the whole process):", ""]
        parts.append(markdown_table(RSS_HEADER, rss))
    parts += ["", "Every figure measured:", "", markdown_table(DETAIL_HEADER, detail_rows(rows))]
    return "\n".join(parts)


def write_markdown(path: Path, generated: str) -> None:
    """Put ``generated`` between the result markers of ``path`` (a new file gets only that)."""
    block = f"{BEGIN}\n\n{generated}\n\n{END}"
    text = path.read_text() if path.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + block + tail
    else:
        text = (text.rstrip() + "\n\n" if text.strip() else "# Benchmarks\n\n") + block + "\n"
    path.write_text(text)
