"""The learner's side: their file imported as a module, their code run so that whatever it raises becomes a note
saying what and where, and what their code chose where GPT-2 allows a choice (the GELU, the LayerNorm eps).

This runs the learner's code in whatever process calls it: `glassgpt check` only ever in its child process
(sandbox.py); tests on learner files they wrote themselves.
"""

import copy
import functools
import importlib.machinery
import importlib.util
import inspect
import itertools
import linecache
import math
import sys
import traceback
import zlib
from pathlib import Path

import torch
import torch.nn as nn

from ..model import MLP
from .reference import CHECK_CONFIG, features, load_reference, reference_config, same
from .report import Note, Where

# the learner's class for each part, by the course's name (nanoGPT's second), in the order they are graded
CLASS_NAMES = {"layer_norm": ("LayerNorm",), "attention": ("CausalSelfAttention",), "mlp": ("MLP",),
               "block": ("TransformerBlock", "Block"), "gpt": ("GPT",)}

_loaded = itertools.count()


def import_learner(path) -> object:
    """Import the learner's file as a module of its own, its folder on sys.path while it imports (as when they run
    it). This runs their code: whatever it raises comes out as it is (the child process says it, sandbox.py)."""
    file = Path(path).resolve()
    name = f"_glassgpt_learner_{next(_loaded)}"
    # any file name will do (not only *.py): the loader is named, not guessed from the suffix
    loader = importlib.machinery.SourceFileLoader(name, str(file))
    module = importlib.util.module_from_spec(importlib.util.spec_from_file_location(name, file, loader=loader))
    sys.modules[name] = module  # dataclasses look their module up here while the class is made
    sys.path.insert(0, str(file.parent))
    try:
        loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name)
        raise
    finally:
        sys.path.remove(str(file.parent))
    return module


def missing_class(module) -> str | None:
    """The first class the checker cannot do without that the module lacks (GPTConfig, GPT), else None."""
    return next((name for name in ("GPTConfig", "GPT") if not isinstance(getattr(module, name, None), type)), None)


class LearnerRaised(Exception):
    """The learner's code raised; `note` says what and where."""

    def __init__(self, note: Note):
        super().__init__(note.key)
        self.note = note


def one_line(e: BaseException) -> str:
    text = f"{type(e).__name__}: {e}".splitlines()[0] if str(e).strip() else type(e).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _qualname(code) -> str:
    return getattr(code, "co_qualname", code.co_name)  # co_qualname: Python 3.11+


def where_raised(e: BaseException, file: Path) -> Where | None:
    """The last frame of the traceback that lies in the learner's file: where their code was when it failed."""
    frames = [(frame, line) for frame, line in traceback.walk_tb(e.__traceback__)
              if frame.f_code.co_filename == str(file)]
    if not frames:
        return None
    frame, line = frames[-1]
    return Where(_qualname(frame.f_code), line, linecache.getline(str(file), line).strip())


class Learner:
    """The learner's module and how to run its code. Nothing in it changes while grading: what it knows is read
    from their code alone (the same whichever check asks first)."""

    def __init__(self, module, file: Path, seed: int):
        self.module, self.file, self.seed = module, file, seed

    def call(self, fn, *args, **kwargs):
        """Run the learner's code; whatever it raises becomes LearnerRaised, saying what and where."""
        try:
            return fn(*args, **kwargs)
        except (Exception, SystemExit) as e:
            if isinstance(e, NotImplementedError):
                note = Note("not_written", {"error": str(e) or "NotImplementedError"}, where_raised(e, self.file))
            else:
                note = Note("raised", {"error": one_line(e)}, where_raised(e, self.file))
            raise LearnerRaised(note) from None

    def own_class(self, role: str):
        """The learner's class of part `role`, if their file defines it (an alias of torch's nn.LayerNorm, say, is
        not theirs)."""
        classes = (getattr(self.module, name, None) for name in CLASS_NAMES[role])
        return next((c for c in classes if isinstance(c, type) and c.__module__ == self.module.__name__), None)

    def where_defined(self, module, method: str = "forward") -> Where | None:
        """Where the learner's class defines `method`, when that is in their file."""
        function = getattr(type(module), method, None)
        code = getattr(function, "__code__", None)
        if code is None or code.co_filename != str(self.file):
            return None
        return Where(function.__qualname__, code.co_firstlineno)

    def generator(self, *names: str) -> torch.Generator:
        """A generator of its own for each (part, check, ...): what one check draws never depends on another."""
        return torch.Generator().manual_seed((self.seed * 1_000_003 + zlib.crc32("/".join(names).encode())) % 2 ** 63)

    @torch.no_grad()
    def randomised(self, module: nn.Module, generator: torch.Generator) -> nn.Module:
        """A copy of the learner's `module` with every parameter random, of a sensible size, so that no zero bias or
        unit gain hides a mistake: matrices N(0, 1/fan_in), which keeps activations near unit size; vectors moved
        by N(0, 0.2^2)."""
        module = self.call(copy.deepcopy, module)
        for p in module.parameters():
            if p.dim() >= 2:
                p.copy_(torch.randn(p.shape, generator=generator) / math.sqrt(p.shape[-1]))
            else:
                p.add_(0.2 * torch.randn(p.shape, generator=generator))
        return module

    def build_layer_norm(self, cls) -> nn.Module:
        """The learner's LayerNorm class built for n_embd, with a bias where it takes one."""
        d = CHECK_CONFIG["n_embd"]
        return self.call(cls, d, bias=True) if "bias" in inspect.signature(cls).parameters else self.call(cls, d)

    def config(self, **changes):
        """The learner's GPTConfig with CHECK_CONFIG's sizes (LearnerRaised if their class refuses them)."""
        return self.call(self.module.GPTConfig, **{**CHECK_CONFIG, **changes})

    @functools.cached_property
    def eps(self) -> float:
        """The eps of the learner's own LayerNorm, where it keeps one as `eps`; GPT-2's 1e-5 otherwise."""
        cls = self.own_class("layer_norm")
        try:
            eps = getattr(self.build_layer_norm(cls), "eps", None) if cls else None
        except LearnerRaised:
            eps = None
        return eps if isinstance(eps, float) and math.isfinite(eps) and eps > 0 else 1e-5

    @functools.cached_property
    def gelu(self) -> str:
        """Which GELU the learner's MLP computes: "none" (exact) when it matches that one, else GPT-2's "tanh"."""
        cls = self.own_class("mlp")
        if cls is None:
            return "tanh"
        try:
            torch.manual_seed(self.seed)
            mlp = self.randomised(self.call(cls, self.config()), self.generator("mlp", "gelu"))
            x = features(self.generator("mlp", "gelu", "x"))
            with torch.no_grad():
                got = self.call(mlp, x)
                exact = MLP(reference_config(gelu="none"))
                if load_reference(exact, mlp) == [] and same(got, exact(x)):
                    return "none"
        except Exception:  # a broken MLP is graded by its own checks; the others use GPT-2's GELU
            pass
        return "tanh"

