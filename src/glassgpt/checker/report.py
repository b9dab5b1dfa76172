"""What the checker finds, as plain data: `Report` of `Finding`s, each with `Note`s for the CLI to say.

A note's `key` names what it says; the CLI (cli/check.py) holds one sentence per key, in English and Chinese.
Every key a note can have is listed here (`NOTE_KEYS`, and a mistake's name from mistakes.py), and a note with
another key fails as it is made, so that a typo shows in the tests and never in front of a learner.
Findings cross from the child process to the CLI as JSON (`to_json` / `finding_from_json`).
"""

from dataclasses import asdict, dataclass, field
from enum import Enum

from .mistakes import MISTAKE_KEYS


class Status(Enum):
    PASS = "pass"
    FAIL = "fail"
    TODO = "todo"  # the learner's code says it is not written yet (NotImplementedError)
    SKIP = "skip"  # not run: it waits for a failure before it to be fixed


# every key a note can have, besides a classic mistake's name (mistakes.MISTAKE_KEYS)
NOTE_KEYS = frozenset({
    # what went right
    "build_ok", "replaced", "shapes_ok", "gpt_shapes_ok", "gpt_shapes_last", "same", "gelu_tanh", "gelu_none", "params_ok",
    "init_loss_ok", "gradients_ok",
    # what the learner's code did
    "no_class", "glassgpt_class", "glassgpt_subclass", "glassgpt_part", "not_module", "raised", "not_written", "not_tensor", "shape", "not_finite", "causal",
    "eval_random", "missing_tensor", "tensor_shape", "gpt_returns", "logits_last_only", "logits_targets", "loss_not_none",
    "loss_not_scalar", "gpt.loss", "param_count", "head_not_tied", "init_loss", "no_gradient", "gradient_not_finite",
    # a part whose output no classic mistake explains
    "layer_norm.differs", "attention.differs", "mlp.differs", "block.differs", "gpt.differs",
    # the child process did not finish the check, or answered with something that is not an answer (sandbox.py)
    "timeout", "crashed", "exited", "garbled",
})


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
            raise KeyError(f"note key {self.key!r} is in neither report.NOTE_KEYS nor mistakes.MISTAKE_KEYS")


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


def to_json(finding: Finding) -> dict:
    return {**asdict(finding), "status": finding.status.value}


def finding_from_json(data: dict) -> Finding:
    notes = tuple(Note(n["key"], n["fields"], Where(**n["where"]) if n["where"] else None) for n in data["notes"])
    return Finding(data["part"], data["role"], data["check"], Status(data["status"]), notes)
