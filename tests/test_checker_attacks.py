"""The checker's verdict cannot be written by the learner's file: each attack of the second hostile probe, injected
as it was written, ends in a failed check (exit 1) or one line (exit 2) within its time limit plus a few seconds,
never in "Every check passes" for a GPT that is not written.

Each case starts one child process (a second or two for torch to import); RELIABILITY.md lists them.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from glassgpt import GlassGPTError
from glassgpt.checker import Status, check_file
from glassgpt.checker import grader

ROOT = Path(__file__).resolve().parents[1]
CORRECT = (ROOT / "tests" / "learners" / "correct.py").read_text(encoding="utf-8")
EXERCISE = (ROOT / "exercises" / "model_exercise.py").read_text(encoding="utf-8")
MLP_FORWARD = "        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))\n"
SCALE = "        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))  # (B, nh, T, T)\n"
MASK = '        att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))\n'

# the old protocol's events, written to every descriptor the process has, then an exit before anything is checked
FORGED_EVENTS = '''
import json as _json, os as _os
for _fd in range(0, 1024):
    for _event in ({"event": "clock"}, {"event": "imported"},
                   {"event": "finding", "part": "GPT", "role": "gpt", "check": "build", "status": "pass",
                    "notes": []},
                   {"event": "done"}):
        try:
            _os.write(_fd, (_json.dumps(_event) + "\\n").encode())
        except OSError:
            pass
_os._exit(0)
'''
# well-formed replies of the checker's own protocol, for every number a reply could name, written ahead
FORGED_FRAMES = '''
import os as _os
from glassgpt.checker.protocol import encode as _encode
_classes = {"layer_norm": None, "attention": None, "mlp": None, "block": None, "gpt": None}
for _fd in range(3, 1024):
    for _id in range(0, 64):
        try:
            _os.write(_fd, _encode({"id": _id, "pid": _os.getpid(),
                                    "reply": {"missing": None, "classes": _classes}}))
        except OSError:
            pass
_os._exit(0)
'''
JUNK = '''
import os as _os
for _fd in range(3, 1024):
    try:
        _os.write(_fd, b"junk\\n")
    except OSError:
        pass
'''


def write(folder: Path, text: str, name: str = "learner.py") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def correct_with(folder: Path, *replacements: tuple[str, str], head: str = "") -> Path:
    text = CORRECT
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    return write(folder, head + text)


def run(*args, timeout=300):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env["LANG"] = "C.UTF-8"
    started = time.monotonic()
    result = subprocess.run([sys.executable, "model.py", *args], cwd=ROOT, capture_output=True, text=True,
                            env=env, timeout=timeout)
    return result, time.monotonic() - started


def assert_clean_failure(result):
    """Exit 1 with a report that does not pass, or exit 2 with one line: never a pass, never a traceback."""
    assert result.returncode in (1, 2), (result.returncode, result.stdout[-500:], result.stderr)
    assert "Every check passes" not in result.stdout and "Traceback" not in result.stdout + result.stderr
    if result.returncode == 2:
        assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == "", result.stderr


@pytest.mark.parametrize("forgery", [FORGED_EVENTS, FORGED_FRAMES], ids=["old events", "own frames"])
def test_an_exercise_that_writes_a_verdict_to_every_descriptor_and_exits_does_not_pass(tmp_path, forgery):
    """Every method still a TODO, plus lines that write "imported / finding pass / done" (or well-formed replies of
    the checker's own protocol) to every open descriptor, then os._exit(0)."""
    path = write(tmp_path, EXERCISE.replace("\nimport math\n", forgery + "\nimport math\n", 1))
    result, _ = run("check", str(path), "--timeout", "20")
    assert_clean_failure(result)
    assert "2 checks: 2 passed" not in result.stdout


def test_a_file_that_makes_torch_lie_to_the_comparisons_still_fails(tmp_path):
    """No attention scale and no mask, plus torch.Tensor.abs made to return zeros: the comparisons are made in
    another process, whose torch the file never touched."""
    path = correct_with(tmp_path, (SCALE, "        att = q @ k.transpose(-2, -1)\n"), (MASK, ""),
                        head="import torch\ntorch.Tensor.abs = lambda self: torch.zeros_like(self)\n")
    report = check_file(path, timeout=60)
    failed = {(f.role, f.check): [n.key for n in f.notes] for f in report.findings if f.status != Status.PASS}
    assert not report.passed
    assert failed[("attention", "causal")] == ["causal"]
    assert failed[("attention", "reference")] == ["attention.scale.none", "attention.mask.none"]


SUBCLASSES = '''import glassgpt.model as glass
from glassgpt import GPTConfig


class CausalSelfAttention(glass.CausalSelfAttention):
    pass


class MLP(glass.MLP):
    pass


class TransformerBlock(glass.TransformerBlock):
    pass


class GPT(glass.GPT):
    pass
'''


@pytest.mark.parametrize("how", ["subclassed", "imported"])
def test_glassgpts_own_classes_are_named_as_such_never_passed(tmp_path, how):
    text = SUBCLASSES if how == "subclassed" else \
        "from glassgpt import GPT, CausalSelfAttention, GPTConfig, MLP, TransformerBlock\n"
    report = grader.grade_file(write(tmp_path, text))
    builds = [(f.part, f.status, f.notes[0].key, f.notes[0].fields) for f in report.findings if f.check == "build"]
    key = "glassgpt.subclass" if how == "subclassed" else "glassgpt.class"
    assert builds == [(name, Status.FAIL, key, {"name": name, "base": name})
                      for name in ("CausalSelfAttention", "MLP", "TransformerBlock", "GPT")]
    assert not report.passed and {f.status for f in report.findings if f.check != "build"} == {Status.SKIP}


def test_a_block_holding_glassgpts_attention_is_named_as_such(tmp_path):
    path = correct_with(tmp_path, ("        self.attn = CausalSelfAttention(config)\n",
                                   "        import glassgpt.model\n        self.attn = glassgpt.model.CausalSelfAttention("
                                   "glassgpt.GPTConfig(**{k: getattr(config, k) for k in ('vocab_size', 'block_size', "
                                   "'n_layer', 'n_head', 'n_embd', 'dropout', 'bias')}))\n"), head="import glassgpt\n")
    report = grader.grade_file(path)
    block = next(f for f in report.findings if (f.role, f.check) == ("block", "build"))
    assert block.status == Status.FAIL and block.notes[0].key == "glassgpt.part"
    assert block.notes[0].fields == {"name": "TransformerBlock", "path": "attn", "base": "CausalSelfAttention"}


def test_junk_on_the_pipe_at_import_is_one_line_and_during_a_check_is_a_failed_check(tmp_path):
    result, _ = run("check", str(write(tmp_path, JUNK + CORRECT)))
    assert_clean_failure(result)
    assert result.returncode == 2 and "not an answer" in result.stderr
    junk_in_forward = "".join("        " + line + "\n" for line in JUNK.strip().splitlines())
    report = check_file(correct_with(tmp_path, (MLP_FORWARD, junk_in_forward + MLP_FORWARD)))
    last = report.findings[-1]
    assert (last.part, last.check, last.status, last.notes[0].key) == ("MLP", "shapes", Status.FAIL, "garbled")
    assert not report.passed


def test_a_sleeping_grandchild_delays_nothing_and_is_stopped_with_the_child(tmp_path):
    """A correct file that forks at import, the grandchild sleeping a minute with the pipe open: `check --timeout 5`
    passes in about the time of a plain check (it took 64 s when the checker waited for the end of the pipe), and
    the grandchild is killed with the child's process group."""
    mark = tmp_path / "grandchild.pid"
    head = (f"import os, time\nif os.fork() == 0:\n    open({str(mark)!r}, 'w').write(str(os.getpid()))\n"
            "    time.sleep(60)\n    os._exit(0)\n")
    result, seconds = run("check", str(write(tmp_path, head + CORRECT)), "--timeout", "5")
    assert (result.returncode, result.stderr) == (0, "") and "25 checks: 25 passed" in result.stdout
    assert seconds < 5 + 25  # torch's import in two processes, under load; not the grandchild's minute
    pid = int(mark.read_text())
    for _ in range(50):  # killed: gone, or a zombie waiting for init
        status = Path(f"/proc/{pid}/status")
        if not status.exists() or re.search(r"State:\s+Z", status.read_text()):
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"the grandchild {pid} still runs")


