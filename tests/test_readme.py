"""The READMEs' Python runs as written: every ```python block of README.md and README.zh-CN.md, pasted into a
fresh interpreter in an empty folder, offline, runs to its last line."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
READMES = ("README.md", "README.zh-CN.md")
BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def python_blocks():
    """(readme, first line number, code) for every ```python block."""
    for name in READMES:
        text = (ROOT / name).read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 2  # the block's first line of code
            yield pytest.param(name, line, match[1], id=f"{name}:{line}")


def test_each_readme_has_python_to_run():
    assert {readme for readme, _, _ in (p.values for p in python_blocks())} == set(READMES)


@pytest.mark.parametrize("readme, line, code", list(python_blocks()))
def test_readme_python_runs_as_written(readme, line, code, tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONIOENCODING": "utf-8",
           "PYTHONPATH": str(ROOT / "src")}  # this checkout's glassgpt, installed or not; never the network
    # a marker after the block's last line: the block ran to its end, not just without a visible error
    script = code + "\nprint('README BLOCK RAN TO THE END')\n"
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0 and "README BLOCK RAN TO THE END" in result.stdout, (
        f"{readme}, the block at line {line}, stopped:\n{result.stderr[-3000:]}")
