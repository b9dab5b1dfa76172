"""The command line under attack, as a hostile or careless user would try it: each test injects one attack as
RELIABILITY.md's command-line section lists it, and wants one clean line (exit 2), or the promised output, with no
traceback and nothing else changed."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def environment(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update(LANG="C.UTF-8", PYTHONPATH=str(ROOT / "src"), **extra)
    return env


def glassgpt(*args, timeout=300, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "glassgpt", *args], cwd=ROOT, capture_output=True, text=True,
                          env=environment(), timeout=timeout, **kwargs)


def one_error_line(result) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- Ctrl-C while torch loads, while a mode runs, while Python exits ----------------------------------------------

@pytest.mark.parametrize("delay", [0.3, 1.0, 2.5])
def test_ctrl_c_at_any_moment_is_exit_130_or_done_never_a_traceback(delay):
    """SIGINT at a moment that falls in torch's import, the run or the exit on a 2-core machine (which one
    depends on the machine: every moment must be clean)."""
    child = subprocess.Popen([sys.executable, "-m", "glassgpt", "components", "--preset", "tiny"], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment())
    time.sleep(delay)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=120)
    assert child.returncode in (0, 130), (child.returncode, err)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    if child.returncode == 130:
        assert len(err.strip().splitlines()) <= 1, err


def test_importing_the_cli_does_not_import_torch():
    """The window in which Ctrl-C would escape main() is the import of glassgpt.cli: it holds no torch."""
    code = "import sys, glassgpt.cli; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment())
    assert result.stdout.strip() == "False", result.stderr
