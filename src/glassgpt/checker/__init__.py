"""Grades a GPT that a learner wrote, part by part, against glassgpt's own (GPT-2 exact).

    report = check("my_gpt.py")            # also: check_file(path, timeout=60, on_finding=print)

The learner's file runs in a child process with a time limit (sandbox.py): this process never imports it. There
the runner (runner.py) imports it and runs their code on the inputs and weights this process chooses, and sends
back data only; here each part is graded against glassgpt's own carrying the same weights (grader.py,
reference.py), the classic mistakes are named (mistakes.py), and each `Finding` is made (report.py). Every verdict
is made here, from data, so that the learner's code cannot write one.
Nothing here prints: a `Report`'s notes are keys and fields, whose sentences (texts.py) the CLI says in English
or Chinese. A file that cannot be loaded at all raises a GlassGPTError.
"""

import importlib

# public name -> the module that defines it; each loads when first used (PEP 562), so that the report's texts
# (texts.py) are read without torch
_HOMES = {"CHECKS": "grader", "CHOICES": "mistakes", "MISTAKE_KEYS": "mistakes", "CHECK_CONFIG": "reference",
          "REFERENCE_NAMES": "reference", "NOTE_KEYS": "report", "Finding": "report", "Note": "report",
          "Report": "report", "Status": "report", "Where": "report", "CLASS_NAMES": "runner",
          "DEFAULT_TIMEOUT": "sandbox", "check_file": "sandbox", "stream_findings": "sandbox",
          "REPORT_TEXTS": "texts"}


def check(path, seed: int = 1337, timeout: float | None = None):
    """Grade the GPT in the learner's file `path` (e.g. "model_exercise.py"), as `glassgpt check` does, and return
    the Report: plain data (report.py says its structure), printed as a table, shown as one in a notebook. The file
    runs in a child process, within `timeout` seconds (default: sandbox.DEFAULT_TIMEOUT). A file that cannot be
    loaded at all (missing, a syntax error, raising at import, ...) raises a GlassGPTError naming it."""
    from .sandbox import DEFAULT_TIMEOUT, check_file

    return check_file(path, seed=seed, timeout=DEFAULT_TIMEOUT if timeout is None else timeout)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


__all__ = ["check", "check_file", "stream_findings", "Report", "Finding", "Note", "Where", "Status",
           "DEFAULT_TIMEOUT", "CHECK_CONFIG", "CHECKS", "CLASS_NAMES", "REFERENCE_NAMES", "CHOICES", "MISTAKE_KEYS",
           "NOTE_KEYS", "REPORT_TEXTS"]
