#!/usr/bin/env bash
# Install everything the tests need, then run every check the project keeps:
# ruff, ruff format, mypy --strict, the import layers (lint-imports) and the
# test suite against real storage servers on 127.0.0.1. Arguments are passed
# to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e '.[test]'
bash scripts/install-test-servers.sh

echo "== ruff check";         ruff check .
echo "== ruff format --check"; ruff format --check .
echo "== mypy --strict";      mypy
echo "== lint-imports";       lint-imports
echo "== pytest";             python -m pytest "$@"
