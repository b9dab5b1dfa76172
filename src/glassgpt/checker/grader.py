"""The grader: each part of the learner's GPT, then the whole, against glassgpt's own (GPT-2 exact).

This runs the learner's code, in whatever process calls it: `glassgpt check` calls it only in a child process
(sandbox.py); tests call it directly on learner files they wrote themselves.

`grade(module, file, seed)` builds each class of the course's layout with a small config and checks the parts in
the order the course teaches them (`CHECKS`):

    LayerNorm (if the file has its own)  shapes; same output as torch's LayerNorm given the learner's weights
    CausalSelfAttention                  shapes; causal; same output as glassgpt's; eval() deterministic
    MLP                                  shapes; same output (tanh or exact GELU, either accepted); eval()
    TransformerBlock (or Block)          shapes; causal; same output; eval()
    GPT                                  shapes of (logits, loss); causal; same logits and loss; parameter
                                         count against the exact formula (a copied head shows here); loss at
                                         initialisation near ln(vocab_size); gradients reach every parameter;
                                         eval()

"Same output": every learner weight is set to a random value (so that no zero bias or unit gain hides anything),
copied by name into glassgpt's part, and the two outputs are compared; when they differ, mistakes.py names the
classic mistake that reproduces the learner's output exactly, or the note says by how much they differ.

Each part is graded on its own: where a part below did not pass, the parts above it are checked with glassgpt's
version of it in its place (carrying the learner's weights), so that one mistake is reported once, where it is.
That is the only way one part's result reaches another, and it is explicit (`failed`). Nothing else carries from
check to check: each check draws its inputs from its own seeded generator, and what the learner's code chose
where GPT-2 allows a choice (the GELU, the LayerNorm eps) is read from their code alone, whichever check asks.
"""

import copy
import dataclasses
import functools
import inspect
import math
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..accounting import count_parameters
from ..config import GPTConfig
from .learner import CLASS_NAMES, Learner, LearnerRaised, import_learner, one_line, where_raised
from .mistakes import CHOICES, diagnose, mistake_key
from .reference import (CHECK_CONFIG, GPT_NAMES, TOLERANCE, difference, features, load_reference, references, same,
                        shape_text, tokens, untied)
from .report import Finding, Note, Report, Status, Where

PASS, FAIL, TODO, SKIP = Status.PASS, Status.FAIL, Status.TODO, Status.SKIP

EVAL_DROPOUT = 0.2  # the dropout of the copies that check eval() mode: high enough that it shows if it stays on
SHAPES_INPUT = (3, 5)  # batch and tokens of the shapes check: shorter than block_size, as most inputs are
# The loss at initialisation passes within this fraction of ln(vocab_size). GPT-2's initialisation lands within
# 1% here; PyTorch's default N(0, 1) embedding as a tied head lands at several times ln(vocab_size).
INIT_LOSS_MARGIN = 0.1
# the note that says a part's output differs in no classic way
DIFFERS = {"layer_norm": "layer_norm.differs", "attention": "attention.differs", "mlp": "mlp.differs",
           "block": "block.differs", "gpt": "gpt.differs"}


# --- one part, and the checks that read it --------------------------------------------------------------------

