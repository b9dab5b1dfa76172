"""The CLI through its real entry points (subprocess), in both languages, and its message table."""

import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from glassgpt.cli.messages import MESSAGES

ROOT = Path(__file__).resolve().parents[1]


def run(*args, lang=None, entry=("model.py",)):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env["LANG"] = "zh_CN.UTF-8" if lang == "zh" else "C.UTF-8"
    return subprocess.run([sys.executable, *entry, *args], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.mark.parametrize("mode", ["components", "full", "params"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_course_commands_exit_0(mode, lang):
    result = run("--mode", mode, lang=lang)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    has_chinese = bool(re.search(r"[\u4e00-\u9fff]", result.stdout))
    assert has_chinese == (lang == "zh")


def test_mode_as_word_equals_mode_option_and_console_script():
    by_option = run("--mode", "params", "--preset", "gpt2")
    by_word = run("params", "--preset", "gpt2", entry=("-m", "glassgpt"))
    assert by_option.returncode == by_word.returncode == 0
    assert by_option.stdout == by_word.stdout
    assert "124,439,808" in by_option.stdout  # GPT-2 small's published total


def test_lang_option_beats_the_locale():
    assert re.search(r"[\u4e00-\u9fff]", run("params", "--lang", "zh", lang="en").stdout)
    assert not re.search(r"[\u4e00-\u9fff]", run("params", "--lang", "en", lang="zh").stdout)


@pytest.mark.parametrize("args, needle", [
    (["--n-head", "5"], "n_head"),
    (["bogus"], "bogus"),
    (["--foo"], "--foo"),
    (["--preset", "gpt5"], "gpt5"),
    (["--n-layer", "x"], "n-layer"),
    (["--dropout", "1.5"], "dropout"),
    (["full", "extra"], "extra"),
    (["--checkpoint", "/nonexistent/dir"], "/nonexistent/dir"),
])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bad_options_exit_2_with_one_line(args, needle, lang):
    result = run(*args, lang=lang)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr
