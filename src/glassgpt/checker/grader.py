"""The grader: each part of the learner's GPT, then the whole, against glassgpt's own (GPT-2 exact).

Every verdict is made here, from data: the learner's code runs elsewhere (runner.py: in the child process for
`glassgpt check`, in this process for tests on files they wrote) and only returns outputs for the inputs and
weights chosen here (learner.py). Nothing it sends is believed: shapes, values and gradients are read from the
tensors themselves, and every comparison is computed here.

`grade(learner)` builds each class of the course's layout with a small config and checks the parts in the order
the course teaches them (`CHECKS`):

    LayerNorm (if the file has its own)  shapes; same output as torch's LayerNorm given the learner's weights
    CausalSelfAttention                  shapes; causal; same output as glassgpt's; eval() deterministic
    MLP                                  shapes; same output (tanh or exact GELU, either accepted); eval()
    TransformerBlock (or Block)          shapes; causal; same output; eval()
    GPT                                  shapes of (logits, loss); causal; same logits and loss; parameter
                                         count against the exact formula (a copied head shows here); loss at
                                         initialisation near ln(vocab_size); gradients reach every parameter;
                                         eval()

"Same output": every learner weight is set to a random value chosen here (so that no zero bias or unit gain hides
anything), the same values go into glassgpt's part, and the two outputs are compared; when they differ,
mistakes.py names the classic mistake that reproduces the learner's output exactly, or the note says by how much
they differ. A class that is glassgpt's own (imported, or subclassed) fails its build: it is not the learner's.
A GPT may return the logits of the last position alone when no targets are given (nanoGPT's shortcut when it
generates): that position is checked.

Each part is graded on its own: where a part below did not pass, the parts above it are checked with glassgpt's
version of it in its place (carrying the learner's weights), so that one mistake is reported once, where it is.
That is the only way one part's result reaches another, and it is explicit (`failed`). Nothing else carries from
check to check: each check draws its inputs from its own seeded generator, and what the learner's code chose
where GPT-2 allows a choice (the GELU, the LayerNorm eps) is read from their code alone, whichever check asks.
"""

import dataclasses
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
import torch.nn.functional as F

from ..accounting import count_parameters
from ..config import GPTConfig
from .learner import CLASS_NAMES, ChildGone, Learner, LearnerRaised, LocalChannel, Remote, open_learner, type_name
from .mistakes import CHOICES, diagnose, mistake_key
from .reference import (CHECK_CONFIG, TOLERANCE, difference, features, load_reference, references, same, shape_text,
                        tokens, untied)
from .subject import Subject
from .report import Finding, Note, Report, Status

PASS, FAIL, TODO, SKIP = Status.PASS, Status.FAIL, Status.TODO, Status.SKIP

EVAL_DROPOUT = 0.2  # the dropout of the copies that check eval() mode: high enough that it shows if it stays on
SHAPES_INPUT = (3, 5)  # batch and tokens of the shapes check: shorter than block_size, as most inputs are
# The loss at initialisation passes within this fraction of ln(vocab_size). GPT-2's initialisation lands within
# 1% here; PyTorch's default N(0, 1) embedding as a tied head lands at several times ln(vocab_size).
INIT_LOSS_MARGIN = 0.1
# the glassgpt class that stands in for each replaceable attribute of a block or GPT
_STAND_INS = {"attn": "CausalSelfAttention", "mlp": "MLP", "ln_1": "LayerNorm", "ln_2": "LayerNorm",
              "blocks": "TransformerBlock", "ln_f": "LayerNorm"}


# --- one part, and the checks that read it --------------------------------------------------------------------

def _build(s: Subject) -> tuple[Status, list[Note], Subject]:
    """The learner's class built from the config (their own initialisation), in eval mode, and a copy with random
    weights, isolated from the failed parts below. A class of glassgpt's own is not the learner's."""
    if s.cls.glassgpt:
        key = "glassgpt.subclass" if s.cls.own else "glassgpt.class"
        return FAIL, [Note(key, {"name": s.name, "base": s.cls.glassgpt})], s
    own = s.build(s.config)
    if not isinstance(own, Remote):
        return FAIL, [Note("not_module", {"call": s.call_text(), "got": own})], s
    if own.glassgpt:
        path, base = own.glassgpt[0]
        return FAIL, [Note("glassgpt.part", {"name": s.name, "path": path, "base": base}, s.where("__init__"))], s
    random, weights = s.learner.randomised(own, s.generator("weights"))
    s = dataclasses.replace(s, own=own, random=s.isolated(random, weights), weights=weights)
    replaced = list(dict.fromkeys(_STAND_INS[name] for name in s.replaced()))  # in order, once each
    notes = [Note("build_ok", {"call": s.call_text()})]
    if replaced:
        notes.append(Note("replaced", {"parts": ", ".join(replaced)}))
    return PASS, notes, s