@dataclass(frozen=True)
class Subject:
    """One part of the learner's GPT under test: what every check of the part reads."""

    learner: Learner
    role: str
    cls: type
    config: object  # the learner's GPTConfig with CHECK_CONFIG's sizes
    dropout_config: object  # the same with dropout EVAL_DROPOUT
    failed: frozenset[str]  # the parts below that did not pass: glassgpt's stand in for them
    own: nn.Module | None = None  # built as the learner builds it (their initialisation), in eval mode
    random: nn.Module | None = None  # a copy with random weights, the failed parts below replaced

    @property
    def name(self) -> str:
        return self.cls.__name__

    def build(self, config) -> nn.Module:
        if self.role == "layer_norm":
            return self.learner.build_layer_norm(self.cls)
        return self.learner.call(self.cls, config)

    def call_text(self) -> str:
        """How the part is built, as the learner would write it."""
        if self.role != "layer_norm":
            return f"{self.name}(config)"
        takes_bias = "bias" in inspect.signature(self.cls).parameters
        return f"{self.name}({CHECK_CONFIG['n_embd']}{', bias=True' if takes_bias else ''})"

    def generator(self, check: str) -> torch.Generator:
        return self.learner.generator(self.role, check)

    def where(self, module=None, method: str = "forward") -> Where | None:
        return self.learner.where_defined(self.random if module is None else module, method)

    def replaced(self) -> list[str]:
        """The attributes of a block or GPT that glassgpt's version replaces: those whose part did not pass."""
        if self.role == "block":
            return [name for name, part in (("attn", "attention"), ("mlp", "mlp"), ("ln_1", "layer_norm"),
                                            ("ln_2", "layer_norm")) if part in self.failed]
        if self.role == "gpt":
            return ["blocks"] * bool(self.failed & {"layer_norm", "attention", "mlp", "block"}) \
                + ["ln_f"] * ("layer_norm" in self.failed)
        return []

    def isolated(self, module: nn.Module) -> nn.Module:
        """`module` with glassgpt's version (carrying the learner's weights) of each part below that did not pass,
        so that its own checks grade its own code; `module` itself when every part below passed."""
        replace = self.replaced()
        if not replace:
            return module
        (_, glass), = references(self.learner, self.role, module)
        if load_reference(glass, module):
            return module  # its layout cannot be read: the reference check will say so
        module = self.learner.call(copy.deepcopy, module)
        for name in replace:
            path = next(p for p in GPT_NAMES.get(name, (name,)) if _has_submodule(module, p))
            if name == "blocks":
                for i, block in enumerate(glass.blocks):
                    module.get_submodule(path)[i] = block
            else:
                parent, _, attribute = path.rpartition(".")
                setattr(module.get_submodule(parent), attribute, getattr(glass, name))
        return module


def _has_submodule(module: nn.Module, path: str) -> bool:
    try:
        module.get_submodule(path)
        return True
    except AttributeError:
        return False


def _build(s: Subject) -> tuple[Status, list[Note], Subject]:
    """The learner's class built from the config (their own initialisation), in eval mode, and a copy with random
    weights, isolated from the failed parts below."""
    torch.manual_seed(s.learner.seed)
    own = s.build(s.config)
    if not isinstance(own, nn.Module):
        return FAIL, [Note("not_module", {"call": s.call_text(), "got": type(own).__name__})], s
    own.eval()
    s = dataclasses.replace(s, own=own)
    s = dataclasses.replace(s, random=s.isolated(s.learner.randomised(own, s.generator("weights"))))
    classes = {"attn": "CausalSelfAttention", "mlp": "MLP", "ln_1": "LayerNorm", "ln_2": "LayerNorm",
               "blocks": "TransformerBlock", "ln_f": "LayerNorm"}
    replaced = list(dict.fromkeys(classes[name] for name in s.replaced()))  # in order, once each
    notes = [Note("build_ok", {"call": s.call_text()})]
    if replaced:
        notes.append(Note("replaced", {"parts": ", ".join(replaced)}))
    return PASS, notes, s


def _shapes(s: Subject) -> tuple[Status, list[Note]]:
    """(B, T, d) in, (B, T, d) out, all finite."""
    x = torch.randn(*SHAPES_INPUT, CHECK_CONFIG["n_embd"], generator=s.generator("shapes"))
    with torch.no_grad():
        y = s.learner.call(s.random, x)
    if not isinstance(y, torch.Tensor):
        return FAIL, [Note("not_tensor", {"got": type(y).__name__, "expected": shape_text(x.shape)}, s.where())]
    if y.shape != x.shape:
        return FAIL, [Note("shape", {"shape_in": shape_text(x.shape), "got": shape_text(y.shape),
                                     "expected": shape_text(x.shape)}, s.where())]
    if not torch.isfinite(y).all():
        return FAIL, [Note("not_finite", {}, s.where())]
    return PASS, [Note("shapes_ok", {"shape_in": shape_text(x.shape), "shape_out": shape_text(y.shape)})]


def _causal_of(s: Subject, forward: Callable, x: torch.Tensor, changed: torch.Tensor) -> tuple[Status, list[Note]]:
    """`changed` is `x` with every position from the middle on changed: the outputs before it must stay."""
    cut = CHECK_CONFIG["block_size"] // 2
    with torch.no_grad():
        y, y_changed = s.learner.call(forward, x), s.learner.call(forward, changed)
    diff = difference(y_changed[:, :cut], y[:, :cut])
    if diff > TOLERANCE:
        return FAIL, [Note("causal", {"cut": cut, "diff": diff}, s.where())]
    return PASS, []


