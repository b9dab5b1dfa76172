"""The runner: the only code that runs the learner's code. It lives in the child process (sandbox.py), and in the
tests' own process when they grade files they wrote themselves.

It imports the learner's file, builds their classes, and runs them on the inputs and weights the checker sends,
answering each request with data only: tensors, shapes, names, and what their code raised and where. It judges
nothing: every comparison and every verdict is the checker's, in the other process (grader.py), so that code
which tampers with this process (torch monkeypatched, the pipe written to) can change the data it returns, but not
what the checker concludes from it.

Requests (`serve`): {"op", "args"} with the op one of load, config, build, weights, state, replace, forward,
gradients, eps. Objects the checker refers to again (a config, a module) are kept here and named by a number.
"""

import copy
import importlib.machinery
import importlib.util
import inspect
import itertools
import json
import sys
import traceback
from pathlib import Path

import torch
import torch.nn as nn

# the learner's class for each part, by the course's name (nanoGPT's second), in the order they are graded
CLASS_NAMES = {"layer_norm": ("LayerNorm",), "attention": ("CausalSelfAttention",), "mlp": ("MLP",),
               "block": ("TransformerBlock", "Block"), "gpt": ("GPT",)}
_loaded = itertools.count()
# the glassgpt parts the checker may put in place of a learner's part that did not pass
_GLASS_PARTS = ("CausalSelfAttention", "MLP", "TransformerBlock", "LayerNorm")


def import_learner(path) -> object:
    """Import the learner's file as a module of its own, its folder on sys.path while it imports (as when they run
    it). This runs their code: whatever it raises comes out as it is."""
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


def one_line(e: BaseException) -> str:
    text = f"{type(e).__name__}: {e}".splitlines()[0] if str(e).strip() else type(e).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def where_raised(e: BaseException, file: Path) -> dict | None:
    """The last frame of the traceback in the learner's file: where their code was when it failed."""
    frames = [(frame, line) for frame, line in traceback.walk_tb(e.__traceback__)
              if frame.f_code.co_filename == str(file)]
    if not frames:
        return None
    frame, line = frames[-1]
    return {"name": getattr(frame.f_code, "co_qualname", frame.f_code.co_name), "line": line}


def glassgpt_base(cls) -> str | None:
    """The name of the first of glassgpt's own classes that `cls` is or derives from, else None. glassgpt's
    LayerNorm is not counted: it is torch's nn.LayerNorm, which a learner may use as it is."""
    for base in getattr(cls, "__mro__", ()):
        module = getattr(base, "__module__", None) or ""
        if (module == "glassgpt" or module.startswith("glassgpt.")) and base.__qualname__ != "LayerNorm":
            return base.__qualname__
    return None