def _shapes(s: Subject) -> tuple[Status, list[Note]]:
    """(B, T, d) in, (B, T, d) out, all finite."""
    x = torch.randn(*SHAPES_INPUT, CHECK_CONFIG["n_embd"], generator=s.generator("shapes"))
    y = s.forward(s.random, x)
    if not isinstance(y, torch.Tensor):
        return FAIL, [Note("not_tensor", {"got": type_name(y), "expected": shape_text(x.shape)}, s.where())]
    if y.shape != x.shape:
        return FAIL, [Note("shape", {"shape_in": shape_text(x.shape), "got": shape_text(y.shape),
                                     "expected": shape_text(x.shape)}, s.where())]
    if not torch.isfinite(y).all():
        return FAIL, [Note("not_finite", {}, s.where())]
    return PASS, [Note("shapes_ok", {"shape_in": shape_text(x.shape), "shape_out": shape_text(y.shape)})]


def _causal_of(s: Subject, forward: Callable, x: torch.Tensor, changed: torch.Tensor) -> tuple[Status, list[Note]]:
    """`changed` is `x` with every position from the middle on changed: the outputs before it must stay."""
    cut = CHECK_CONFIG["block_size"] // 2
    y, y_changed = _tensor(forward(x)), _tensor(forward(changed))
    diff = difference(y_changed[:, :cut], y[:, :cut])
    if diff > TOLERANCE:
        return FAIL, [Note("causal", {"cut": cut, "diff": diff}, s.where())]
    return PASS, []


def _tensor(value) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"a {type_name(value)} where a tensor belongs")
    return value


def _causal(s: Subject) -> tuple[Status, list[Note]]:
    generator, cut = s.generator("causal"), CHECK_CONFIG["block_size"] // 2
    x = features(generator)
    changed = x.clone()
    changed[:, cut:] = features(generator)[:, cut:]
    return _causal_of(s, lambda inputs: s.forward(s.random, inputs), x, changed)


def _compare(s: Subject, x: torch.Tensor, got: torch.Tensor) -> tuple[Status, list[Note]]:
    """The learner's output `got` on `x` against glassgpt's, given the same weights. When they differ, the notes
    name the classic mistakes that reproduce `got`."""
    if not torch.isfinite(got).all():
        return FAIL, [Note("not_finite", {}, s.where())]
    first = None
    for key, glass in references(s.learner, s.role, s.random):
        problems = load_reference(glass.eval(), s.weights)
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
        return FAIL, [Note(f"{s.role}.differs", {"diff": diff}, s.where())]  # no classic mistake explains it
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
    return _compare(s, x, _tensor(s.forward(s.random, x)))


def _eval_of(s: Subject, forward: Callable, x: torch.Tensor) -> tuple[Status, list[Note]]:
    """The part, built with dropout, must give the same output twice in eval() mode."""
    module = s.build(s.dropout_config)
    if not isinstance(module, Remote):
        return FAIL, [Note("not_module", {"call": s.call_text(), "got": module})]
    module = s.isolated(module, s.learner.state(module))
    first, second = _tensor(forward(module, x)), _tensor(forward(module, x))
    diff = difference(second, first)
    if diff > TOLERANCE:
        return FAIL, [Note("eval_random", {"diff": diff, "p": EVAL_DROPOUT}, s.where())]
    return PASS, []


def _eval(s: Subject) -> tuple[Status, list[Note]]:
    return _eval_of(s, s.forward, features(s.generator("eval")))


# the GPT's own checks

def _pair(out) -> tuple:
    """A GPT's (logits, loss); TypeError for anything else."""
    if not (isinstance(out, (tuple, list)) and len(out) == 2 and isinstance(out[0], torch.Tensor)):
        raise TypeError(f"forward returned a {type_name(out)}, not (logits, loss)")
    return tuple(out)


def _full_logits(s: Subject, module: Remote, idx: torch.Tensor) -> torch.Tensor:
    """The logits of every position: forward(idx), or, for a GPT that keeps the last position alone when no targets
    are given (nanoGPT's shortcut), forward(idx, targets), which keeps them all."""
    logits = _pair(s.forward(module, idx))[0]
    if logits.dim() == 3 and logits.size(1) == 1 < idx.size(1):
        logits = _pair(s.forward(module, idx, idx))[0]
    return logits