def _causal(s: Subject) -> tuple[Status, list[Note]]:
    generator, cut = s.generator("causal"), CHECK_CONFIG["block_size"] // 2
    x = features(generator)
    changed = x.clone()
    changed[:, cut:] = features(generator)[:, cut:]
    return _causal_of(s, s.random, x, changed)


def _compare(s: Subject, x: torch.Tensor, got: torch.Tensor) -> tuple[Status, list[Note]]:
    """The learner's output `got` on `x` against glassgpt's, given the same weights. When they differ, the notes
    name the classic mistakes that reproduce `got`."""
    if not torch.isfinite(got).all():
        return FAIL, [Note("not_finite", {}, s.where())]
    first = None
    for key, glass in references(s.learner, s.role, s.random):
        problems = load_reference(glass.eval(), s.random)
        if problems:
            return FAIL, problems
        with torch.no_grad():
            expected = glass(x)[0] if s.role == "gpt" else glass(x)
        diff = difference(got, expected)
        if diff <= TOLERANCE:
            return PASS, [Note(key, {"diff": diff})]
        first = first or (glass, diff)
    glass, diff = first
    mistakes = diagnose(s.role, glass, x, got, same)
    if mistakes is None:
        return FAIL, [Note(DIFFERS[s.role], {"diff": diff}, s.where())]
    return FAIL, [_mistake_note(s, knob, option) for knob, option in mistakes.items()]


