"""glassgpt: a GPT you can see through. The course's step-2 names, the errors it raises, and `check(path)`, which
grades a GPT a learner wrote, and for notebooks `show(model, text=..., tokenizer=...)` (the lab inline) and
`%load_ext glassgpt` (results shown as HTML; glassgpt/notebook.py).

The names load when first used (PEP 562), so that `import glassgpt.cli` does not wait for torch: the command line
imports torch inside main(), where Ctrl-C is caught."""

import importlib

# public name -> the module that defines it
_HOMES = {"GPT": "model", "MLP": "model", "CausalSelfAttention": "model", "LayerNorm": "model",
          "TransformerBlock": "model", "GPTConfig": "config", "PRESETS": "config", "GlassGPTError": "errors",
          "check": "checker", "show": "notebook"}

__all__ = ["GPT", "GPTConfig", "CausalSelfAttention", "MLP", "TransformerBlock", "LayerNorm", "GlassGPTError",
           "PRESETS", "check", "show"]
__version__ = "0.2.0"


def load_ipython_extension(ipython):
    """`%load_ext glassgpt`: glassgpt's results show as HTML tables in this notebook."""
    importlib.import_module(f"{__name__}.notebook").load_ipython_extension(ipython)


def unload_ipython_extension(ipython):
    importlib.import_module(f"{__name__}.notebook").unload_ipython_extension(ipython)


def __getattr__(name: str):
    if name == "notebook":  # `glassgpt.notebook.view(...)` works before any `%load_ext glassgpt`
        return importlib.import_module(f"{__name__}.notebook")
    if name not in _HOMES:
        raise AttributeError(f"module 'glassgpt' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value  # once
    return value


def __dir__():
    return sorted([*globals(), *__all__])
