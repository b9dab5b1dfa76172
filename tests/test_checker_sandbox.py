"""The learner's file runs in a child process, never in the one that reports: a file that loops, exits, crashes,
raises or prints is reported (where it was, when that can be known), never hangs the check, never passes by
accident; findings stream as they are made.

Each case starts one child (about a second for torch to import, outside the learner's time limit); the endless
loops get a limit of a few seconds.
"""

import math
import os
import time
from pathlib import Path

import pytest

from glassgpt import GlassGPTError
from glassgpt.checker import CHECKS, Status, check_file, stream_findings
from glassgpt.checker import grader

ROOT = Path(__file__).resolve().parents[1]
CORRECT = ROOT / "tests" / "learners" / "correct.py"
LOOP_LIMIT = 4.0  # seconds: an endless loop is stopped after this
MLP_FORWARD = "        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))\n"
BLOCK_MLP = "        x = x + self.mlp(self.ln_2(x))\n"


def write(folder: Path, text: str, name: str = "learner.py") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def correct_with(folder: Path, old: str, new: str) -> Path:
    text = CORRECT.read_text(encoding="utf-8")
    assert old in text
    return write(folder, text.replace(old, new))


def line_of(path: Path, code: str) -> int:
    return 1 + [line.strip() for line in path.read_text(encoding="utf-8").splitlines()].index(code)


def test_a_correct_file_passes_and_its_findings_stream_in_order_as_the_grader_makes_them():
    arrived = []
    report = check_file(CORRECT, on_finding=lambda finding: arrived.append((time.monotonic(), finding)))
    assert report.passed and [f for _, f in arrived] == list(report.findings)
    assert report.findings == grader.grade_file(CORRECT).findings  # the same grading, in another process
    assert len(report.findings) == sum(len(checks) for checks in CHECKS.values())


