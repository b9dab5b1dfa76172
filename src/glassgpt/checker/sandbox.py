"""The learner's file runs in a child process; the process that judges it never imports it.

Why: the learner's file is code, and code can loop forever, end its process (`os._exit`, `sys.exit` at import),
crash Python, fork, print over the report, or tamper with anything in its own process: torch, the checker's
code there, the descriptors it finds. So `check_file` starts `python -m glassgpt.checker FILE SEED`
(`child_main` below) in a session of its own, and asks it, one request at a time, to import the file, build its
classes and run them on inputs and weights chosen here (learner.py); the runner there (runner.py) answers with data
only, and every comparison and verdict is made here (grader.py). The checker knows every check it must make, asks
for each, and reads whatever comes back as hostile bytes (protocol.py): a reply that is not one ends the report
with a failed check ("garbled"), never a pass and never a traceback. Each request carries a number drawn at
random, which its reply must name, and the reply must come from the child itself (its pid): replies written
ahead of their requests, or by a process the learner's code forked, are not answers.

Requests go to the child's stdin and replies come from its stdout, both kept by the child on descriptors of
their own before it imports the file; 0, 1 and 2 (and sys.stdin/stdout/stderr) then point at the null device, so
that the learner's prints go nowhere. Its stderr as started, a temporary file of this process, is kept for
faulthandler: the stack of every thread when a request runs out of time (`dump_traceback_later`) or Python
crashes, from which the report says where in the learner's file it was.

Time: the limit covers the learner's code (import and every request); the child stops itself when a request
passes what is left of it, and this process kills the child's whole process group (whatever it forked) GRACE
seconds later, and always once the report is made. A reply is waited for, never the end of the pipe: a grandchild
holding the pipe open delays nothing. A child that ends without answering is read from how it ended: time up, a
crash (a signal, or faulthandler's "Fatal Python error"), or an exit of its own.
"""

import ast
import faulthandler
import math
import os
import re
import secrets
import select
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import torch

from ..config import GPTConfig
from ..errors import GlassGPTError
from ..model import GPT
from .grader import grade
from .learner import ChildGone, clean, open_learner
from .protocol import ProtocolError, decode, encode, frame_length
from .reference import CHECK_CONFIG
from .report import Finding, Report, Where
from .runner import Runner, one_line

