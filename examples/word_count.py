"""A sample task: count the words of its `text` input, `times` over.

Run it under `plugio run`, which hands it PLUGIO_INPUT_DIR (the inputs as
files and inputs.json) and PLUGIO_OUTPUT_DIR (where outputs.json and any
files become the task's outputs).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path


def main() -> None:
    inputs = json.loads((Path(os.environ["PLUGIO_INPUT_DIR"]) / "inputs.json").read_text())
    output_dir = Path(os.environ["PLUGIO_OUTPUT_DIR"])
    words = inputs["text"].split() * int(inputs.get("times", 1))
    counts = Counter(word.lower().strip(".,!?") for word in words)
    print(f"counting {len(words)} words")
    (output_dir / "outputs.json").write_text(
        json.dumps({"total": len(words), "distinct": len(counts)})
    )
    (output_dir / "counts.json").write_text(json.dumps(counts.most_common(), indent=2))
    print("done")


if __name__ == "__main__":
    main()
