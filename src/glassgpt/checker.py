"""Grades a GPT that a learner wrote: each part, then the whole, against glassgpt's own (GPT-2 exact).

`check_file(path)` imports the learner's file (their own code, run because they asked for it), builds each class
of the course's layout with a small config, and runs the checks in the order the course teaches the parts:

    LayerNorm (if the file has its own)  shapes; same output as torch's LayerNorm given the learner's weights
    CausalSelfAttention                  shapes; causal; same output as glassgpt's; eval() deterministic
    MLP                                  shapes; same output (tanh or exact GELU, either accepted); eval()
    TransformerBlock (or Block)          shapes; causal; same output; eval()
    GPT                                  shapes of (logits, loss); causal; same logits and loss; parameter
                                         count against the exact formula (a copied head shows here); loss at
                                         initialisation near ln(vocab_size); gradients reach every parameter;
                                         eval()

"Same output": every learner weight is set to a random value (so that no zero bias or unit gain hides anything),
copied by name into glassgpt's component, and the two outputs are compared. When they differ, the checker tries
the classic mistakes (no scale, no mask, softmax over the wrong axis, heads split wrongly, ReLU, post-norm, a
missing residual, no position embedding, ...) and their combinations, and names the one that reproduces the
learner's output exactly; if none does, it says by how much the outputs differ and what to compare.

Each part is graded on its own: where a part did not pass, the parts above it are checked with glassgpt's version
of it in its place (carrying the learner's weights), so that one mistake is reported once, where it is.

Names read: the course's (tok_emb, pos_emb, blocks, ln_1, attn, ln_2, mlp, c_attn, c_proj, c_fc, ln_f, lm_head)
and nanoGPT's (transformer.wte, transformer.wpe, transformer.h, transformer.ln_f); queries, keys and values must
be one fused Linear, c_attn, as in the course and GPT-2 (separate q/k/v layers are not read).

Nothing here prints: the result is a `Report` of `Finding`s whose notes are message keys and fields, which the
CLI (cli/check.py) says in English or Chinese. Whatever the learner's code raises becomes a finding that says what
failed and where (the function and line of the last frame inside their file). Only a file that cannot be loaded
at all raises: a GlassGPTError.
"""

import contextlib
import copy
import importlib.machinery
import importlib.util
import inspect
import io
import itertools
import linecache
import math
import sys
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from .accounting import count_parameters
from .config import GPTConfig
from .errors import GlassGPTError
from .model import GPT, MLP, CausalSelfAttention, TransformerBlock, causal_mask

# Every learner class is built with this config: small enough to run in a blink, every size different (vocab 67,
# block 12, width 32, 4 heads of 8, batch 2 or 3, 5 or 12 tokens), so that a mixed-up axis cannot hide, and two
# layers, so that blocks are stacked.
CHECK_CONFIG = dict(vocab_size=67, block_size=12, n_layer=2, n_head=4, n_embd=32, dropout=0.0, bias=True)
EVAL_DROPOUT = 0.2  # the dropout of the copies that check eval() mode: high enough that it shows if it stays on
SHAPES_INPUT = (3, 5)  # batch and tokens of the shapes check: shorter than block_size, as most inputs are
# Two outputs are the same when the largest difference is at most TOLERANCE times the larger of 1 and the
# reference's largest value. float32 rounding stays below 1e-6 here (manual or fused attention alike); the smallest
# difference the checker must see, the exact GELU against its tanh approximation, is about 1.3e-4 after the MLP.
TOLERANCE = 2e-5
# The loss at initialisation passes within this fraction of ln(vocab_size). GPT-2's initialisation lands within
# 1% here; PyTorch's default N(0, 1) embedding as a tied head lands at several times ln(vocab_size).
INIT_LOSS_MARGIN = 0.1

PASS, FAIL, TODO, SKIP = "pass", "fail", "todo", "skip"
# what each part is called in glassgpt: the reference it is compared with
REFERENCE_NAMES = {"layer_norm": "LayerNorm", "attention": "CausalSelfAttention", "mlp": "MLP",
                   "block": "TransformerBlock", "gpt": "GPT"}
# where the course's and nanoGPT's layouts keep what glassgpt calls tok_emb, pos_emb, blocks and ln_f
_GPT_NAMES = {"tok_emb": ("tok_emb", "transformer.wte"), "pos_emb": ("pos_emb", "transformer.wpe"),
              "blocks": ("blocks", "transformer.h"), "ln_f": ("ln_f", "transformer.ln_f")}
# a hand-written LayerNorm may call its gain and shift by other names
_LAYER_NORM_NAMES = {"weight": ("weight", "gamma", "scale"), "bias": ("bias", "beta", "shift")}