DEFAULT_TIMEOUT = 60.0  # seconds for the learner's code: import and every check (a correct GPT takes about 1)
MAX_TIMEOUT = 1e6  # a longer limit is taken as this one (11 days): the clocks underneath take no more
STARTUP_LIMIT = 300.0  # seconds the child may take to import torch and glassgpt, before its clock starts
GRACE = 5.0  # seconds past the limit before the parent stops a child whose own watchdog did not
_POLL = 0.05  # seconds between looks at whether the child still runs, while waiting for its reply
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
    """Each finding of the learner's file as it is made. A file that cannot be loaded (missing, a syntax error,
    raising, looping, exiting or crashing at import, without GPTConfig or GPT) is a GlassGPTError naming it, raised
    before any finding; anything that goes wrong later is the last finding, a failed check."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not (0 < timeout < math.inf):
        raise GlassGPTError("check_timeout_value", value=repr(timeout))
    timeout = min(float(timeout), MAX_TIMEOUT)
    shown, file = str(path), Path(path).resolve()
    if not file.is_file():
        raise GlassGPTError("learner_file_missing", file=shown)
    source = file.read_bytes()
    try:  # syntax errors are found without running anything
        compile(source, str(file), "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as e:
        raise GlassGPTError("learner_syntax", file=shown, line=getattr(e, "lineno", None) or "?",
                            error=getattr(e, "msg", str(e))) from None
    with _Child(file, source, seed, timeout) as child:
        try:
            learner = open_learner(child, shown, file, source, seed)
        except ChildGone as gone:
            line = gone.where.line if gone.where else "?"
            if gone.how == "timeout":
                raise GlassGPTError("learner_import_timeout", file=shown, line=line, seconds=timeout) from None
            if gone.how == "crashed":
                raise GlassGPTError("learner_import_crashed", file=shown, line=line, error=gone.fields["error"]) \
                    from None
            if gone.how == "garbled":
                raise GlassGPTError("learner_garbled", file=shown, error=gone.fields["error"]) from None
            raise GlassGPTError("learner_import_ended", file=shown, status=gone.fields["status"]) from None
        yield from grade(learner)


class _Child:
    """The child process, asked one request at a time against the clock; ChildGone when it cannot answer."""

    def __init__(self, file: Path, source: bytes, seed: int, timeout: float):
        self.file, self.source, self.timeout, self.left = file, source, timeout, timeout
        self.buffer, self.nonce, self.gone = bytearray(), None, None
        self.stderr = tempfile.TemporaryFile()
        package_root = str(Path(__file__).resolve().parents[2])  # the folder holding glassgpt, installed or not
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "glassgpt.checker", str(file), str(seed)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.stderr, env=env, start_new_session=True)  # its own process group
        self.out, self.into = self.process.stdout.fileno(), self.process.stdin.fileno()
        os.set_blocking(self.into, False)
        try:
            self._reply(time.monotonic() + STARTUP_LIMIT, None)  # "ready": torch and glassgpt are imported
        except (ChildGone, ProtocolError) as e:
            self._stop()
            lines = [line.strip() for line in self._dump().splitlines() if line.strip()]
            error = lines[-1] if lines else f"no answer within {STARTUP_LIMIT:g} s" \
                if getattr(e, "how", None) == "timeout" else f"exit status {self.process.returncode}"
            self.__exit__()
            raise GlassGPTError("checker_child_failed", error=error[:200]) from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._stop()
        self.process.stdin.close()
        self.process.stdout.close()
        self.stderr.close()

    def _stop(self) -> None:
        """Kill the child and everything it started (its process group), and reap it."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()

    def request(self, op: str, **args) -> dict:
        """The child's reply to one request, within what is left of the time limit."""
        if self.gone is None and self.left <= 0:
            self._stop()
            self.gone = ChildGone("timeout", {"seconds": self.timeout})
        if self.gone is not None:
            raise self.gone
        self.nonce = secrets.randbits(62)  # a reply names it: one written before the request was read names none
        started = time.monotonic()
        deadline = started + self.left + GRACE
        try:
            self._send(encode({"id": self.nonce, "op": op, "args": args, "left": self.left}), deadline, started)
            reply = self._reply(deadline, started)
            if reply.get("id") != self.nonce or reply.get("pid") != self.process.pid:
                raise ProtocolError("an answer to another question, or from another process")
        except ProtocolError as e:
            try:  # a child that wrote junk and ended, or forked and ended, is said as ended
                self.process.wait(timeout=max(0.0, min(1.0, deadline - time.monotonic())))
            except subprocess.TimeoutExpired:
                pass
            ended = self.process.returncode is not None
            self._stop()
            self.gone = self._ended(started) if ended else ChildGone("garbled", {"error": str(e)[:200]})
            raise self.gone from None
        except ChildGone as gone:
            self.gone = gone
            raise
        finally:
            self.left -= time.monotonic() - started
        return reply["reply"] if isinstance(reply.get("reply"), dict) else {}

    def _send(self, data: bytes, deadline: float, started: float) -> None:
        view = memoryview(data)
        while view:
            wait = deadline - time.monotonic()
            if wait <= 0 or self.process.poll() is not None:
                raise self._lost(started)
            if select.select([], [self.into], [], min(wait, _POLL))[1]:
                try:
                    view = view[os.write(self.into, view):]
                except (BlockingIOError, BrokenPipeError):
                    pass

    def _reply(self, deadline: float, started: float | None) -> dict:
        """The next whole message from the child: never waits for the end of the pipe, only for the child."""
        end_of_pipe = False
        while True:
            length = frame_length(self.buffer)
            if length is not None and len(self.buffer) >= length:
                frame, self.buffer = bytes(self.buffer[:length]), self.buffer[length:]
                return decode(frame)
            wait = deadline - time.monotonic()
            if wait <= 0:
                raise self._lost(started)
            if not end_of_pipe and select.select([self.out], [], [], min(wait, _POLL))[0]:
                chunk = os.read(self.out, 1 << 20)
                if chunk:
                    self.buffer += chunk
                    continue
                end_of_pipe = True
            elif end_of_pipe:
                time.sleep(min(wait, _POLL))
            if self.process.poll() is not None and (end_of_pipe or not select.select([self.out], [], [], 0)[0]):
                raise self._lost(started)  # it ended, and all it wrote has been read

    def _lost(self, started: float | None) -> ChildGone:
        """Why no reply came: the child ended, or the time is up (then it is stopped)."""
        if self.process.poll() is None:
            self._stop()
            return ChildGone("timeout", {"seconds": self.timeout}, self._where())
        self._stop()
        return self._ended(started)

    def _ended(self, started: float | None) -> ChildGone:
        status, dump, where = self.process.returncode, self._dump(), self._where()
        if started is not None and time.monotonic() - started >= self.left:
            return ChildGone("timeout", {"seconds": self.timeout}, where)
        fatal = re.search(r"Fatal Python error: (.*)", dump)
        if fatal:
            return ChildGone("crashed", {"error": clean(fatal.group(1).strip())}, where)
        if status < 0:
            return ChildGone("crashed", {"error": _signal_name(-status)}, where)
        return ChildGone("exited", {"status": status}, where)

    def _dump(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read(1 << 20).decode("utf-8", "replace")

    def _where(self) -> Where | None:
        """The most recent frame in the learner's file in faulthandler's dump, named as `Class.method`."""
        for match in _FRAME.finditer(self._dump()):
            if match["path"] == str(self.file):
                line = int(match["line"])
                lines = self.source.decode("utf-8", "replace").splitlines()
                code = clean(lines[line - 1].strip()) if 0 < line <= len(lines) else ""
                return Where(_function_at(self.source, line) or clean(match["name"], 80), line, code)
        return None


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


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
    """Serve the parent's requests with a Runner, each within what is left of the time limit (see the module
    docstring)."""
    file, seed = Path(argv[0]), int(argv[1])
    requests, replies, dump = os.dup(0), os.dup(1), os.dup(2)  # the protocol's, and faulthandler's
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # the learner's input and output, Python's or C's, go nowhere
        os.dup2(null, fd)
    sys.stdin = open(os.devnull, encoding="utf-8")
    sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")
    warnings.simplefilter("ignore")
    _warm_up()
    faulthandler.enable(file=dump)  # a crash: every thread's stack to the parent's file
    runner = Runner(file, seed)

    def send(reply: dict, number: int = 0) -> None:
        try:
            data = encode({"id": number, "pid": os.getpid(), "reply": reply})
        except Exception as e:  # what the learner's code returned cannot travel: said as what it raised
            data = encode({"id": number, "pid": os.getpid(),
                           "reply": {"raised": {"key": "raised", "error": one_line(e), "where": None}}})
        data = memoryview(data)
        while data:
            data = data[os.write(replies, data):]

    send({"ready": True})
    while True:
        request = _read_message(requests)
        if request is None:
            return
        # time up: every thread's stack to the parent's file, then exit
        faulthandler.dump_traceback_later(max(float(request["left"]), 1e-6), exit=True, file=dump)
        reply = runner.serve(request)
        faulthandler.cancel_dump_traceback_later()
        send(reply, request["id"])


def _read_message(fd: int) -> dict | None:
    buffer = bytearray()
    while True:
        length = frame_length(buffer)
        if length is not None and len(buffer) >= length:
            return decode(bytes(buffer[:length]))
        chunk = os.read(fd, max(1 << 16, (length or 0) - len(buffer)))
        if not chunk:
            return None
        buffer += chunk


def _warm_up() -> None:
    """Run glassgpt's own GPT of the check's size once, forward and backward, before the clock starts: torch's
    first calls are slow (its kernels load lazily), and that time should not count against the learner's code.
    One thread: the tensors are tiny, and threads only contend with whatever else the machine runs."""
    torch.set_num_threads(1)
    model = GPT(GPTConfig(**CHECK_CONFIG, flash=False))
    idx = torch.zeros(2, CHECK_CONFIG["block_size"], dtype=torch.long)
    model(idx, idx)[1].backward()