def test_a_fork_then_exit_during_a_check_is_an_exit_not_an_endless_loop(tmp_path):
    fork = "        import os\n        if os.fork() != 0:\n            os._exit(0)\n"
    started = time.monotonic()
    report = check_file(correct_with(tmp_path, (MLP_FORWARD, fork + MLP_FORWARD)), timeout=20)
    last = report.findings[-1]
    assert (last.part, last.check, last.status) == ("MLP", "shapes", Status.FAIL)
    assert (last.notes[0].key, last.notes[0].fields) == ("exited", {"status": 0})
    assert time.monotonic() - started < 20  # said when it happened, not at the time limit


def test_a_time_limit_too_short_for_any_code_says_the_code_ran_out_of_time():
    """`--timeout 1e-300` once said the child "could not start": the limit starts with the learner's code, which
    runs out of it during the import (exit 2) or, when the import beats the child's watchdog, at the first check
    (exit 1)."""
    result, _ = run("check", "tests/learners/correct.py", "--timeout", "1e-300")
    assert_clean_failure(result)
    said = result.stderr if result.returncode == 2 else result.stdout
    assert "after 1e-300 s" in said and "could not start" not in said
    try:
        report = check_file(ROOT / "tests" / "learners" / "correct.py", timeout=1e-300)
    except GlassGPTError as error:
        assert error.key == "learner_import_timeout" and error.fields["seconds"] == 1e-300
    else:
        last = report.findings[-1]
        assert len(report.findings) == 1 and last.status == Status.FAIL
        assert (last.notes[0].key, last.notes[0].fields) == ("timeout", {"seconds": 1e-300})


