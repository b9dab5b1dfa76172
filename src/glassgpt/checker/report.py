"""What the checker finds, as plain data: `Report` of `Finding`s, each with `Note`s for the CLI to say.

The structure, stable (the CLI, the notebook display and learners' own code read it):

    Report.file       str         the learner's file, as it was named
    Report.config     dict        the GPTConfig fields every class was built with
    Report.findings   tuple       of Finding, in the order the checks ran
    Report.passed     bool        every finding passed
    Finding.part      str         the learner's class ("CausalSelfAttention")
    Finding.role      str         what the part is: config, layer_norm, attention, mlp, block, gpt
    Finding.check     str         build, shapes, causal, reference, eval, params, init_loss, gradients
    Finding.status    Status      PASS, FAIL, TODO (not written yet), SKIP (waits for a failure before it)
    Finding.notes     tuple       of Note
    Note.key          str         what it says (NOTE_KEYS, or a classic mistake's name: "attention.scale.none")
    Note.fields       dict        the values it says (numbers and short strings)
    Note.where        Where|None  Where.name ("GPT.forward"), Where.line, Where.code (the line, when known)

`str(report)` is a plain-text table for a terminal, one line per check.

A note's `key` names what it says: its sentence, in English and Chinese, is `check.note.<key>` of texts.py. Every
key a note can have is one that has a sentence there (`NOTE_KEYS`, and a mistake's name from mistakes.py), and a
note with another key fails as it is made, so that a typo shows in the tests and never in front of a learner.
Findings cross from the child process to the CLI as JSON (`to_json` / `finding_from_json`).
"""

from dataclasses import asdict, dataclass, field
from enum import Enum

from .mistakes import MISTAKE_KEYS
from .texts import REPORT_TEXTS


class Status(Enum):
    PASS = "pass"
    FAIL = "fail"
    TODO = "todo"  # the learner's code says it is not written yet (NotImplementedError)
    SKIP = "skip"  # not run: it waits for a failure before it to be fixed


# every key a note can have besides a classic mistake's name (mistakes.MISTAKE_KEYS): each that has its sentence
# (texts.py: what went right, what the learner's code did, a part whose output no classic mistake explains, a
# child process that did not finish or answered with something that is not an answer)
NOTE_KEYS = frozenset(REPORT_TEXTS.names("check.note") - MISTAKE_KEYS)


@dataclass(frozen=True)
class Where:
    """A place in the learner's file: the function's qualified name (`CausalSelfAttention.forward`) and a line."""

    name: str
    line: int
    code: str = ""  # the source line, where the learner's code raised or was stopped


@dataclass(frozen=True)
class Note:
    """One thing to tell the learner: `key` names its sentence, `fields` fill it in."""

    key: str
    fields: dict = field(default_factory=dict)
    where: Where | None = None

    def __post_init__(self):
        if self.key not in NOTE_KEYS and self.key not in MISTAKE_KEYS:
            raise KeyError(f"note key {self.key!r} has no sentence in checker/texts.py")


@dataclass(frozen=True)
class Finding:
    part: str  # the learner's class name, e.g. "TransformerBlock"
    role: str  # what the part is: config, layer_norm, attention, mlp, block, gpt
    check: str  # build, shapes, causal, reference, eval, params, init_loss, gradients
    status: Status
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class Report:
    file: str
    config: dict  # the GPTConfig fields every class was built with
    findings: tuple[Finding, ...]

    @property
    def passed(self) -> bool:
        return all(f.status == Status.PASS for f in self.findings)

    def counts(self) -> dict:
        """{status: how many findings have it}, every status present."""
        return {status: sum(1 for f in self.findings if f.status == status) for status in Status}

    def __str__(self) -> str:
        counts = self.counts()
        lines = [f"{self.file}: {len(self.findings)} checks, " + ", ".join(
            f"{counts[status]} {name}" for status, name in (
                (Status.PASS, "passed"), (Status.FAIL, "failed"), (Status.TODO, "not written yet"),
                (Status.SKIP, "not run")))]
        width = max((len(f.part) for f in self.findings), default=0)
        for f in self.findings:
            notes = "; ".join(_note_text(note) for note in f.notes) if f.status != Status.PASS else ""
            lines.append(f"  {_MARKS[f.status]:<5} {f.part:<{width}}  {f.check:<10} {notes}".rstrip())
        return "\n".join(lines)

    def __repr__(self) -> str:
        counts = self.counts()
        return (f"Report(file={self.file!r}, passed={self.passed}, findings={len(self.findings)}: "
                f"{counts[Status.PASS]} pass, {counts[Status.FAIL]} fail, {counts[Status.TODO]} todo, "
                f"{counts[Status.SKIP]} skip)")


_MARKS = {Status.PASS: "ok", Status.FAIL: "FAIL", Status.TODO: "TODO", Status.SKIP: "skip"}


def _note_text(note: Note) -> str:
    fields = ", ".join(f"{name}={value:.3g}" if isinstance(value, float) else f"{name}={value}"
                       for name, value in note.fields.items())
    where = f" at {note.where.name}, line {note.where.line}" if note.where else ""
    return f"{note.key}({fields}){where}"


def to_json(finding: Finding) -> dict:
    return {**asdict(finding), "status": finding.status.value}


def finding_from_json(data: dict) -> Finding:
    notes = tuple(Note(n["key"], n["fields"], Where(**n["where"]) if n["where"] else None) for n in data["notes"])
    return Finding(data["part"], data["role"], data["check"], Status(data["status"]), notes)
