"""The conformance guide's example reader passes the suite as the guide writes it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

GUIDE = Path(__file__).resolve().parents[2] / "conformance" / "README.md"
EXAMPLES = re.findall(
    r"<!-- conformance-example: (\S+) -->\n```python\n(.*?)```", GUIDE.read_text(), re.S
)


def test_the_guides_reader_passes_the_output_reader_suite(pytester: pytest.Pytester) -> None:
    assert [name for name, _ in EXAMPLES] == ["jobs_reader.py", "test_jobs_reader.py"]
    for name, source in EXAMPLES:
        (pytester.path / name).write_text(source)
    pytester.syspathinsert()
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest", "-rs")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == outcomes.get("errors", 0) == 0, result.stdout.str()
    assert outcomes["passed"] >= 20
    result.stdout.fnmatch_lines(["*is_file_backed is false*"])