# The classic mistakes of each part, as choices the checker can reproduce (`WITH_MISTAKES`); the course's first.
# how a block wraps each sub-layer f with its LayerNorm; pre_norm is GPT-2's
WIRINGS = ("pre_norm", "post_norm", "no_residual", "residual_from_norm", "no_norm")
CHOICES = {
    "layer_norm": {
        "variance": ("biased", "unbiased"),  # divide by n (LayerNorm) or by n - 1 (torch.var's default)
        "axis": ("features", "positions"),  # normalise over the last axis, or over dim=1
        "affine": ("yes", "no"),  # gain and shift applied
    },
    "attention": {
        "scale": ("sqrt_head_size", "none", "sqrt_n_embd", "head_size"),  # the scores are divided by ...
        "mask": ("minus_inf", "none", "zero"),  # future scores are set to ...
        "softmax": ("keys", "queries"),  # the axis the softmax normalises
        "split": ("view_transpose", "reshape_only"),  # (B, T, d) -> (B, nh, T, hs)
        "merge": ("transpose_view", "view_only"),  # (B, nh, T, hs) -> (B, T, d)
    },
    "mlp": {"activation": ("gelu", "relu", "none")},
    "block": {"attn": WIRINGS, "mlp": WIRINGS},
    "gpt": {"pos_emb": ("added", "missing"), "final_norm": ("applied", "missing")},
}


@dataclass(frozen=True)
class Where:
    """A place in the learner's file: the function's qualified name (`CausalSelfAttention.forward`) and a line."""

    name: str
    line: int
    code: str = ""  # the source line, when it is where an exception came from


@dataclass(frozen=True)
class Note:
    """One thing to tell the learner: `key` names its sentence (`check.note.<key>` in the CLI's table)."""

    key: str
    fields: dict = field(default_factory=dict)
    where: Where | None = None


@dataclass
class Finding:
    part: str  # the learner's class name, e.g. "TransformerBlock"
    role: str  # what the part is: layer_norm, attention, mlp, block, gpt, config
    check: str  # build, shapes, causal, reference, eval, params, init_loss, gradients
    status: str  # pass, fail, todo (the learner's code says it is not written yet), skip (not run)
    notes: list[Note] = field(default_factory=list)


@dataclass
class Report:
    file: str
    config: dict  # the GPTConfig fields every class was built with
    findings: list[Finding]

    @property
    def passed(self) -> bool:
        return all(f.status == PASS for f in self.findings)


def check_file(path, seed: int = 1337) -> Report:
    """Load the learner's file and grade it. Raises GlassGPTError only when the file cannot be loaded at all."""
    module = load_learner_file(path)
    try:
        return _Grader(module, Path(module.__file__), seed).grade()
    finally:
        sys.modules.pop(module.__name__, None)


_loaded = itertools.count()


def load_learner_file(path):
    """Import the learner's file as a module of its own, its folder on sys.path while it imports (as when they run
    it). Every way this can fail is a GlassGPTError that names the file as given, and the line where there is one."""
    shown, file = str(path), Path(path).resolve()
    if not file.is_file():
        raise GlassGPTError("learner_file_missing", file=shown)
    name = f"_glassgpt_learner_{next(_loaded)}"
    # any file name will do (not only *.py): the loader is named, not guessed from the suffix
    loader = importlib.machinery.SourceFileLoader(name, str(file))
    module = importlib.util.module_from_spec(importlib.util.spec_from_file_location(name, file, loader=loader))
    sys.modules[name] = module  # dataclasses look their module up here while the class is made
    sys.path.insert(0, str(file.parent))
    try:
        with _quiet():
            loader.exec_module(module)
    except SyntaxError as e:
        sys.modules.pop(name)
        raise GlassGPTError("learner_syntax", file=shown,
                            line=e.lineno, error=e.msg) from None
    except (Exception, SystemExit) as e:
        sys.modules.pop(name)
        where = _where_raised(e, file)
        line = where.line if where else "?"
        raise GlassGPTError("learner_import",
                            file=shown, line=line, error=_one_line(e)) from None
    finally:
        sys.path.remove(str(file.parent))
    for needed in ("GPTConfig", "GPT"):
        if not isinstance(getattr(module, needed, None), type):
            sys.modules.pop(name)
            raise GlassGPTError("learner_no_class", file=shown,
                                name=needed)
    return module


# --- running the learner's code ------------------------------------------------------------------------------

class _LearnerRaised(Exception):
    """The learner's code raised; `note` says what and where."""

    def __init__(self, note: Note):
        super().__init__(note.key)
        self.note = note


