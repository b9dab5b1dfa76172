"""The learner's file runs in a child process; the process that reports on it never imports it.

Why: the learner's file is code, and code can loop forever, end its process (`os._exit`, `sys.exit` at import),
crash Python, or print over the report. So `check_file` starts `python -m glassgpt.checker FILE SEED TIMEOUT`
(`child_main` below), which imports the file and grades it, and reads what happens as it happens.

The child's stdout carries the protocol, one JSON object a line, and nothing else: before it imports the learner's
file, the child keeps that stream for itself and points descriptors 1 and 2 (and Python's sys.stdout and
sys.stderr) at the null device, so the learner's output goes nowhere. Its stderr as started, a temporary file of
the parent's, is kept for faulthandler alone: it writes there the stack of every thread when the time is up
(`dump_traceback_later(timeout, exit=True)`) or when Python crashes, and the parent reads from it where the
learner's code was (and, should the child fail before it gets going, Python's own traceback is there).

Events, child to parent, in order:
    {"event": "clock"}                               the time limit starts (torch and glassgpt are imported)
    {"event": "import_failed", "line", "error"}     importing the file raised (SystemExit included)
    {"event": "no_class", "name"}                    the file lacks GPTConfig or GPT
    {"event": "imported"}
    {"event": "start", "part", "role", "check"}      a check begins
    {"event": "finding", ...}                        its result (report.to_json), streamed to `on_finding`
    {"event": "done"}
A child that stops before "done" is read from how it ended: time up, a crash, or an exit of its own.
"""

import ast
import faulthandler
import json
import math
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import torch

from ..config import GPTConfig
from ..errors import GlassGPTError
from ..model import GPT
from .grader import grade
from .learner import import_learner, missing_class, one_line, where_raised
from .reference import CHECK_CONFIG
from .report import Finding, Note, Report, Status, Where, finding_from_json, to_json

DEFAULT_TIMEOUT = 60.0  # seconds for the learner's code: import and every check (a correct GPT takes about 1)
MAX_TIMEOUT = 1e6  # a longer limit is taken as this one (11 days): the clocks underneath take no more
STARTUP_LIMIT = 300.0  # seconds the child may take to import torch and glassgpt, before its clock starts
GRACE = 5.0  # seconds past the limit before the parent stops a child whose own watchdog did not
_FRAME = re.compile(r'File "(?P<path>.*)", line (?P<line>\d+) in (?P<name>.*)')  # a line of faulthandler's dump


def check_file(path, seed: int = 1337, timeout: float = DEFAULT_TIMEOUT, on_finding=None) -> Report:
    """Grade the learner's file in a child process, within `timeout` seconds; `on_finding(finding)` is called as
    each finding arrives. A file that cannot be loaded is a GlassGPTError (see `stream_findings`)."""
    findings = []
    for finding in stream_findings(path, seed, timeout):
        findings.append(finding)
        if on_finding is not None:
            on_finding(finding)
    return Report(str(path), dict(CHECK_CONFIG), tuple(findings))