class Corrupting:
    """The runner in this process, with reply number `target` replaced by `junk`: what a learner's code could
    write in the child's place."""

    def __init__(self, file: Path, target: int, junk):
        from glassgpt.checker.learner import LocalChannel

        self.channel, self.target, self.junk, self.count = LocalChannel(file, 1337), target, junk, 0

    def request(self, op, **args):
        reply = self.channel.request(op, **args)
        self.count += 1
        return self.junk(reply) if self.count == self.target else reply


JUNK_REPLIES = {
    "empty": lambda reply: {},
    "strings": lambda reply: {key: "x" for key in reply},
    "lists": lambda reply: {key: [[1, "a"], None] for key in reply},
    "a forged note": lambda reply: {"raised": {"key": "same", "error": "\x1b]0;PWNED\x07", "where": {"name": 1}}},
    "huge shapes": lambda reply: {**reply, "shapes": [[1 << 40, 1 << 40]] * len(reply.get("shapes", [1]))},
    "values of other types": lambda reply: {key: (7 if isinstance(value, list) else [value])
                                            for key, value in reply.items()},
}


@pytest.mark.parametrize("junk", list(JUNK_REPLIES))
def test_any_reply_replaced_by_junk_ends_the_report_cleanly_never_with_a_traceback(tmp_path, junk):
    """Each kind of junk in place of one reply, for a spread of replies (the import's, a build's, a forward's, the
    gradients' ...): the report ends with a failed check, or a GlassGPTError at the import; nothing else is raised,
    and nothing the junk says is believed."""
    from glassgpt.checker.learner import open_learner

    file = ROOT / "tests" / "learners" / "correct.py"
    for target in (1, 2, 4, 9, 17, 30, 44, 61):
        channel = Corrupting(file, target, JUNK_REPLIES[junk])
        try:
            learner = open_learner(channel, str(file), file, file.read_bytes(), 1337)
            findings = list(grader.grade(learner))
        except GlassGPTError:
            continue
        except Exception as e:  # noqa: BLE001: a ChildGone at the import is the sandbox's to say
            assert type(e).__name__ == "ChildGone" and target == 1, (target, e)
            continue
        finally:
            channel.channel.close()
        garbled = [i for i, f in enumerate(findings) if any(n.key == "garbled" for n in f.notes)]
        assert garbled in ([], [len(findings) - 1]), (target, garbled)
        assert all("\x1b" not in str(v) for f in findings for n in f.notes for v in n.fields.values())