def _gpt_shapes(s: Subject) -> tuple[Status, list[Note]]:
    V, (B, T) = CHECK_CONFIG["vocab_size"], SHAPES_INPUT
    generator = s.generator("shapes")
    idx, targets = tokens(generator, B, T), tokens(generator, B, T)
    expected, last = shape_text((B, T, V)), shape_text((B, 1, V))
    out = s.forward(s.random, idx)
    if not (isinstance(out, (tuple, list)) and len(out) == 2 and isinstance(out[0], torch.Tensor)):
        return FAIL, [Note("gpt_returns", {"got": type_name(out)}, s.where())]
    logits, loss = out
    if shape_text(logits.shape) not in (expected, last):
        return FAIL, [Note("shape", {"shape_in": shape_text(idx.shape), "got": shape_text(logits.shape),
                                     "expected": expected}, s.where())]
    if loss is not None:
        return FAIL, [Note("loss_not_none", {"got": type_name(loss)}, s.where())]
    out = s.forward(s.random, idx, targets)
    full, loss = out if isinstance(out, (tuple, list)) and len(out) == 2 else (None, out)
    if isinstance(full, torch.Tensor) and shape_text(full.shape) != expected:
        key = "logits_last_only" if shape_text(full.shape) == last else "shape"
        return FAIL, [Note(key, {"shape_in": shape_text(idx.shape), "got": shape_text(full.shape),
                                 "expected": expected}, s.where())]
    if not (isinstance(loss, torch.Tensor) and loss.dim() == 0):
        got = shape_text(loss.shape) if isinstance(loss, torch.Tensor) else type_name(loss)
        return FAIL, [Note("loss_not_scalar", {"got": got}, s.where())]
    if not (torch.isfinite(logits).all() and torch.isfinite(loss)):
        return FAIL, [Note("not_finite", {}, s.where())]
    if shape_text(logits.shape) == last:
        return PASS, [Note("gpt_shapes_last", {"idx": shape_text(idx.shape), "logits": last, "full": expected})]
    return PASS, [Note("gpt_shapes_ok", {"idx": shape_text(idx.shape), "logits": expected})]


def _gpt_causal(s: Subject) -> tuple[Status, list[Note]]:
    V, T = CHECK_CONFIG["vocab_size"], CHECK_CONFIG["block_size"]
    generator, cut = s.generator("causal"), T // 2
    idx = tokens(generator, 2, T)
    changed = idx.clone()
    changed[:, cut:] = (idx[:, cut:] + 1 + tokens(generator, 2, T - cut) % (V - 1)) % V  # each token changes
    return _causal_of(s, lambda inputs: _full_logits(s, s.random, inputs), idx, changed)


def _gpt_reference(s: Subject) -> tuple[Status, list[Note]]:
    """The logits and loss with targets; then the logits without (every position, or the last alone) must be
    the same."""
    V, T = CHECK_CONFIG["vocab_size"], CHECK_CONFIG["block_size"]
    generator = s.generator("reference")
    idx, targets = tokens(generator, 2, T), tokens(generator, 2, T)
    logits, loss = _pair(s.forward(s.random, idx, targets))
    status, notes = _compare(s, idx, logits)
    if status != PASS:
        return status, notes
    expected = F.cross_entropy(logits.float().reshape(-1, V), targets.reshape(-1))
    if not (isinstance(loss, torch.Tensor) and loss.numel() == 1 and same(loss.reshape(()), expected)):
        got = loss.float().reshape(-1)[0].item() if isinstance(loss, torch.Tensor) and loss.numel() else math.nan
        return FAIL, [Note("gpt.loss", {"got": got, "expected": expected.item()}, s.where())]
    alone = _pair(s.forward(s.random, idx))[0]
    diff = difference(alone, logits[:, -1:] if alone.dim() == 3 and alone.size(1) == 1 else logits)
    if diff > TOLERANCE:
        return FAIL, [Note("logits_targets", {"diff": diff}, s.where())]
    return status, notes


def _params(s: Subject) -> tuple[Status, list[Note]]:
    sizes = {i: math.prod(shape) for shape, i in zip(s.own.shapes, s.own.ids)}
    count = sum(sizes.values())  # a tensor shared by two names counts once
    expected = count_parameters(GPTConfig(**CHECK_CONFIG))  # tied, as GPT-2
    where = s.where("__init__")
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
    """The cross-entropy, computed here, of the logits of the learner's GPT with its own initial weights."""
    V, T = CHECK_CONFIG["vocab_size"], CHECK_CONFIG["block_size"]
    generator = s.generator("init_loss")
    model = s.isolated(s.own, s.learner.state(s.own))
    idx, targets = tokens(generator, 4, T), tokens(generator, 4, T)
    logits = _pair(s.forward(model, idx, targets))[0]
    loss = F.cross_entropy(logits.float().reshape(-1, V), targets.reshape(-1))
    fields = {"loss": loss.item(), "vocab": V, "ln_vocab": math.log(V)}
    if not math.isfinite(fields["loss"]):
        return FAIL, [Note("not_finite", {}, s.where())]
    if abs(fields["loss"] - fields["ln_vocab"]) > INIT_LOSS_MARGIN * fields["ln_vocab"]:
        return FAIL, [Note("init_loss", fields, s.where("__init__"))]
    return PASS, [Note("init_loss_ok", fields)]


