"""Grades a GPT that a learner wrote, part by part, against glassgpt's own (GPT-2 exact).

    report = check_file("my_gpt.py", timeout=60, on_finding=print)

The learner's file runs in a child process with a time limit (sandbox.py): this process never imports it. The
child imports it and runs their code (learner.py), grades each part against glassgpt's own carrying the learner's
weights (grader.py, reference.py), names the classic mistakes it finds (mistakes.py), and streams each `Finding`
back (report.py).
Nothing here prints: a `Report`'s notes are keys and fields, which the CLI (cli/check.py) says in English or
Chinese. A file that cannot be loaded at all raises a GlassGPTError.
"""

from .grader import CHECKS
from .learner import CLASS_NAMES
from .mistakes import CHOICES, MISTAKE_KEYS
from .reference import CHECK_CONFIG, REFERENCE_NAMES
from .report import NOTE_KEYS, Finding, Note, Report, Status, Where
from .sandbox import DEFAULT_TIMEOUT, check_file, stream_findings

__all__ = ["check_file", "stream_findings", "Report", "Finding", "Note", "Where", "Status", "DEFAULT_TIMEOUT",
           "CHECK_CONFIG", "CHECKS", "CLASS_NAMES", "REFERENCE_NAMES", "CHOICES", "MISTAKE_KEYS", "NOTE_KEYS"]