@contextlib.contextmanager
def _quiet():
    """The learner's prints and warnings stay out of the report."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _one_line(e: BaseException) -> str:
    text = f"{type(e).__name__}: {e}".strip().splitlines()[0]
    return text if len(text) <= 200 else text[:197] + "..."


def _where_raised(e: BaseException, file: Path) -> Where | None:
    """The last frame of the traceback that lies in the learner's file: where their code was when it failed."""
    frames = [(frame, line) for frame, line in traceback.walk_tb(e.__traceback__)
              if frame.f_code.co_filename == str(file)]
    if not frames:
        return None
    frame, line = frames[-1]
    name = getattr(frame.f_code, "co_qualname", frame.f_code.co_name)  # co_qualname: Python 3.11+
    return Where(name, line, linecache.getline(str(file), line).strip())


def _shape(shape) -> str:
    return str(tuple(int(n) for n in shape))


def _difference(got: torch.Tensor, expected: torch.Tensor) -> float:
    """Largest absolute difference, relative to the larger of 1 and the expected tensor's largest value."""
    if got.shape != expected.shape or not torch.isfinite(got).all():
        return math.inf
    scale = max(1.0, expected.abs().max().item())
    return (got.float() - expected.float()).abs().max().item() / scale


def _same(got: torch.Tensor, expected: torch.Tensor) -> bool:
    return _difference(got, expected) <= TOLERANCE


def _diagnose(got: torch.Tensor, choices: dict, compute) -> dict | None:
    """The classic mistakes that reproduce `got`: {knob: choice} for each knob that differs from the course's
    choice (listed first), trying fewer mistakes first; None when no combination reproduces it.
    `compute(choice)` is the part's output with `choice` = {knob: option}."""
    knobs = list(choices)
    combinations = sorted(itertools.product(*choices.values()),
                          key=lambda combo: sum(option != choices[k][0] for k, option in zip(knobs, combo)))
    for combo in combinations:
        choice = dict(zip(knobs, combo))
        with torch.no_grad():
            if _same(got, compute(choice)):
                return {k: option for k, option in choice.items() if option != choices[k][0]}
    return None


def _learner_names(module_path: str, param: str, layer_norm: bool) -> list[str]:
    """Where the learner's module may keep glassgpt's parameter `module_path.param`, the course's name first."""
    first, dot, rest = module_path.partition(".")
    paths = [alias + dot + rest for alias in _GPT_NAMES.get(first, (first,))]
    params = _LAYER_NORM_NAMES.get(param, (param,)) if layer_norm else (param,)
    return [f"{path}.{p}" if path else p for path in paths for p in params]


def _find_parameter(learner: nn.Module, module_path: str, param: str) -> tuple[str, nn.Parameter] | None:
    named = dict(learner.named_parameters(remove_duplicate=False))
    return next(((n, named[n]) for n in _learner_names(module_path, param, False) if n in named), None)


# --- the reference computations with the classic mistakes, for naming what differs ---------------------------

def _attention_with(choice: dict, attn: CausalSelfAttention, x: torch.Tensor) -> torch.Tensor:
    """glassgpt's attention (the weights of `attn`), computed with the mistakes in `choice`. (B, T, d) -> same."""
    B, T, d = x.shape
    n_head = attn.n_head
    hs = d // n_head
    q, k, v = attn.c_attn(x).split(d, dim=2)  # 3 x (B, T, d)
    if choice["split"] == "reshape_only":
        q, k, v = (t.reshape(B, n_head, T, hs) for t in (q, k, v))  # (B, nh, T, hs), tokens and channels mixed
    else:
        q, k, v = (t.view(B, T, n_head, hs).transpose(1, 2) for t in (q, k, v))  # (B, nh, T, hs)
    scale = {"sqrt_head_size": hs ** -0.5, "none": 1.0, "sqrt_n_embd": d ** -0.5, "head_size": 1 / hs}
    att = (q @ k.transpose(-2, -1)) * scale[choice["scale"]]  # (B, nh, T, T)
    future = ~causal_mask(T, T, x.device)
    if choice["mask"] != "none":
        att = att.masked_fill(future, float("-inf") if choice["mask"] == "minus_inf" else 0.0)
    att = att.softmax(dim=-1 if choice["softmax"] == "keys" else -2)
    y = att @ v  # (B, nh, T, hs)
    y = y.reshape(B, T, d) if choice["merge"] == "view_only" else y.transpose(1, 2).reshape(B, T, d)
    return attn.c_proj(y)


def _mlp_with(choice: dict, mlp: MLP, x: torch.Tensor) -> torch.Tensor:
    activation = {"gelu": mlp.gelu, "relu": F.relu, "none": lambda h: h}[choice["activation"]]
    return mlp.c_proj(activation(mlp.c_fc(x)))