def _gradients(s: Subject) -> tuple[Status, list[Note]]:
    generator, T = s.generator("gradients"), CHECK_CONFIG["block_size"]
    named = list(s.learner.gradients(s.random, tokens(generator, 2, T), tokens(generator, 2, T)).items())
    notes = []
    for key, names in (
        ("no_gradient", [n for n, g in named if g is None or not g.any()]),
        ("gradient_not_finite", [n for n, g in named if g is not None and not g.isfinite().all()]),
    ):
        if names:
            more = f" (+{len(names) - 3})" if len(names) > 3 else ""
            notes.append(Note(key, {"names": ", ".join(names[:3]) + more}))
    return (FAIL, notes) if notes else (PASS, [Note("gradients_ok", {"count": len(named)})])


def _gpt_eval(s: Subject) -> tuple[Status, list[Note]]:
    return _eval_of(s, lambda module, idx: _pair(s.forward(module, idx))[0],
                    tokens(s.generator("eval"), 2, CHECK_CONFIG["block_size"]))


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


def _grade_part(s: Subject) -> Iterator[Finding]:
    stopped = False
    for check in CHECKS[s.role]:
        if stopped:
            yield Finding(s.name, s.role, check, SKIP)
            continue
        try:
            if check == "build":
                status, notes, s = _build(s)
            else:
                status, notes = _CHECKS[s.role][check](s)
        except LearnerRaised as e:
            status, notes = (TODO if e.note.key == "not_written" else FAIL), [e.note]
        except ChildGone as gone:  # the last finding: nothing more can be asked
            yield Finding(s.name, s.role, check, FAIL, (gone.note,))
            raise
        except Exception as e:  # what the learner's code returned broke a check (a list where a tensor belongs)
            status, notes = FAIL, [Note("raised", {"error": _one_line(e)})]
        yield Finding(s.name, s.role, check, status, tuple(notes))
        stopped = status != PASS and check in _STOPPING


def _one_line(e: Exception) -> str:
    text = f"{type(e).__name__}: {e}".splitlines()[0]
    return text if len(text) <= 200 else text[:197] + "..."


def grade(learner: Learner) -> Iterator[Finding]:
    """Grade the learner's file, yielding each Finding as soon as it is made. The findings end early, with a
    failed check, when the process running their code stops answering."""
    try:
        yield from _grade(learner)
    except ChildGone:
        return


def _grade(learner: Learner) -> Iterator[Finding]:
    try:
        configs = learner.config(), learner.config(dropout=EVAL_DROPOUT)
    except LearnerRaised as e:
        configs = None
        yield Finding("GPTConfig", "config", "build", FAIL, (e.note,))
    except ChildGone as gone:
        yield Finding("GPTConfig", "config", "build", FAIL, (gone.note,))
        raise
    failed = set()
    for role, names in CLASS_NAMES.items():
        cls = learner.classes.get(role)
        if cls is None:
            if role != "layer_norm":  # a LayerNorm of one's own is optional: torch's nn.LayerNorm will do
                failed.add(role)
                yield Finding(names[0], role, "build", FAIL, (Note("no_class", {"name": names[0]}),))
            continue
        if configs is None and role != "layer_norm":  # the LayerNorm alone is built without a config
            failed.add(role)
            yield from (Finding(cls.name, role, check, SKIP) for check in CHECKS[role])
            continue
        subject = Subject(learner, role, cls, *(configs or (None, None)), frozenset(failed))
        for finding in _grade_part(subject):
            if finding.status != PASS:
                failed.add(role)
            yield finding


def grade_file(path, seed: int = 1337) -> Report:
    """Grade the learner's file with their code run in this process: for tests, on files they wrote themselves.
    (`glassgpt check` never runs a learner's code in its own process: see sandbox.check_file.)"""
    file = Path(path).resolve()
    channel = LocalChannel(file, seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in the child: the tensors are tiny, and threads only contend (60x slower under load)
    try:
        learner = open_learner(channel, str(path), file, file.read_bytes(), seed)
        return Report(str(path), dict(CHECK_CONFIG), tuple(grade(learner)))
    finally:
        torch.set_num_threads(threads)
        channel.close()
