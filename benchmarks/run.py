"""plugio side by side with flytekit, s3fs and obstore, on the same servers, in one table.

    python benchmarks/run.py [--quick] [--only SCENARIO ...] [--repeats N] [--write]

Creates (or reuses) one virtual environment per contender under
``.cache/bench-envs/``, starts SeaweedFS on 127.0.0.1 (``tests/servers.py``),
seeds each scenario's data, runs every contender's worker one after another
and prints one row per scenario and backend: plugio's figure, each peer's,
the fastest peer and the ratios (peer time / plugio time: above 1, plugio is
faster), the target and whether it is met. ``--write`` puts the tables, the
date and the machine into BENCHMARKS.md, which says what each scenario
measures. Progress goes to stderr. The exit status is 1 when a contender
failed or returned a wrong result.

``--python PATH`` runs every contender with that interpreter instead of the
environments (a contender whose package does not import there is n/a); the
smoke test uses it.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers

servers.configure_client_environment()

import report  # noqa: E402
from checkpoint_bench import checkpoints  # noqa: E402
from contenders import CONTENDERS, REPO, prepare_envs  # noqa: E402
from scenarios import MIB, QUICK, SCENARIOS, Context, Row, S3Target, Sizes  # noqa: E402

SCENARIOS["checkpoints"] = checkpoints


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_scenarios(ctx: Context, names: Sequence[str]) -> list[Row]:
    """Run the named scenarios in order; their rows."""
    rows: list[Row] = []
    for name in names:
        log(f"running {name} ...")
        started = time.monotonic()
        rows += SCENARIOS[name](ctx)
        log(f"{name} done in {time.monotonic() - started:.0f} s")
    return rows


def configured_s3_client() -> str | None:
    """The default of ``S3Options.client`` in this checkout, if it has that field."""
    from plugio import S3Options

    field = S3Options.model_fields.get("client")
    return None if field is None else str(field.default)


def command(args: argparse.Namespace) -> str:
    """The command line that reproduces this run (without ``--python``)."""
    words = ["python benchmarks/run.py"]
    if args.quick:
        words.append("--quick")
    words += [f"--only {name}" for name in args.only or ()]
    if args.repeats is not None:
        words.append(f"--repeats {args.repeats}")
    return " ".join([*words, "--write"])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 3 repeats")
    parser.add_argument(
        "--only",
        action="append",
        choices=list(SCENARIOS),
        help="run this scenario (repeat the option for several); all of them by default",
    )
    parser.add_argument("--repeats", type=int, help="timed runs per figure (default 7, quick 3)")
    parser.add_argument("--write", action="store_true", help="write the results to BENCHMARKS.md")
    parser.add_argument("--python", help="run every contender with this interpreter, no envs")
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    if args.repeats is not None:
        sizes = dataclasses.replace(sizes, repeats=args.repeats, slow_repeats=args.repeats)
    names = list(dict.fromkeys(args.only)) if args.only else list(SCENARIOS)
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    envs = prepare_envs(args.python, [contender.name for contender in CONTENDERS], log)
    checkout = report.plugio_checkout()  # what plugio's environment was just installed from
    env_seconds = time.monotonic() - started

    with servers.seaweedfs_server() as s3, tempfile.TemporaryDirectory(prefix="bench-") as work:
        target = S3Target(s3.endpoint_url, s3.access_key_id, s3.secret_access_key, s3.bucket)
        ctx = Context(envs, target, sizes, Path(work), uuid.uuid4().hex[:12], log)
        rows = run_scenarios(ctx, names)
    total = time.monotonic() - started
    load_after = os.getloadavg()[0]

    print(
        f"attempts: {sizes.attempts}, files: {sizes.files} x {sizes.file_bytes} B, large file:"
        f" {sizes.large_file // MIB} MiB, values: {sizes.values}; median of"
        f" {sizes.repeats} runs ({sizes.slow_repeats} for the slow figures) after one warm-up"
    )
    print(report.text_report(rows))
    log(f"environments ready in {env_seconds:.0f} s; whole run {total / 60:.1f} min")
    if args.write:
        run_facts = [
            ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
            ("command", command(args)),
            (
                "sizes",
                f"{sizes.attempts} attempts, payloads {sizes.small_payload} B and"
                f" {sizes.large_payload} B, {sizes.files} files of {sizes.file_bytes} B,"
                f" one file of {sizes.large_file // MIB} MiB, {sizes.values} values",
            ),
            (
                "repeats",
                f"median of {sizes.repeats} timed runs after one warm-up; {sizes.slow_repeats}"
                " for the one-by-one status checks and the large file",
            ),
            ("duration", f"{total / 60:.1f} min, of which {env_seconds:.0f} s for environments"),
            ("load average", f"{load_before:.2f} at the start, {load_after:.2f} at the end"),
        ]
        facts = report.machine(
            envs,
            report.weed_version(servers.find_weed()),
            report.s3_client(rows, configured_s3_client()),
            checkout,
        )
        path = REPO / "BENCHMARKS.md"
        report.write_markdown(path, report.markdown_results(rows, facts, run_facts))
        log(f"wrote {path.name}")
    for failure in ctx.failures:
        log(f"FAILED: {failure}")
    return 1 if ctx.failures else 0


if __name__ == "__main__":
    sys.exit(main())