def _layer_norm_with(choice: dict, norm: nn.LayerNorm, x: torch.Tensor) -> torch.Tensor:
    dim = -1 if choice["axis"] == "features" else 1
    mean = x.mean(dim, keepdim=True)
    var = x.var(dim, keepdim=True, unbiased=choice["variance"] == "unbiased")
    y = (x - mean) / torch.sqrt(var + norm.eps)
    return y * norm.weight + norm.bias if choice["affine"] == "yes" else y


def _sublayer(wiring: str, x: torch.Tensor, norm, f) -> torch.Tensor:
    """x passed through sub-layer f and its LayerNorm `norm`, wired as `wiring` says."""
    if wiring == "pre_norm":
        return x + f(norm(x))
    if wiring == "post_norm":
        return norm(x + f(x))
    if wiring == "no_residual":
        return f(norm(x))
    if wiring == "residual_from_norm":
        return norm(x) + f(norm(x))
    return x + f(x)  # no_norm


def _block_with(choice: dict, block: TransformerBlock, x: torch.Tensor) -> torch.Tensor:
    x = _sublayer(choice["attn"], x, block.ln_1, block.attn)
    return _sublayer(choice["mlp"], x, block.ln_2, block.mlp)


def _gpt_with(choice: dict, gpt: GPT, idx: torch.Tensor) -> torch.Tensor:
    x = gpt.tok_emb(idx)
    if choice["pos_emb"] == "added":
        x = x + gpt.pos_emb(torch.arange(idx.size(1), device=idx.device))
    for block in gpt.blocks:
        x = block(x)
    if choice["final_norm"] == "applied":
        x = gpt.ln_f(x)
    return gpt.lm_head(x)


# glassgpt's computation of each part with the mistakes in a choice of CHOICES: (choice, glassgpt module, input)
WITH_MISTAKES = {"layer_norm": _layer_norm_with, "attention": _attention_with, "mlp": _mlp_with,
                 "block": _block_with, "gpt": _gpt_with}
# the checks of each part, in order; build comes first for every part
CHECKS = {
    "layer_norm": ("build", "shapes", "reference"),
    "attention": ("build", "shapes", "causal", "reference", "eval"),
    "mlp": ("build", "shapes", "reference", "eval"),
    "block": ("build", "shapes", "causal", "reference", "eval"),
    "gpt": ("build", "shapes", "causal", "reference", "params", "init_loss", "gradients", "eval"),
}
# the learner's class for each part, by the course's name (nanoGPT's second)
CLASS_NAMES = {"layer_norm": ("LayerNorm",), "attention": ("CausalSelfAttention",), "mlp": ("MLP",),
               "block": ("TransformerBlock", "Block"), "gpt": ("GPT",)}


# --- the grader --------------------------------------------------------------------------------------------------