def _mistake_note(s: Subject, knob: str, option: str) -> Note:
    if s.role == "block":  # said of the sub-layer it wraps
        sublayer, norm = ("self.attn", "self.ln_1") if knob == "attn" else ("self.mlp", "self.ln_2")
        fields = {"sublayer": sublayer, "norm": norm}
    else:
        fields = {"n_embd": CHECK_CONFIG["n_embd"], "head_size": CHECK_CONFIG["n_embd"] // CHECK_CONFIG["n_head"]}
    return Note(mistake_key(s.role, knob, option), fields, s.where())


def _reference(s: Subject) -> tuple[Status, list[Note]]:
    x = features(s.generator("reference"))
    with torch.no_grad():
        got = s.learner.call(s.random, x)
    return _compare(s, x, got)


def _eval_of(s: Subject, forward: Callable, x: torch.Tensor) -> tuple[Status, list[Note]]:
    """The part, built with dropout, must give the same output twice in eval() mode."""
    torch.manual_seed(s.learner.seed)
    module = s.isolated(s.build(s.dropout_config)).eval()
    with torch.no_grad():
        first, second = s.learner.call(forward, module, x), s.learner.call(forward, module, x)
    diff = difference(second, first)
    if diff > TOLERANCE:
        return FAIL, [Note("eval_random", {"diff": diff, "p": EVAL_DROPOUT}, s.where(module))]
    return PASS, []


def _eval(s: Subject) -> tuple[Status, list[Note]]:
    return _eval_of(s, _forward, features(s.generator("eval")))


def _forward(module, x):
    return module(x)


def _logits(gpt, idx):
    return gpt(idx)[0]


# the GPT's own checks

def _gpt_shapes(s: Subject) -> tuple[Status, list[Note]]:
    V, (B, T) = CHECK_CONFIG["vocab_size"], SHAPES_INPUT
    generator = s.generator("shapes")
    idx, targets = tokens(generator, B, T), tokens(generator, B, T)
    expected = shape_text((B, T, V))
    with torch.no_grad():
        out = s.learner.call(s.random, idx)
        if not (isinstance(out, (tuple, list)) and len(out) == 2 and isinstance(out[0], torch.Tensor)):
            return FAIL, [Note("gpt_returns", {"got": type(out).__name__}, s.where())]
        logits, loss = out
        if shape_text(logits.shape) != expected:
            key = "logits_last_only" if shape_text(logits.shape) == shape_text((B, 1, V)) else "shape"
            return FAIL, [Note(key, {"shape_in": shape_text(idx.shape), "got": shape_text(logits.shape),
                                     "expected": expected}, s.where())]
        if loss is not None:
            return FAIL, [Note("loss_not_none", {"got": type(loss).__name__}, s.where())]
        out = s.learner.call(s.random, idx, targets)
    loss = out[1] if isinstance(out, (tuple, list)) and len(out) == 2 else out
    if not (isinstance(loss, torch.Tensor) and loss.dim() == 0):
        got = shape_text(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
        return FAIL, [Note("loss_not_scalar", {"got": got}, s.where())]
    if not (torch.isfinite(logits).all() and torch.isfinite(loss)):
        return FAIL, [Note("not_finite", {}, s.where())]
    return PASS, [Note("gpt_shapes_ok", {"idx": shape_text(idx.shape), "logits": expected})]


def _gpt_causal(s: Subject) -> tuple[Status, list[Note]]:
    V, T = CHECK_CONFIG["vocab_size"], CHECK_CONFIG["block_size"]
    generator, cut = s.generator("causal"), T // 2
    idx = tokens(generator, 2, T)
    changed = idx.clone()
    changed[:, cut:] = (idx[:, cut:] + 1 + tokens(generator, 2, T - cut) % (V - 1)) % V  # each token changes
    return _causal_of(s, functools.partial(_logits, s.random), idx, changed)


def _gpt_reference(s: Subject) -> tuple[Status, list[Note]]:
    V, T = CHECK_CONFIG["vocab_size"], CHECK_CONFIG["block_size"]
    generator = s.generator("reference")
    idx, targets = tokens(generator, 2, T), tokens(generator, 2, T)
    with torch.no_grad():
        logits, loss = s.learner.call(s.random, idx, targets)
        status, notes = _compare(s, idx, logits)
        expected = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
    if status == PASS and not same(loss.reshape(()), expected):
        return FAIL, [Note("gpt.loss", {"got": loss.item(), "expected": expected.item()}, s.where())]
    return status, notes


def _params(s: Subject) -> tuple[Status, list[Note]]:
    count = sum(p.numel() for p in s.own.parameters())  # a tensor shared by two names counts once
    expected = count_parameters(GPTConfig(**CHECK_CONFIG))  # tied, as GPT-2
    where = s.where(s.own, "__init__")
    names = untied(s.own)
    if names:
        return FAIL, [Note("head_not_tied", {"head": names[0], "tok": names[1], "extra": count - expected.total},
                           where)]
    sizes = {"V": CHECK_CONFIG["vocab_size"], "T_max": CHECK_CONFIG["block_size"], "L": CHECK_CONFIG["n_layer"],
             "d": CHECK_CONFIG["n_embd"], "formula": expected.total_formula, "expected": expected.total, "got": count}
    if count != expected.total:
        return FAIL, [Note("param_count", sizes, where)]
    return PASS, [Note("params_ok", sizes)]


def _init_loss(s: Subject) -> tuple[Status, list[Note]]:
    V, T = CHECK_CONFIG["vocab_size"], CHECK_CONFIG["block_size"]
    generator = s.generator("init_loss")
    model = s.isolated(s.own)  # the learner's own initial weights
    with torch.no_grad():
        _, loss = s.learner.call(model, tokens(generator, 4, T), tokens(generator, 4, T))
    fields = {"loss": float(loss), "vocab": V, "ln_vocab": math.log(V)}
    if not math.isfinite(fields["loss"]):
        return FAIL, [Note("not_finite", {}, s.where(model))]
    if abs(fields["loss"] - fields["ln_vocab"]) > INIT_LOSS_MARGIN * fields["ln_vocab"]:
        return FAIL, [Note("init_loss", fields, s.where(model, "__init__"))]
    return PASS, [Note("init_loss_ok", fields)]


def _gradients(s: Subject) -> tuple[Status, list[Note]]:
    generator, T = s.generator("gradients"), CHECK_CONFIG["block_size"]
    model = s.learner.call(copy.deepcopy, s.random)
    _, loss = s.learner.call(model, tokens(generator, 2, T), tokens(generator, 2, T))
    s.learner.call(loss.backward)
    named = list(model.named_parameters())
    notes = []
    for key, names in (
        ("no_gradient", [n for n, p in named if p.grad is None or not p.grad.any()]),
        ("gradient_not_finite", [n for n, p in named if p.grad is not None and not p.grad.isfinite().all()]),
    ):
        if names:
            more = f" (+{len(names) - 3})" if len(names) > 3 else ""
            notes.append(Note(key, {"names": ", ".join(names[:3]) + more}))
    return (FAIL, notes) if notes else (PASS, [Note("gradients_ok", {"count": len(named)})])


def _gpt_eval(s: Subject) -> tuple[Status, list[Note]]:
    return _eval_of(s, _logits, tokens(s.generator("eval"), 2, CHECK_CONFIG["block_size"]))


# the checks of each part after its build, in the order they run
_CHECKS = {
    "layer_norm": {"shapes": _shapes, "reference": _reference},
    "attention": {"shapes": _shapes, "causal": _causal, "reference": _reference, "eval": _eval},
    "mlp": {"shapes": _shapes, "reference": _reference, "eval": _eval},
    "block": {"shapes": _shapes, "causal": _causal, "reference": _reference, "eval": _eval},
    "gpt": {"shapes": _gpt_shapes, "causal": _gpt_causal, "reference": _gpt_reference, "params": _params,
            "init_loss": _init_loss, "gradients": _gradients, "eval": _gpt_eval},
}
CHECKS = {role: ("build", *checks) for role, checks in _CHECKS.items()}  # each part's checks, in order
assert CHECKS.keys() == CLASS_NAMES.keys() == CHOICES.keys()
# a failed build or shapes check leaves nothing to check after it: the rest of the part is skipped
_STOPPING = ("build", "shapes")


def _grade_part(s: Subject, started: Callable) -> Iterator[Finding]:
    stopped = False
    for check in CHECKS[s.role]:
        if stopped:
            yield Finding(s.name, s.role, check, SKIP)
            continue
        started(s.name, s.role, check)
        try:
            if check == "build":
                status, notes, s = _build(s)
            else:
                status, notes = _CHECKS[s.role][check](s)
        except LearnerRaised as e:
            status, notes = (TODO if e.note.key == "not_written" else FAIL), [e.note]
        except Exception as e:  # the learner's output broke a check (a list where a tensor belongs, ...)
            status, notes = FAIL, [Note("raised", {"error": one_line(e)}, where_raised(e, s.learner.file))]
        yield Finding(s.name, s.role, check, status, tuple(notes))
        stopped = status != PASS and check in _STOPPING


def _ignore(part: str, role: str, check: str) -> None:
    pass


def grade(module, file, seed: int = 1337, started: Callable = _ignore) -> Iterator[Finding]:
    """Grade the learner's imported `module` (loaded from `file`), yielding each Finding as soon as it is made.
    `started(part, role, check)` is told of each check before it runs (so that a check that never ends can be
    named). This runs the learner's code, in this process."""
    learner = Learner(module, Path(file).resolve(), seed)
    started("GPTConfig", "config", "build")
    try:
        configs = learner.config(), learner.config(dropout=EVAL_DROPOUT)
    except LearnerRaised as e:
        configs = None
        yield Finding("GPTConfig", "config", "build", FAIL, (e.note,))
    failed = set()
    for role, names in CLASS_NAMES.items():
        cls = learner.own_class(role)
        if cls is None:
            if role != "layer_norm":  # a LayerNorm of one's own is optional: torch's nn.LayerNorm will do
                failed.add(role)
                yield Finding(names[0], role, "build", FAIL, (Note("no_class", {"name": names[0]}),))
            continue
        if configs is None and role != "layer_norm":  # the LayerNorm alone is built without a config
            failed.add(role)
            yield from (Finding(cls.__name__, role, check, SKIP) for check in CHECKS[role])
            continue
        subject = Subject(learner, role, cls, *(configs or (None, None)), frozenset(failed))
        for finding in _grade_part(subject, started):
            if finding.status != PASS:
                failed.add(role)
            yield finding


def grade_file(path, seed: int = 1337) -> Report:
    """Import the learner's file in this process and grade it: for tests, on files they wrote themselves.
    (`glassgpt check` never runs a learner's code in its own process: see sandbox.check_file.)"""
    module = import_learner(path)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in the child: the tensors are tiny, and threads only contend (60x slower under load)
    try:
        return Report(str(path), dict(CHECK_CONFIG), tuple(grade(module, path, seed)))
    finally:
        torch.set_num_threads(threads)
        sys.modules.pop(module.__name__, None)
