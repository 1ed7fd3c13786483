"""A task container's first moments with flytekit: import it, read ``inputs.pb``, exit.

    python flytekit_inputs.py INPUT_PREFIX LITERALS SANDBOX RAW_OUTPUT_PREFIX

As flytekit's task entrypoint does: a ``FileAccessProvider`` (storage settings
from the environment, ``FLYTE_AWS_ENDPOINT`` and the keys) downloads the file
with ``get_data``, then ``load_proto_from_file`` and
``LiteralMap.from_flyte_idl`` read it. Exits non-zero unless the inputs hold
``LITERALS`` values. Run by ``benchmarks/run.py`` in a new process each time.
"""

from __future__ import annotations

import os
import sys

from flyteidl.core import literals_pb2
from flytekit.core.data_persistence import FileAccessProvider  # type: ignore[import-not-found]
from flytekit.core.utils import load_proto_from_file  # type: ignore[import-not-found]
from flytekit.models.literals import LiteralMap  # type: ignore[import-not-found]


def main() -> None:
    prefix, count, sandbox, raw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    provider = FileAccessProvider(local_sandbox_dir=sandbox, raw_output_prefix=raw)
    local = os.path.join(sandbox, "inputs.pb")
    provider.get_data(f"{prefix}/inputs.pb", local)
    inputs = LiteralMap.from_flyte_idl(load_proto_from_file(literals_pb2.LiteralMap, local))
    if len(inputs.literals) != count:
        sys.exit(f"expected {count} inputs, read {len(inputs.literals)}")


if __name__ == "__main__":
    main()
