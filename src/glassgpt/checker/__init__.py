"""Grades a GPT that a learner wrote, part by part, against glassgpt's own (GPT-2 exact).

    report = check("my_gpt.py")            # also: check_file(path, timeout=60, on_finding=print)

The learner's file runs in a child process with a time limit (sandbox.py): this process never imports it. There
the runner (runner.py) imports it and runs their code on the inputs and weights this process chooses, and sends
back data only; here each part is graded against glassgpt's own carrying the same weights (grader.py,
reference.py), the classic mistakes are named (mistakes.py), and each `Finding` is made (report.py). Every verdict
is made here, from data, so that the learner's code cannot write one.
Nothing here prints: a `Report`'s notes are keys and fields, which the CLI (cli/check.py) says in English or
Chinese. A file that cannot be loaded at all raises a GlassGPTError.
"""

from .grader import CHECKS
from .mistakes import CHOICES, MISTAKE_KEYS
from .reference import CHECK_CONFIG, REFERENCE_NAMES
from .report import NOTE_KEYS, Finding, Note, Report, Status, Where
from .runner import CLASS_NAMES
from .sandbox import DEFAULT_TIMEOUT, check_file, stream_findings


def check(path, seed: int = 1337, timeout: float = DEFAULT_TIMEOUT) -> Report:
    """Grade the GPT in the learner's file `path` (e.g. "model_exercise.py"), as `glassgpt check` does, and return
    the Report: plain data (report.py says its structure), printed as a table, shown as one in a notebook. The file
    runs in a child process, within `timeout` seconds. A file that cannot be loaded at all (missing, a syntax
    error, raising at import, ...) raises a GlassGPTError naming it."""
    return check_file(path, seed=seed, timeout=timeout)


__all__ = ["check", "check_file", "stream_findings", "Report", "Finding", "Note", "Where", "Status",
           "DEFAULT_TIMEOUT", "CHECK_CONFIG", "CHECKS", "CLASS_NAMES", "REFERENCE_NAMES", "CHOICES", "MISTAKE_KEYS",
           "NOTE_KEYS"]
