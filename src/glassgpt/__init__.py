"""glassgpt: a GPT you can see through. The course's step-2 names, the errors it raises, and `check(path)`, which
grades a GPT a learner wrote.

The names load when first used (PEP 562), so that `import glassgpt.cli` does not wait for torch: the command line
imports torch inside main(), where Ctrl-C is caught."""

import importlib

# public name -> the module that defines it
_HOMES = {"GPT": "model", "MLP": "model", "CausalSelfAttention": "model", "LayerNorm": "model",
          "TransformerBlock": "model", "GPTConfig": "config", "PRESETS": "config", "GlassGPTError": "errors",
          "check": "checker"}

__all__ = ["GPT", "GPTConfig", "CausalSelfAttention", "MLP", "TransformerBlock", "LayerNorm", "GlassGPTError",
           "PRESETS", "check"]
__version__ = "0.2.0"


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'glassgpt' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value  # once
    return value


def __dir__():
    return sorted([*globals(), *__all__])
