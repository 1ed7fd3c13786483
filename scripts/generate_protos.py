"""Regenerate the protobuf modules of ``plugio.core`` from their ``.proto`` sources.

Usage::

    python scripts/generate_protos.py           # rewrite plugio/core/_proto/*_pb2.py[i]
    python scripts/generate_protos.py --check   # fail if the committed modules are stale

The compiler is pinned: ``grpcio-tools`` 1.62.3 bundles protoc 25.1, the last
protoc whose Python output is written for the protobuf 4.25 runtime. Later
releases write code for protobuf 5.26 and newer, and recent ones add a
``ValidateProtobufRuntimeVersion`` call that refuses older runtimes at import.
The 25.1 output makes no such check and loads on every runtime the package
accepts (``protobuf>=4.25,<8``).

The pinned tools are used from the running interpreter when it already has
them; otherwise they are installed once into a private virtual environment
under ``<repo>/.cache/protoc`` (or ``--tools-dir``). That environment needs an
interpreter with a ``grpcio-tools`` 1.62.3 wheel (CPython 3.8 to 3.12); from a
newer interpreter the newest of ``python3.12`` down to ``python3.8`` found on
``PATH`` is used. Which interpreter runs protoc does not change its output.

Exit status: 0 success, 1 stale modules (``--check``), 2 usage error, 3 the
pinned compiler could not be obtained.
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

GRPCIO_TOOLS_VERSION = "1.62.3"
PROTOC_VERSION = "25.1"

REPO_ROOT = Path(__file__).resolve().parent.parent
PROTO_PACKAGE = Path("plugio/core/_proto")
DEFAULT_TOOLS_ROOT = REPO_ROOT / ".cache" / "protoc"

EXIT_STALE = 1
EXIT_NO_COMPILER = 3

#: CPython versions with a published grpcio-tools 1.62.3 wheel.
_SUPPORTED_PYTHONS = ((3, 12), (3, 11), (3, 10), (3, 9), (3, 8))

#: protoc's stubs type message-or-dict arguments as a bare ``Mapping``, which
#: ``mypy --strict`` rejects; the stubs are otherwise sound, so only that check
#: is turned off, per file, rather than rewriting what protoc emitted.
STUB_HEADER = '# mypy: disable-error-code="type-arg"\n'


class CompilerUnavailableError(RuntimeError):
    """The pinned protoc could not be found or installed."""


def proto_sources(root: Path = REPO_ROOT) -> list[Path]:
    """Return the ``.proto`` files to compile, relative to ``root``, sorted."""
    return sorted(path.relative_to(root) for path in (root / PROTO_PACKAGE).glob("*.proto"))


def _has_pinned_tools(python: str) -> bool:
    probe = (
        "import sys, importlib.metadata as m, grpc_tools.protoc; "
        f"sys.exit(m.version('grpcio-tools') != {GRPCIO_TOOLS_VERSION!r})"
    )
    result = subprocess.run([python, "-c", probe], capture_output=True, check=False)
    return result.returncode == 0


def _running_interpreter_has_tools() -> bool:
    try:
        return metadata.version("grpcio-tools") == GRPCIO_TOOLS_VERSION
    except metadata.PackageNotFoundError:
        return False


def _base_interpreter() -> str:
    """An interpreter for which grpcio-tools has a wheel, preferring this one."""
    if sys.version_info[:2] in _SUPPORTED_PYTHONS:
        return sys.executable
    for major, minor in _SUPPORTED_PYTHONS:
        found = shutil.which(f"python{major}.{minor}")
        # Version-manager shims exist on PATH even when they cannot run.
        if found and _interpreter_tag(found) == f"py{major}{minor}":
            return found
    wanted = ", ".join(f"{major}.{minor}" for major, minor in _SUPPORTED_PYTHONS)
    raise CompilerUnavailableError(
        f"grpcio-tools {GRPCIO_TOOLS_VERSION} has wheels only for CPython {wanted}; "
        "none was found on PATH"
    )


def _venv_python(env_dir: Path) -> Path:
    if sys.platform == "win32":
        return env_dir / "Scripts" / "python.exe"
    return env_dir / "bin" / "python"


def _interpreter_tag(python: str) -> str | None:
    """``py3XY`` for the interpreter, or None when it does not run."""
    result = subprocess.run(
        [python, "-c", "import sys; print(f'py{sys.version_info[0]}{sys.version_info[1]}')"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() if result.returncode == 0 else None


def _install_tools(base_python: str, env_dir: Path) -> None:
    """Build the tools environment beside ``env_dir`` and move it into place.

    Building elsewhere and renaming keeps a half-installed environment from
    ever being mistaken for a working one.
    """
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{env_dir.name}.", dir=env_dir.parent))
    try:
        subprocess.run(
            [base_python, "-m", "venv", str(staging)],
            capture_output=True,
            text=True,
            check=True,
        )
        subprocess.run(
            [
                str(_venv_python(staging)),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--only-binary=:all:",
                "--retries=1",
                "--timeout=30",
                f"grpcio-tools=={GRPCIO_TOOLS_VERSION}",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        if not env_dir.exists():
            staging.rename(env_dir)
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or exc.stdout or "").strip().splitlines()[-3:]
        raise CompilerUnavailableError(
            f"could not install grpcio-tools {GRPCIO_TOOLS_VERSION}: " + " | ".join(detail)
        ) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def find_compiler_python(tools_dir: Path | None = None) -> str:
    """Return an interpreter that can run the pinned ``grpc_tools.protoc``.

    Raises:
        CompilerUnavailableError: the tools are not installed and installing
            them failed.
    """
    if _running_interpreter_has_tools():
        return sys.executable
    base_python = _base_interpreter()
    root = tools_dir if tools_dir is not None else DEFAULT_TOOLS_ROOT
    tag = _interpreter_tag(base_python)
    if tag is None:
        raise CompilerUnavailableError(f"{base_python} does not run")
    env_dir = root / f"grpcio-tools-{GRPCIO_TOOLS_VERSION}-{tag}"
    python = _venv_python(env_dir)
    if python.exists() and _has_pinned_tools(str(python)):
        return str(python)
    shutil.rmtree(env_dir, ignore_errors=True)
    _install_tools(base_python, env_dir)
    if not _has_pinned_tools(str(python)):
        raise CompilerUnavailableError(f"grpcio-tools environment in {env_dir} does not work")
    return str(python)


def generate(out_dir: Path, python: str, root: Path = REPO_ROOT) -> dict[str, str]:
    """Compile the sources into ``out_dir`` and return generated file name -> text."""
    sources = proto_sources(root)
    if not sources:
        raise FileNotFoundError(f"no .proto files in {root / PROTO_PACKAGE}")
    command = [
        python,
        "-m",
        "grpc_tools.protoc",
        f"--proto_path={root}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        *(source.as_posix() for source in sources),
    ]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"protoc failed:\n{result.stderr.strip()}")
    generated: dict[str, str] = {}
    for path in sorted((out_dir / PROTO_PACKAGE).iterdir()):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".pyi":
            text = STUB_HEADER + text
        generated[path.name] = text
    return generated


def committed_modules(root: Path = REPO_ROOT) -> dict[str, str]:
    """Return the generated files currently in the package: name -> text."""
    package = root / PROTO_PACKAGE
    return {
        path.name: path.read_text(encoding="utf-8")
        for pattern in ("*_pb2.py", "*_pb2.pyi")
        for path in sorted(package.glob(pattern))
    }


def _shorten(line: str, width: int = 120) -> str:
    return line if len(line) <= width else line[: width - 3] + "..."


def differences(expected: dict[str, str], actual: dict[str, str]) -> list[str]:
    """Describe how ``actual`` (committed) differs from ``expected`` (fresh output)."""
    problems: list[str] = []
    for name in sorted(expected.keys() | actual.keys()):
        if name not in actual:
            problems.append(f"{name}: missing")
        elif name not in expected:
            problems.append(f"{name}: no longer generated from any .proto file")
        elif expected[name] != actual[name]:
            diff = difflib.unified_diff(
                actual[name].splitlines(),
                expected[name].splitlines(),
                f"committed/{name}",
                f"generated/{name}",
                lineterm="",
                n=1,
            )
            excerpt = [_shorten(line) for line in list(diff)[:12]]
            problems.append(f"{name}: differs\n" + "\n".join(excerpt))
    return problems


def check(python: str, root: Path = REPO_ROOT) -> list[str]:
    """Regenerate into a temporary directory and compare with the committed files."""
    with tempfile.TemporaryDirectory() as scratch:
        expected = generate(Path(scratch), python, root)
    return differences(expected, committed_modules(root))


def write(python: str, root: Path = REPO_ROOT) -> list[str]:
    """Regenerate in place, removing stale modules; return the names written."""
    with tempfile.TemporaryDirectory() as scratch:
        generated = generate(Path(scratch), python, root)
    package = root / PROTO_PACKAGE
    for stale in committed_modules(root).keys() - generated.keys():
        (package / stale).unlink()
    for name, text in generated.items():
        (package / name).write_text(text, encoding="utf-8", newline="\n")
    return sorted(generated)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare freshly generated modules with the committed ones instead of writing",
    )
    parser.add_argument(
        "--tools-dir",
        type=Path,
        default=None,
        help=f"where to keep the grpcio-tools environment (default: {DEFAULT_TOOLS_ROOT})",
    )
    args = parser.parse_args(argv)
    try:
        python = find_compiler_python(args.tools_dir)
    except CompilerUnavailableError as exc:
        print(f"error: protoc {PROTOC_VERSION} unavailable: {exc}", file=sys.stderr)
        return EXIT_NO_COMPILER
    if args.check:
        problems = check(python)
        if problems:
            print(
                f"error: the modules in {PROTO_PACKAGE} do not match their .proto sources; "
                "run `python scripts/generate_protos.py` and commit the result",
                file=sys.stderr,
            )
            print("\n".join(problems), file=sys.stderr)
            return EXIT_STALE
        print(f"{PROTO_PACKAGE}: generated modules are current (protoc {PROTOC_VERSION})")
        return 0
    for name in write(python):
        print(PROTO_PACKAGE / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
