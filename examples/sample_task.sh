#!/usr/bin/env bash
# One task attempt end to end with the plugio command: create its inputs, run
# it, and look at it the way an engine does. ROOT defaults to a new local
# folder; give a URL instead (s3://bucket/demo, with PLUGIO_S3__* set) and
# nothing else changes.
set -euo pipefail
ROOT="${1:-$(mktemp -d -t plugio-demo-XXXXXX)}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

plugio inputs create "$ROOT/inputs" --set 'text="the quick brown fox jumps over the lazy dog"' --set times=3
plugio run --inputs "$ROOT/inputs" --outputs "$ROOT/attempt-0" --output total --output distinct \
    -- python "$HERE/word_count.py"
plugio status "$ROOT/attempt-0"
plugio inspect "$ROOT/attempt-0/outputs.pb"
plugio logs "$ROOT/attempt-0"
