"""A task container's first moments with plugio: import it, read ``inputs.pb``, exit.

    python plugio_inputs.py INPUT_PREFIX LITERALS

Storage settings come from the environment (``PLUGIO_S3__ENDPOINT_URL`` and the
keys), as in a container. Exits non-zero unless the inputs hold ``LITERALS``
values. Run by ``benchmarks/run.py`` in a new process each time.
"""

from __future__ import annotations

import sys

from plugio import DataStore
from plugio.paths import InputPaths
from plugio.readers import RemoteFileInputReader


def main() -> None:
    prefix, count = sys.argv[1], int(sys.argv[2])
    store = DataStore()
    inputs = RemoteFileInputReader(store, InputPaths(store, prefix)).get()
    if len(inputs.literals) != count:
        sys.exit(f"expected {count} inputs, read {len(inputs.literals)}")


if __name__ == "__main__":
    main()