class _Grader:
    def __init__(self, module, file: Path, seed: int):
        self.module, self.file, self.seed = module, file, seed
        self.generator = torch.Generator().manual_seed(seed)
        self.findings: list[Finding] = []
        self.gelu = "tanh"  # which GELU the learner's MLP computes; the references above the MLP use the same
        self.eps = 1e-5  # the learner's LayerNorm eps, where it has one

    def grade(self) -> Report:
        self.config = self._build_config(CHECK_CONFIG)
        self.dropout_config = self._build_config({**CHECK_CONFIG, "dropout": EVAL_DROPOUT})
        for role, names in CLASS_NAMES.items():
            cls = next(filter(None, (self._own_class(name) for name in names)), None)
            if cls is None:
                if role != "layer_norm":  # a LayerNorm of one's own is optional: torch's nn.LayerNorm will do
                    self.findings.append(Finding(names[0], role, "build", FAIL, [Note("no_class", {"name": names[0]})]))
            elif self.config is None and role != "layer_norm":
                self.findings += [Finding(cls.__name__, role, check, SKIP) for check in CHECKS[role]]
            else:
                (self._check_gpt if role == "gpt" else self._check_part)(role, cls)
        return Report(str(self.file), dict(CHECK_CONFIG), self.findings)

    def _own_class(self, name: str):
        """The class `name` if the learner's file defines it (an alias of torch's nn.LayerNorm is not theirs)."""
        value = getattr(self.module, name, None)
        return value if isinstance(value, type) and value.__module__ == self.module.__name__ else None

    def _build_config(self, fields: dict):
        try:
            return self._call(self.module.GPTConfig, **fields)
        except _LearnerRaised as e:
            if not self.findings:  # said once, for the first of the two configs
                self.findings.append(Finding("GPTConfig", "config", "build", FAIL, [e.note]))
            return None

    # running the learner's code, and recording what happened

    def _call(self, fn, *args, **kwargs):
        """Run the learner's code; whatever it raises becomes _LearnerRaised, saying what and where."""
        try:
            with _quiet():
                return fn(*args, **kwargs)
        except (Exception, SystemExit) as e:
            if isinstance(e, NotImplementedError):
                note = Note("not_written", {"error": str(e) or "NotImplementedError"}, _where_raised(e, self.file))
            else:
                note = Note("raised", {"error": _one_line(e)}, _where_raised(e, self.file))
            raise _LearnerRaised(note) from None

    def _where_defined(self, module, method: str = "forward") -> Where | None:
        """Where the learner's class defines `method`, when that is in their file."""
        function = getattr(type(module), method, None)
        code = getattr(function, "__code__", None)
        if code is None or code.co_filename != str(self.file):
            return None
        return Where(function.__qualname__, code.co_firstlineno)

    def _run_checks(self, part: str, role: str, checks: dict) -> None:
        """Run `checks` {name: run} in order, each `run()` -> (status, notes), recording a finding for each.
        A failed build or shapes check leaves nothing to check after it: the rest are skipped."""
        stopped = False
        for check in CHECKS[role]:
            if stopped:
                self.findings.append(Finding(part, role, check, SKIP))
                continue
            try:
                status, notes = checks[check]()
            except _LearnerRaised as e:
                status, notes = (TODO if e.note.key == "not_written" else FAIL), [e.note]
            except Exception as e:  # the learner's output broke a check (a list where a tensor belongs, ...)
                status, notes = FAIL, [Note("raised", {"error": _one_line(e)}, _where_raised(e, self.file))]
            self.findings.append(Finding(part, role, check, status, notes))
            stopped = status != PASS and check in ("build", "shapes")

    def _failed(self, *roles: str) -> list[str]:
        """Those of `roles` with a check that did not pass."""
        return [role for role in roles if any(f.status != PASS for f in self.findings if f.role == role)]

    # inputs, random weights, and glassgpt's reference with the learner's weights

    def _randn(self, *shape) -> torch.Tensor:
        return torch.randn(*shape, generator=self.generator)

    def _tokens(self, *shape) -> torch.Tensor:
        return torch.randint(0, CHECK_CONFIG["vocab_size"], shape, generator=self.generator)

    def _features(self, batch: int = 2) -> torch.Tensor:
        """A (batch, block_size, n_embd) input, with a mean and a spread for a LayerNorm to remove."""
        return 1 + 2 * self._randn(batch, CHECK_CONFIG["block_size"], CHECK_CONFIG["n_embd"])

    def _reference_config(self, **changes) -> GPTConfig:
        return GPTConfig(**{**CHECK_CONFIG, "attention": "manual", "gelu_approximate": self.gelu,
                            "layer_norm_eps": self.eps, **changes})

    def _references(self, role: str, learner: nn.Module) -> list[tuple[str, nn.Module]]:
        """glassgpt's modules this part may equal, each with the note that says so when it does."""
        if role == "layer_norm":
            return [("same", nn.LayerNorm(CHECK_CONFIG["n_embd"], eps=self.eps))]
        if role == "attention":
            return [("same", CausalSelfAttention(self._reference_config(), layer_idx=0))]
        if role == "mlp":  # GPT-2's tanh approximation of GELU, or the exact GELU: either is right
            return [("gelu_tanh", MLP(self._reference_config(gelu_approximate="tanh"))),
                    ("gelu_none", MLP(self._reference_config(gelu_approximate="none")))]
        if role == "block":
            return [("same", TransformerBlock(self._reference_config(), layer_idx=0))]
        return [("same", GPT(self._reference_config(tie_weights=self._untied(learner) is None)))]

    @torch.no_grad()
    def _randomised(self, module: nn.Module) -> nn.Module:
        """A copy of `module` with every parameter random, of a sensible size, so that no zero bias or unit gain
        hides a mistake: matrices N(0, 1/fan_in), which keeps activations near unit size; vectors moved by
        N(0, 0.2^2)."""
        module = self._call(copy.deepcopy, module)
        for p in module.parameters():
            if p.dim() >= 2:
                p.copy_(self._randn(*p.shape) / math.sqrt(p.shape[-1]))
            else:
                p.add_(0.2 * self._randn(*p.shape))
        return module

    @torch.no_grad()
    def _load_reference(self, reference: nn.Module, learner: nn.Module) -> list[Note]:
        """Copy the learner's tensors into glassgpt's `reference` by name; a note for each one that is missing or
        of another shape (and then the reference is not usable)."""
        named = dict(learner.named_parameters(remove_duplicate=False))
        problems = []
        for path, module in reference.named_modules():
            for name, param in module.named_parameters(recurse=False):
                tried = _learner_names(path, name, isinstance(module, nn.LayerNorm))
                found = next((n for n in tried if n in named), None)
                if found is None:
                    problems.append(Note("missing_tensor", {"name": tried[0], "tried": ", ".join(tried[1:]) or "-"}))
                elif named[found].shape != param.shape:
                    problems.append(Note("tensor_shape", {"name": found, "got": _shape(named[found].shape),
                                                          "expected": _shape(param.shape)}))
                else:
                    param.copy_(named[found])
        return problems

    def _untied(self, gpt: nn.Module) -> tuple[str, str] | None:
        """The learner's (head, token embedding) names when those are two tensors, else None (tied, or unread)."""
        head, tok = _find_parameter(gpt, "lm_head", "weight"), _find_parameter(gpt, "tok_emb", "weight")
        if head is None or tok is None or head[1] is tok[1]:
            return None
        return head[0], tok[0]

    def _replaced(self, role: str) -> list[str]:
        """What `_isolated` replaces in a block or GPT: the attributes whose part did not pass its own checks."""
        if role == "block":
            return [name for name, part in (("attn", "attention"), ("mlp", "mlp"), ("ln_1", "layer_norm"),
                                            ("ln_2", "layer_norm")) if self._failed(part)]
        if role == "gpt":
            return ["blocks"] * bool(self._failed("layer_norm", "attention", "mlp", "block")) \
                + ["ln_f"] * bool(self._failed("layer_norm"))
        return []

    def _isolated(self, role: str, module: nn.Module) -> nn.Module:
        """A block or GPT with glassgpt's version (carrying the learner's weights) of each part below it that did
        not pass, so that its own checks grade its own code; the module itself when every part below passed."""
        replace = self._replaced(role)
        if not replace:
            return module
        (_, glass), = self._references(role, module)
        if self._load_reference(glass, module):
            return module  # its layout cannot be read: the reference check will say so
        module = self._call(copy.deepcopy, module)
        for name in replace:
            path = next(p for p in _GPT_NAMES.get(name, (name,)) if _has_submodule(module, p))
            if name == "blocks":
                for i, block in enumerate(glass.blocks):
                    module.get_submodule(path)[i] = block
            else:
                parent, _, attribute = path.rpartition(".")
                setattr(module.get_submodule(parent), attribute, getattr(glass, name))
        return module

    def _replaced_notes(self, role: str) -> list[Note]:
        classes = {"attn": "CausalSelfAttention", "mlp": "MLP", "ln_1": "LayerNorm", "ln_2": "LayerNorm",
                   "blocks": "TransformerBlock", "ln_f": "LayerNorm"}
        names = list(dict.fromkeys(classes[name] for name in self._replaced(role)))  # in order, once each
        return [Note("replaced", {"parts": ", ".join(names)})] if names else []

    # the checks

    def _build_check(self, part, role, build, call: str, state: dict):
        """The build check: the learner's class built as `build()` (their own initialisation), in eval mode; then
        `state["own"]` is it and `state["random"]` a copy with random weights, isolated from failed parts."""
        def run():
            torch.manual_seed(self.seed)
            own = self._call(build)
            if not isinstance(own, nn.Module):
                return FAIL, [Note("not_module", {"call": call, "got": type(own).__name__})]
            state["own"] = own.eval()
            state["random"] = self._isolated(role, self._randomised(own))
            return PASS, [Note("build_ok", {"call": call}), *self._replaced_notes(role)]
        return run

    def _shapes(self, module: nn.Module) -> tuple:
        """(B, T, d) in, (B, T, d) out, all finite."""
        x = self._randn(*SHAPES_INPUT, CHECK_CONFIG["n_embd"])
        with torch.no_grad():
            y = self._call(module, x)
        where = self._where_defined(module)
        if not isinstance(y, torch.Tensor):
            return FAIL, [Note("not_tensor", {"got": type(y).__name__, "expected": _shape(x.shape)}, where)]
        if y.shape != x.shape:
            return FAIL, [Note("shape", {"shape_in": _shape(x.shape), "got": _shape(y.shape),
                                         "expected": _shape(x.shape)}, where)]
        if not torch.isfinite(y).all():
            return FAIL, [Note("not_finite", {}, where)]
        return PASS, [Note("shapes_ok", {"shape_in": _shape(x.shape), "shape_out": _shape(y.shape)})]

    def _causal(self, forward, x: torch.Tensor, changed: torch.Tensor, where: Where | None) -> tuple:
        """`changed` is `x` with every position from the middle on changed: the outputs before it must stay."""
        cut = CHECK_CONFIG["block_size"] // 2
        with torch.no_grad():
            y, y_changed = self._call(forward, x), self._call(forward, changed)
        difference = _difference(y_changed[:, :cut], y[:, :cut])
        if difference > TOLERANCE:
            return FAIL, [Note("causal", {"cut": cut, "diff": difference}, where)]
        return PASS, []

    def _eval_deterministic(self, module: nn.Module, forward, x: torch.Tensor) -> tuple:
        """`module`, built with dropout, must give the same output twice in eval() mode."""
        module.eval()
        with torch.no_grad():
            first, second = self._call(forward, module, x), self._call(forward, module, x)
        difference = _difference(second, first)
        if difference > TOLERANCE:
            return FAIL, [Note("eval_random", {"diff": difference, "p": EVAL_DROPOUT}, self._where_defined(module))]
        return PASS, []

    def _reference(self, role: str, learner: nn.Module, x: torch.Tensor, got: torch.Tensor) -> tuple:
        """The learner's output `got` on `x` against glassgpt's, given the same weights. When they differ, the notes
        name the classic mistakes that reproduce `got`."""
        where = self._where_defined(learner)
        if not torch.isfinite(got).all():
            return FAIL, [Note("not_finite", {}, where)]
        for i, (detail, glass) in enumerate(self._references(role, learner)):
            problems = self._load_reference(glass.eval(), learner)
            if problems:
                return FAIL, problems
            with torch.no_grad():
                expected = glass(x)[0] if role == "gpt" else glass(x)
            difference = _difference(got, expected)
            if difference <= TOLERANCE:
                if role == "mlp":
                    self.gelu = detail.removeprefix("gelu_")
                return PASS, [Note(detail, {"diff": difference})]
            if i == 0:
                first, first_difference = glass, difference
        mistakes = _diagnose(got, CHOICES[role], lambda choice: WITH_MISTAKES[role](choice, first, x))
        if not mistakes:  # None: no classic mistake explains it
            return FAIL, [Note(f"{role}.differs", {"diff": first_difference}, where)]
        return FAIL, [self._mistake_note(role, knob, option, where) for knob, option in mistakes.items()]

    def _mistake_note(self, role: str, knob: str, option: str, where) -> Note:
        if role == "block":  # one sentence per wiring, said of the sub-layer it wraps
            sublayer, norm = ("self.attn", "self.ln_1") if knob == "attn" else ("self.mlp", "self.ln_2")
            return Note(f"block.{option}", {"sublayer": sublayer, "norm": norm}, where)
        d = CHECK_CONFIG["n_embd"]
        return Note(f"{role}.{knob}.{option}", {"n_embd": d, "head_size": d // CHECK_CONFIG["n_head"]}, where)

    # the parts

    def _check_part(self, role: str, cls) -> None:
        """A part that maps (B, T, d) to (B, T, d): LayerNorm, attention, MLP or block."""
        part, state = cls.__name__, {}
        if role == "layer_norm":
            d = CHECK_CONFIG["n_embd"]
            takes_bias = "bias" in inspect.signature(cls).parameters
            call = f"{part}({d}, bias=True)" if takes_bias else f"{part}({d})"

            def build(config):
                norm = cls(d, bias=True) if takes_bias else cls(d)
                if isinstance(getattr(norm, "eps", None), float):
                    self.eps = norm.eps  # the references of the parts above use the learner's eps too
                return norm
        else:
            build, call = cls, f"{part}(config)"

        def reference():
            x = self._features()
            with torch.no_grad():
                return self._reference(role, state["random"], x, self._call(state["random"], x))

        def causal():
            x, cut = self._features(), CHECK_CONFIG["block_size"] // 2
            changed = x.clone()
            changed[:, cut:] = self._features()[:, cut:]
            return self._causal(state["random"], x, changed, self._where_defined(state["random"]))

        def eval_check():
            torch.manual_seed(self.seed)
            module = self._isolated(role, self._call(build, self.dropout_config))
            return self._eval_deterministic(module, _forward, self._features())

        self._run_checks(part, role, {
            "build": self._build_check(part, role, lambda: build(self.config), call, state),
            "shapes": lambda: self._shapes(state["random"]),
            "causal": causal,
            "reference": reference,
            "eval": eval_check,
        })

    def _check_gpt(self, role: str, cls) -> None:
        part, state = cls.__name__, {}
        V, T = CHECK_CONFIG["vocab_size"], CHECK_CONFIG["block_size"]

        def shapes():
            model, (B, T_short) = state["random"], SHAPES_INPUT
            where, idx = self._where_defined(model), self._tokens(*SHAPES_INPUT)
            with torch.no_grad():
                out = self._call(model, idx)
                if not (isinstance(out, (tuple, list)) and len(out) == 2 and isinstance(out[0], torch.Tensor)):
                    return FAIL, [Note("gpt_returns", {"got": type(out).__name__}, where)]
                logits, loss = out
                expected = _shape((B, T_short, V))
                if _shape(logits.shape) != expected:
                    key = "logitslast_only" if _shape(logits.shape) == _shape((B, 1, V)) else "shape"
                    return FAIL, [Note(key, {"shape_in": _shape(idx.shape), "got": _shape(logits.shape),
                                             "expected": expected}, where)]
                if loss is not None:
                    return FAIL, [Note("loss_not_none", {"got": type(loss).__name__}, where)]
                _, loss = self._call(model, idx, self._tokens(*SHAPES_INPUT))
            if not (isinstance(loss, torch.Tensor) and loss.dim() == 0):
                got = _shape(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
                return FAIL, [Note("loss_not_scalar", {"got": got}, where)]
            if not (torch.isfinite(logits).all() and torch.isfinite(loss)):
                return FAIL, [Note("not_finite", {}, where)]
            return PASS, [Note("gpt_shapes_ok", {"idx": _shape(idx.shape), "logits": expected})]

        def causal():
            cut, idx = T // 2, self._tokens(2, T)
            changed = idx.clone()
            changed[:, cut:] = (idx[:, cut:] + 1 + self._tokens(2, T - cut) % (V - 1)) % V  # each token changes
            model = state["random"]
            return self._causal(lambda i: _logits(model, i), idx, changed, self._where_defined(model))

        def reference():
            model, idx, targets = state["random"], self._tokens(2, T), self._tokens(2, T)
            with torch.no_grad():
                logits, loss = self._call(model, idx, targets)
                status, notes = self._reference(role, model, idx, logits)
                expected = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
            if status == PASS and not _same(loss.reshape(()), expected):
                return FAIL, [Note("gpt.loss", {"got": loss.item(), "expected": expected.item()},
                                   self._where_defined(model))]
            return status, notes

        def params():
            own = state["own"]
            count = sum(p.numel() for p in own.parameters())  # a tensor shared by two names counts once
            expected = count_parameters(GPTConfig(**CHECK_CONFIG))  # tied, as GPT-2
            where = self._where_defined(own, "__init__")
            untied = self._untied(own)
            if untied:
                return FAIL, [Note("head_not_tied", {"head": untied[0], "tok": untied[1],
                                                     "extra": count - expected.total}, where)]
            sizes = {"V": V, "T_max": T, "L": CHECK_CONFIG["n_layer"], "d": CHECK_CONFIG["n_embd"],
                     "formula": expected.total_formula, "expected": expected.total, "got": count}
            return (PASS, [Note("params_ok", sizes)]) if count == expected.total else \
                (FAIL, [Note("param_count", sizes, where)])

        def init_loss():
            model = self._isolated(role, state["own"])  # the learner's own initial weights
            with torch.no_grad():
                _, loss = self._call(model, self._tokens(4, T), self._tokens(4, T))
            fields = {"loss": float(loss), "vocab": V, "ln_vocab": math.log(V)}
            if not math.isfinite(fields["loss"]):
                return FAIL, [Note("not_finite", {}, self._where_defined(model))]
            if abs(fields["loss"] - fields["ln_vocab"]) > INIT_LOSS_MARGIN * fields["ln_vocab"]:
                return FAIL, [Note("init_loss", fields, self._where_defined(model, "__init__"))]
            return PASS, [Note("init_loss_ok", fields)]

        def gradients():
            model = self._call(copy.deepcopy, state["random"])
            _, loss = self._call(model, self._tokens(2, T), self._tokens(2, T))
            self._call(loss.backward)
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

        def eval_check():
            torch.manual_seed(self.seed)
            model = self._isolated(role, self._call(cls, self.dropout_config))
            return self._eval_deterministic(model, _logits, self._tokens(2, T))

        self._run_checks(part, role, {
            "build": self._build_check(part, role, lambda: cls(self.config), f"{part}(config)", state),
            "shapes": shapes, "causal": causal, "reference": reference, "params": params,
            "init_loss": init_loss, "gradients": gradients, "eval": eval_check,
        })


def _forward(module, x):
    return module(x)


def _logits(gpt, idx):
    return gpt(idx)[0]


def _has_submodule(module: nn.Module, path: str) -> bool:
    try:
        module.get_submodule(path)
        return True
    except AttributeError:
        return False