class Runner:
    def __init__(self, file, seed: int):
        self.file, self.seed = Path(file).resolve(), seed
        self.module, self.objects = None, {}

    def serve(self, request: dict) -> dict:
        """The answer to one request: its data, or {"raised": {key, error, where}} when the learner's code (or
        what it returned) raised."""
        try:
            return getattr(self, "_" + request["op"])(**request["args"])
        except (Exception, SystemExit) as e:
            key = "not_written" if isinstance(e, NotImplementedError) else "raised"
            error = (str(e) or "NotImplementedError") if key == "not_written" else one_line(e)
            return {"raised": {"key": key, "error": error, "where": where_raised(e, self.file)}}

    def close(self) -> None:
        if self.module is not None:
            sys.modules.pop(self.module.__name__, None)

    def _keep(self, value) -> int:
        self.objects[len(self.objects)] = value
        return len(self.objects) - 1

    def _load(self) -> dict:
        try:
            self.module = import_learner(self.file)
        except BaseException as e:  # SystemExit and KeyboardInterrupt too: anything the file raises is its failure
            where = where_raised(e, self.file)
            return {"import_failed": {"line": where["line"] if where else "?", "error": one_line(e)}}
        missing = next((name for name in ("GPTConfig", "GPT") if not isinstance(getattr(self.module, name, None),
                                                                                  type)), None)
        return {"missing": missing, "classes": {role: self._class(names) for role, names in CLASS_NAMES.items()}}

    def _class(self, names) -> dict | None:
        """The learner's class of a part: their own, or one of glassgpt's (said as such); an alias of another
        library's class (torch's nn.LayerNorm) is not theirs."""
        for name in names:
            cls = getattr(self.module, name, None)
            if not isinstance(cls, type):
                continue
            own, base = cls.__module__ == self.module.__name__, glassgpt_base(cls)
            if own or base:
                try:
                    takes_bias = "bias" in inspect.signature(cls).parameters
                except (TypeError, ValueError):
                    takes_bias = False
                return {"name": name, "own": own, "glassgpt": base, "takes_bias": takes_bias}
        return None

    def _config(self, changes: dict) -> dict:
        return {"handle": self._keep(self.module.GPTConfig(**changes))}

    def _build(self, name: str, config=None, n_embd=None, bias=None) -> dict:
        """The learner's class `name` built from a kept config, or (a LayerNorm) from a width, in eval mode."""
        torch.manual_seed(self.seed)
        cls = getattr(self.module, name)
        if config is not None:
            module = cls(self.objects[config])
        else:
            module = cls(n_embd, bias=bias) if bias is not None else cls(n_embd)
        if not isinstance(module, nn.Module):
            return {"not_module": type(module).__name__}
        module.eval()
        return self._described(module)

    def _described(self, module: nn.Module) -> dict:
        """A kept module: its parameters by name (a tensor shared by two names has one id), its submodules, and those
        that are glassgpt's own."""
        named = list(module.named_parameters(remove_duplicate=False))
        first = {}
        ids = [first.setdefault(id(p), len(first)) for _, p in named]
        modules = list(module.named_modules(remove_duplicate=False))
        return {"handle": self._keep(module), "names": [n for n, _ in named],
                "shapes": [list(p.shape) for _, p in named], "ids": ids,
                "modules": [path for path, _ in modules],
                "glassgpt": [[path, base] for path, m in modules if (base := glassgpt_base(type(m)))]}

    def _weights(self, handle: int, names: list, tensors: list) -> dict:
        """A copy of a kept module carrying the checker's tensors, by name."""
        module = copy.deepcopy(self.objects[handle])
        parameters = dict(module.named_parameters(remove_duplicate=False))
        with torch.no_grad():
            for name, tensor in zip(names, tensors, strict=True):
                parameters[name].copy_(tensor)
        return self._described(module)

    def _state(self, handle: int) -> dict:
        named = list(self.objects[handle].named_parameters(remove_duplicate=False))
        return {"names": [n for n, _ in named], "tensors": [p.detach() for _, p in named]}

    def _replace(self, handle: int, parts: list) -> dict:
        """A copy of a kept module with glassgpt's modules at the given paths, built here from the recipes the
        checker sent (class name, the numbers it is built from, its tensors)."""
        from .. import model as glass
        from ..config import GPTConfig

        module = copy.deepcopy(self.objects[handle])
        for path, kind, numbers, names, tensors in parts:
            numbers = json.loads(numbers)
            if kind not in _GLASS_PARTS:
                raise ValueError(f"not a part glassgpt puts in: {kind!r}")
            if kind == "LayerNorm":
                replacement = glass.LayerNorm(numbers["n_embd"], bias=numbers["bias"], eps=numbers["eps"])
            else:
                replacement = getattr(glass, kind)(GPTConfig(**numbers))
            replacement.load_state_dict(dict(zip(names, tensors, strict=True)))
            parent, _, attribute = path.rpartition(".")
            setattr(module.get_submodule(parent), attribute, replacement)
        module.eval()
        return self._described(module)

    def _forward(self, handle: int, args: list) -> dict:
        with torch.no_grad():
            return {"out": _described_value(self.objects[handle](*args))}

    def _gradients(self, handle: int, args: list) -> dict:
        """The gradient of every parameter (None where none arrives) after backward from the loss of a copy."""
        module = copy.deepcopy(self.objects[handle])
        out = module(*args)
        loss = out[1] if isinstance(out, (tuple, list)) and len(out) == 2 else out
        loss.backward()
        named = list(module.named_parameters())
        return {"names": [n for n, _ in named], "grads": [p.grad for _, p in named]}

    def _eps(self, handle: int) -> dict:
        eps = getattr(self.objects[handle], "eps", None)
        return {"eps": eps if type(eps) is float else None}


def _described_value(value, depth: int = 0):
    """What the learner's code returned, as data: a tensor, None, a number, a tuple or list of these, or the name
    of its type."""
    if isinstance(value, torch.Tensor) and value.layout == torch.strided and not value.is_complex():
        return value.detach()
    if value is None or type(value) in (bool, int, float):
        return value
    if type(value) in (tuple, list) and depth < 2 and len(value) <= 8:
        return {"seq": [_described_value(v, depth + 1) for v in value], "type": type(value).__name__}
    return {"other": type(value).__name__}
