"""`glassgpt check FILE` through its real entry point (`python model.py ...`), in English and Chinese: exit 0 when
every check passes, 1 when one fails (a loop stopped by --timeout included), 2 with one line on stderr for a file
that cannot be loaded or a bad option; never a traceback, never a hang.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORRECT = ROOT / "tests" / "learners" / "correct.py"


def run(*args, lang="en"):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env["LANG"] = "zh_CN.UTF-8" if lang == "zh" else "C.UTF-8"
    return subprocess.run([sys.executable, "model.py", *args], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=300)


def has_chinese(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


def correct_with(folder: Path, old: str, new: str) -> Path:
    text = CORRECT.read_text(encoding="utf-8")
    assert old in text
    path = folder / "learner.py"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_a_correct_file_exits_0_in_english():
    result = run("check", "tests/learners/correct.py")
    assert (result.returncode, result.stderr) == (0, "")
    assert not has_chinese(result.stdout)
    assert "FAIL" not in result.stdout and "25 checks: 25 passed" in result.stdout


def test_nanogpt_names_exit_0_in_chinese_and_the_learners_print_stays_out():
    result = run("--mode", "check", "tests/learners/nanogpt_names.py", lang="zh")
    assert (result.returncode, result.stderr) == (0, "")
    assert has_chinese(result.stdout) and "number of parameters" not in result.stdout


def test_the_exercise_exits_1_with_each_part_not_written_yet():
    result = run("check", "exercises/model_exercise.py")
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.count("not written yet:") == 5 and "Traceback" not in result.stdout


def test_a_mistake_exits_1_naming_class_and_line_in_chinese(tmp_path):
    path = correct_with(tmp_path, " * (1.0 / math.sqrt(hs))", "")
    lines = path.read_text(encoding="utf-8").splitlines()
    forward = 1 + lines.index("    def forward(self, x):", lines.index("class CausalSelfAttention(nn.Module):"))
    result = run("check", str(path), lang="zh")
    assert (result.returncode, result.stderr) == (1, "")
    assert "失败" in result.stdout and "sqrt(head_size) = sqrt(8)" in result.stdout
    assert f"CausalSelfAttention.forward，第 {forward} 行" in result.stdout


def test_an_endless_loop_in_forward_exits_1_naming_the_line_within_the_time_limit(tmp_path):
    # a loop that sleeps: the same to the time limit as a busy one (tests/test_checker_sandbox.py has that), and
    # it leaves the CPU to the other tests
    path = correct_with(tmp_path, "        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))\n",
                        "        while True:\n            time.sleep(0.01)\n")
    path.write_text("import time\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    result = run("check", str(path), "--timeout", "4")
    assert (result.returncode, result.stderr) == (1, "")
    assert "still running after 4 s" in result.stdout and "MLP.forward, line" in result.stdout
    assert "| time.sleep(0.01)" in result.stdout


UNLOADABLE = {
    "syntax error": ("class GPT(:\n    pass\n", "syntax error"),
    "import error": ("import torch\nimport no_such_module_for_glassgpt\n", "导入时抛出了"),
    "loop at import": ("import time\nwhile True:\n    time.sleep(0.01)\n", "导入它超过了时间限制 2 秒"),
}


@pytest.mark.parametrize("name", list(UNLOADABLE))
def test_a_file_that_cannot_be_loaded_exits_2_with_one_line(tmp_path, name):
    text, words = UNLOADABLE[name]
    path = tmp_path / "learner.py"
    path.write_text(text, encoding="utf-8")
    lang = "zh" if has_chinese(words) else "en"
    result = run("check", str(path), "--timeout", "2", lang=lang)
    assert (result.returncode, result.stdout) == (2, "")
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and words in lines[0], result.stderr


@pytest.mark.parametrize("args, words", [
    ((), "FILE"),
    (("tests/learners/correct.py", "--timeout", "0"), "positive number of seconds, got 0.0"),
])
def test_bad_arguments_exit_2_with_one_line(args, words):
    result = run("check", *args)
    assert (result.returncode, result.stdout) == (2, "")
    assert len(result.stderr.strip().splitlines()) == 1 and words in result.stderr, result.stderr
