"""Write the conformance suite's golden vectors with Flyte's own Python packages.

    python scripts/generate_golden.py [--flyteidl SPEC] [--flytekit SPEC] [--no-flytekit]
                                      [--flyte SPEC] [--only-flyte2]

Creates a throw-away virtual environment in a temporary directory, installs
``flyteidl`` and ``flytekit`` there, and runs
``conformance/golden_producers/produce.py`` inside it: every vector is
encoded by a Flyte package (flyteidl's message classes, or flytekit's type
engine and models written with flytekit's own ``write_proto_to_file``),
decoded back with flyteidl for its JSON, and described. The result replaces
``conformance/plugio_conformance/golden/``. plugio is not used, so the vectors
say what Flyte means. If flytekit cannot be installed, the flyteidl vectors
are written alone and ``golden/index.json`` says why.

Flyte 2's vectors (``flyte2_*``) come from a second environment with ``flyte``
installed: ``conformance/golden_producers/golden_flyte2.py`` runs Flyte 2's own
task runtime, ``a0``, on tasks with known inputs and keeps the files it wrote.
``--only-flyte2`` remakes those alone and keeps every other vector.

The versions are pinned so that a rerun writes the same bytes; pass other
requirements to check newer releases.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "conformance" / "plugio_conformance" / "golden"
PRODUCE = ROOT / "conformance" / "golden_producers" / "produce.py"
FLYTEIDL = "flyteidl==1.16.8"
FLYTEKIT = "flytekit==1.16.31"
FLYTE = "flyte==2.12.1"
PRODUCE_FLYTE2 = ROOT / "conformance" / "golden_producers" / "golden_flyte2.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flyteidl", default=FLYTEIDL, help=f"flyteidl to use ({FLYTEIDL})")
    parser.add_argument("--flytekit", default=FLYTEKIT, help=f"flytekit to use ({FLYTEKIT})")
    parser.add_argument("--no-flytekit", action="store_true", help="use flyteidl alone")
    parser.add_argument("--flyte", default=FLYTE, help=f"Flyte 2's SDK to use ({FLYTE})")
    parser.add_argument("--only-flyte2", action="store_true", help="remake Flyte 2's vectors alone")
    args = parser.parse_args()
    if args.only_flyte2:
        with tempfile.TemporaryDirectory(prefix="plugio-golden-") as tmp:
            flyte2 = produce_flyte2(Path(tmp), args.flyte)
            merge_flyte2(GOLDEN, flyte2)
        return report()
    with tempfile.TemporaryDirectory(prefix="plugio-golden-") as tmp:
        python = make_venv(Path(tmp) / "venv")
        if not pip_install(python, args.flyteidl):
            raise SystemExit(f"pip could not install {args.flyteidl}")
        missing = "not asked for (--no-flytekit)" if args.no_flytekit else ""
        if not missing and not pip_install(python, args.flytekit):
            missing = f"pip could not install {args.flytekit}"
            print(f"{missing}: writing the flyteidl vectors alone", file=sys.stderr)
        out = Path(tmp) / "golden"
        out.mkdir()
        command = [str(python), str(PRODUCE), str(out), "--flytekit-missing", missing]
        subprocess.run(command, check=True)
        merge_flyte2(out, produce_flyte2(Path(tmp), args.flyte))
        keep_unchanged(GOLDEN, out)
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(out, GOLDEN)
    return report()


def report() -> int:
    index = json.loads((GOLDEN / "index.json").read_text())
    print(f"wrote {len(index['vectors'])} vectors: {index['producers']}")
    return 0


def produce_flyte2(tmp: Path, requirement: str) -> Path:
    """Run Flyte 2's producer in an environment of its own; the folder it wrote."""
    python = make_venv(tmp / "venv-flyte2")
    if not pip_install(python, requirement):
        raise SystemExit(f"pip could not install {requirement}")
    out = tmp / "golden-flyte2"
    subprocess.run([str(python), str(PRODUCE_FLYTE2), str(out)], check=True)
    return out


def merge_flyte2(golden: Path, flyte2: Path) -> None:
    """Replace the ``flyte2_*`` files of ``golden`` with those made, and index them."""
    for old in golden.glob("flyte2_*"):
        old.unlink()
    summary = json.loads((flyte2 / "flyte2.json").read_text())
    for made in flyte2.glob("flyte2_*"):
        shutil.copyfile(made, golden / made.name)
    index = json.loads((golden / "index.json").read_text())
    index["producers"].update(summary["producers"])
    vectors = {k: v for k, v in index["vectors"].items() if not k.startswith("flyte2_")}
    index["vectors"] = dict(sorted({**vectors, **summary["vectors"]}.items()))
    index["files"] = summary["files"]
    (golden / "index.json").write_text(json.dumps(index, indent=2) + "\n")


def keep_unchanged(old: Path, new: Path) -> None:
    """Keep the old bytes of every vector whose description and decoded value are unchanged.

    flytekit writes map entries in hash-table order, which differs from run to
    run; the old file then means the same, and keeping it keeps reruns quiet.
    """
    for described in new.glob("*.json"):
        encoded = described.with_suffix(".pb")
        if not (old / described.name).is_file() or not (old / encoded.name).is_file():
            continue
        before, after = (json.loads(path.read_text()) for path in (old / described.name, described))
        before.pop("canonical", None)  # whether the bytes happen to be sorted
        after.pop("canonical", None)
        if before == after:
            shutil.copyfile(old / encoded.name, encoded)
            shutil.copyfile(old / described.name, described)


def make_venv(path: Path) -> Path:
    """A fresh virtual environment with pip at ``path``; its Python."""
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path / ("Scripts" if sys.platform == "win32" else "bin") / "python"


def pip_install(python: Path, requirement: str) -> bool:
    """Whether pip installed ``requirement`` into the environment of ``python``."""
    command = [str(python), "-m", "pip", "install", "--quiet", requirement]
    return subprocess.run(command, check=False).returncode == 0


if __name__ == "__main__":
    sys.exit(main())