def stream_findings(path, seed: int = 1337, timeout: float = DEFAULT_TIMEOUT) -> Iterator[Finding]:
    """Each finding of the learner's file as the child process makes it. A file that cannot be loaded (missing, a
    syntax error, raising, looping, exiting or crashing at import, without GPTConfig or GPT) is a GlassGPTError
    naming it, raised before any finding; anything that goes wrong later is the last finding."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not (0 < timeout < math.inf):
        raise GlassGPTError("check_timeout_value", value=repr(timeout))
    timeout = min(timeout, MAX_TIMEOUT)
    shown, file = str(path), Path(path).resolve()
    if not file.is_file():
        raise GlassGPTError("learner_file_missing", file=shown)
    source = file.read_bytes()
    try:  # syntax errors are found without running anything
        compile(source, str(file), "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as e:
        raise GlassGPTError("learner_syntax", file=shown, line=getattr(e, "lineno", None) or "?",
                            error=getattr(e, "msg", str(e))) from None

    current, imported = None, False
    with _Child(file, seed, timeout) as child:
        for event in child.events():
            kind = event.pop("event")
            if kind == "import_failed":
                raise GlassGPTError("learner_import", file=shown, line=event["line"], error=event["error"])
            if kind == "no_class":
                raise GlassGPTError("learner_no_class", file=shown, name=event["name"])
            if kind == "imported":
                imported = True
            elif kind == "start":
                current = event
            elif kind == "finding":
                yield finding_from_json(event)
            elif kind == "done":
                return
        how, fields, where = child.ending(file, source)
    if how == "failed":
        raise GlassGPTError("checker_child_failed", error=fields["error"])
    if not imported:  # it stopped while importing the file
        line = where.line if where else "?"
        if how == "timeout":
            raise GlassGPTError("learner_import_timeout", file=shown, line=line, seconds=timeout)
        if how == "crashed":
            raise GlassGPTError("learner_import_crashed", file=shown, line=line, error=fields["error"])
        raise GlassGPTError("learner_import_ended", file=shown, status=fields["status"])
    current = current or {"part": "GPTConfig", "role": "config", "check": "build"}
    yield Finding(current["part"], current["role"], current["check"], Status.FAIL, (Note(how, fields, where),))


class _Child:
    """The child process, its events read against the clock, and how it ended."""

    def __init__(self, file: Path, seed: int, timeout: float):
        self.timeout, self.killed, self.clock_started = timeout, False, False
        self.stderr = tempfile.TemporaryFile()
        package_root = str(Path(__file__).resolve().parents[2])  # the folder holding glassgpt, installed or not
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "glassgpt.checker", str(file), str(seed), repr(float(timeout))],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.stderr, env=env)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process.stdout.close()
        self.stderr.close()

    def events(self):
        """The child's events as they come; ends when the child closes its end, or when its time is up (then the
        child is stopped)."""
        deadline = time.monotonic() + STARTUP_LIMIT
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.process.kill()
                self.killed = True
                return
            if line is None:
                return
            event = json.loads(line)
            if event["event"] == "clock":
                self.clock_started = True
                deadline = time.monotonic() + self.timeout + GRACE
            yield event

    def ending(self, file: Path, source: bytes) -> tuple[str, dict, Where | None]:
        """How the child ended without finishing: ("timeout", {seconds}), ("crashed", {error}) or ("exited",
        {status}), and where in the learner's file it was, when faulthandler's dump says; ("failed", {error})
        when it never got as far as starting its clock (then it is not the learner's doing)."""
        status = self.process.wait()
        self.stderr.seek(0)
        dump = self.stderr.read().decode("utf-8", "replace")
        if not self.clock_started:  # its own traceback, or the parent's patience, says why
            lines = [line.strip() for line in dump.splitlines() if line.strip()]
            error = lines[-1] if lines else f"exit status {status}" if not self.killed else \
                f"no answer within {STARTUP_LIMIT:g} s"
            return "failed", {"error": error}, None
        where = _where_in_dump(dump, file, source)
        if self.killed or "Timeout (" in dump:
            return "timeout", {"seconds": self.timeout}, where
        fatal = re.search(r"Fatal Python error: (.*)", dump)
        if fatal:
            return "crashed", {"error": fatal.group(1).strip()}, where
        if status < 0:
            return "crashed", {"error": _signal_name(-status)}, where
        return "exited", {"status": status}, where


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _where_in_dump(dump: str, file: Path, source: bytes) -> Where | None:
    """The most recent frame in the learner's file in faulthandler's dump, named as `Class.method`."""
    for match in _FRAME.finditer(dump):
        if match["path"] == str(file):
            line = int(match["line"])
            lines = source.decode("utf-8", "replace").splitlines()
            code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            return Where(_function_at(source, line) or match["name"], line, code)
    return None


def _function_at(source: bytes, line: int) -> str | None:
    """The qualified name of the innermost function or class around `line` (`GPT.forward`), read from the source
    (parsed, never run); "<module>" at the top level."""
    names, body = [], ast.parse(source).body
    while True:
        around = next((node for node in body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                       and node.lineno <= line <= (node.end_lineno or node.lineno)), None)
        if around is None:
            return ".".join(names) or "<module>"
        names.append(around.name)
        body = around.body


# --- the child's side ------------------------------------------------------------------------------------------

def child_main(argv: list[str]) -> None:
    """Import the learner's file and grade it, telling the parent each event (see the module docstring)."""
    file, seed, timeout = Path(argv[0]), int(argv[1]), float(argv[2])
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)  # line-buffered: each event leaves at once
    dump = os.dup(2)  # the parent's file, for faulthandler alone
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # the learner's output, Python's or C's, goes nowhere
    os.dup2(null, 2)
    sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")
    warnings.simplefilter("ignore")

    def send(event: str, **fields):
        protocol.write(json.dumps({"event": event, **fields}) + "\n")

    _warm_up()
    faulthandler.enable(file=dump)  # a crash: every thread's stack to the parent's file
    faulthandler.dump_traceback_later(timeout, exit=True, file=dump)  # time up: the same, then exit
    send("clock")
    try:
        module = import_learner(file)
    except BaseException as e:  # SystemExit and KeyboardInterrupt too: anything the file raises is its failure
        where = where_raised(e, file.resolve())
        send("import_failed", line=where.line if where else "?", error=one_line(e))
        return
    missing = missing_class(module)
    if missing:
        send("no_class", name=missing)
        return
    send("imported")
    for finding in grade(module, file, seed, started=lambda part, role, check: send(
            "start", part=part, role=role, check=check)):
        send("finding", **to_json(finding))
    send("done")


def _warm_up() -> None:
    """Run glassgpt's own GPT of the check's size once, forward and backward, before the clock starts: torch's
    first calls are slow (its kernels load lazily), and that time should not count against the learner's code.
    One thread: the tensors are tiny, and threads only contend with whatever else the machine runs."""
    torch.set_num_threads(1)
    model = GPT(GPTConfig(**CHECK_CONFIG, attention="manual"))
    idx = torch.zeros(2, CHECK_CONFIG["block_size"], dtype=torch.long)
    model(idx, idx)[1].backward()