def test_findings_arrive_while_the_child_still_works(tmp_path):
    """A finding comes out as soon as its check is done, while the next check still runs: streamed, not
    collected at the end."""
    path = correct_with(tmp_path, BLOCK_MLP, "        if not hasattr(time, 'slept'):  # once\n"
                        "            time.slept = time.sleep(2)\n" + BLOCK_MLP)
    path.write_text("import time\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    times = {(f.part, f.check): time.monotonic() for f in stream_findings(path)}
    assert times["TransformerBlock", "shapes"] - times["TransformerBlock", "build"] > 1.5


@pytest.mark.parametrize("where", ["import", "forward"])
def test_an_endless_loop_is_stopped_and_said_where_it_was(tmp_path, where):
    if where == "import":
        path = write(tmp_path, "import time\n\nn = 0\nwhile True:\n    n += 1\n    time.sleep(0.01)\n")
        started = time.monotonic()
        with pytest.raises(GlassGPTError) as error:
            check_file(path, timeout=LOOP_LIMIT)
        assert error.value.key == "learner_import_timeout"
        assert error.value.fields == {"file": str(path), "line": error.value.fields["line"], "seconds": LOOP_LIMIT}
        assert error.value.fields["line"] in (4, 5, 6)  # the loop
    else:
        path = correct_with(tmp_path, MLP_FORWARD, "        while True:\n            x = x + 1\n")
        started = time.monotonic()
        report = check_file(path, timeout=LOOP_LIMIT)
        last = report.findings[-1]
        assert (last.part, last.check, last.status) == ("MLP", "shapes", Status.FAIL)  # its first call of forward
        note = last.notes[0]
        assert (note.key, note.fields) == ("timeout", {"seconds": LOOP_LIMIT})
        assert note.where.name == "MLP.forward" and note.where.line in (line_of(path, "while True:"),
                                                                        line_of(path, "x = x + 1"))
        assert all(f.status == Status.PASS for f in report.findings[:-1]) and not report.passed
    assert time.monotonic() - started < LOOP_LIMIT + 30  # stopped: torch's import and the grace, not forever


def test_the_parent_stops_a_child_whose_own_watchdog_was_turned_off(tmp_path, monkeypatch):
    from glassgpt.checker import sandbox

    monkeypatch.setattr(sandbox, "GRACE", 1.0)
    path = write(tmp_path, "import faulthandler, time\nfaulthandler.cancel_dump_traceback_later()\n"
                           "while True:\n    time.sleep(0.01)\n")
    with pytest.raises(GlassGPTError) as error:
        check_file(path, timeout=1.0)
    assert error.value.key == "learner_import_timeout" and error.value.fields["line"] == "?"


EXITS_AT_IMPORT = {
    "os._exit(0)": ("import os\nos._exit(0)\n", "learner_import_ended", {"status": 0}),
    "os._exit(3)": ("import os\nos._exit(3)\n", "learner_import_ended", {"status": 3}),
    "sys.exit()": ("import sys\nsys.exit()\n", "learner_import", {"line": 2, "error": "SystemExit"}),
    "raise": ("x = 1\nraise RuntimeError('no')\n", "learner_import", {"line": 2, "error": "RuntimeError: no"}),
    "segfault": ("import ctypes\nctypes.string_at(0)\n", "learner_import_crashed",
                 {"line": 2, "error": "Segmentation fault"}),
    "syntax": ("class GPT(:\n    pass\n", "learner_syntax", {"line": 1}),
    "no GPT": ("class GPTConfig:\n    pass\n", "learner_no_class", {"name": "GPT"}),
}


@pytest.mark.parametrize("name", list(EXITS_AT_IMPORT))
def test_a_file_that_ends_crashes_or_raises_at_import_is_an_error_naming_it(tmp_path, name):
    text, key, fields = EXITS_AT_IMPORT[name]
    path = write(tmp_path, text)
    with pytest.raises(GlassGPTError) as error:
        check_file(path)
    assert error.value.key == key and error.value.fields["file"] == str(path)
    assert {k: error.value.fields[k] for k in fields} == fields


def test_a_missing_file_is_an_error_before_any_child_starts(tmp_path):
    with pytest.raises(GlassGPTError) as error:
        check_file(tmp_path / "nothing.py")
    assert error.value.key == "learner_file_missing"


FAULTS_IN_FORWARD = {
    "os._exit(0)": ("        import os\n        os._exit(0)\n", "exited", {"status": 0}),
    "segfault": ("        import ctypes\n        ctypes.string_at(0)\n", "crashed", {"error": "Segmentation fault"}),
}


@pytest.mark.parametrize("name", list(FAULTS_IN_FORWARD))
def test_a_process_that_ends_during_a_check_fails_that_check_never_passes(tmp_path, name):
    code, key, fields = FAULTS_IN_FORWARD[name]
    path = correct_with(tmp_path, BLOCK_MLP, code + BLOCK_MLP)
    report = check_file(path)
    last = report.findings[-1]
    assert not report.passed and (last.part, last.check, last.status) == ("TransformerBlock", "shapes", Status.FAIL)
    assert last.notes[0].key == key and last.notes[0].fields == fields
    if name == "segfault":  # faulthandler's dump says where
        assert (last.notes[0].where.name, last.notes[0].where.code) == ("TransformerBlock.forward",
                                                                        "ctypes.string_at(0)")


def test_the_learners_prints_cannot_forge_the_protocol(tmp_path):
    """A file that writes a protocol line to stdout (print and the raw descriptor) and a faulthandler-looking
    line to stderr, then fails: the failure is reported, nothing forged."""
    forged = ('        import os, sys\n        print(\'{"event": "done"}\')\n'
              '        os.write(1, b\'{"event": "done"}\\n\')\n        os.write(2, b"Timeout (0:00:01)!\\n")\n'
              '        sys.stderr.write("Fatal Python error: no\\n")\n')
    path = correct_with(tmp_path, BLOCK_MLP, forged + "        x = x + self.mlp(x)\n")
    report = check_file(path)
    failed = [(f.role, f.check, [n.key for n in f.notes]) for f in report.findings if f.status != Status.PASS]
    assert failed == [("block", "reference", ["block.no_norm"])]


@pytest.mark.parametrize("timeout", [0, -1.0, math.nan, math.inf, True, "60"])
def test_a_time_limit_must_be_a_positive_number_of_seconds(timeout):
    with pytest.raises(GlassGPTError) as error:
        check_file(CORRECT, timeout=timeout)
    assert error.value.key == "check_timeout_value"


def test_the_child_never_imports_the_learners_file_into_the_parent(tmp_path):
    """The file leaves a mark when imported: the parent's modules never hold it, and the mark is made in the
    child's working directory only (here: the same folder, so the mark proves the import did happen there)."""
    import sys

    path = correct_with(tmp_path, "import math\n", "import math\nimport os\nopen(os.path.join(os.path.dirname("
                        "__file__), 'imported-by-' + str(os.getpid())), 'w').close()\n")
    before = set(sys.modules)
    assert check_file(path).passed
    marks = [p.name for p in tmp_path.iterdir() if p.name.startswith("imported-by-")]
    assert len(marks) == 1 and marks[0] != f"imported-by-{os.getpid()}"
    assert not any(name.startswith("_glassgpt_learner") for name in set(sys.modules) - before)


def test_glassgpt_check_is_callable_from_python_and_returns_the_report_as_plain_data():
    """`glassgpt.check(path)`, as a notebook cell calls it: the same report as `glassgpt check`, printed as a table
    with one line per check."""
    import glassgpt

    report = glassgpt.check(ROOT / "exercises" / "model_exercise.py")
    assert report.findings == check_file(ROOT / "exercises" / "model_exercise.py").findings
    assert [f.status for f in report.findings if f.check == "build"] == [Status.TODO] * 5
    lines = str(report).splitlines()
    assert lines[0].endswith("25 checks, 0 passed, 0 failed, 5 not written yet, 20 not run")
    assert len(lines) == 1 + 25 and lines[1].split()[:3] == ["TODO", "LayerNorm", "build"]
    source = (ROOT / "exercises" / "model_exercise.py").read_text(encoding="utf-8").splitlines()
    line = 1 + next(i for i, text in enumerate(source) if 'NotImplementedError("TODO: LayerNorm.__init__' in text)
    assert "not_written(error=TODO: LayerNorm.__init__" in lines[1] and f"line {line}" in lines[1]
    assert repr(report).startswith("Report(file=") and "passed=False" in repr(report) and "5 todo" in repr(report)
