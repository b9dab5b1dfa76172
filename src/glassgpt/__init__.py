"""glassgpt: a GPT you can see through. The course's step-2 names, the errors it raises, `check(path)`, which
grades a GPT a learner wrote, and for notebooks `show(model, text=..., tokenizer=...)` (the lab inline) and
`%load_ext glassgpt` (results shown as HTML; glassgpt/notebook.py)."""

from .checker import check
from .config import PRESETS, GPTConfig
from .errors import GlassGPTError
from .model import GPT, MLP, CausalSelfAttention, LayerNorm, TransformerBlock

__all__ = ["GPT", "GPTConfig", "CausalSelfAttention", "MLP", "TransformerBlock", "LayerNorm", "GlassGPTError",
           "PRESETS", "check", "show"]
__version__ = "0.2.0"


def show(model, text=None, tokenizer=None, **options):
    """The lab page of `model` reading `text`, shown inline in a notebook (notebook.show says every option)."""
    from .notebook import show as show_lab  # the notebook display loads only when a notebook asks for it

    return show_lab(model, text=text, tokenizer=tokenizer, **options)


def load_ipython_extension(ipython):
    """`%load_ext glassgpt`: glassgpt's results show as HTML tables in this notebook."""
    from .notebook import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython):
    from .notebook import unload_ipython_extension as unload

    unload(ipython)


def __getattr__(name):
    if name == "notebook":  # `glassgpt.notebook.view(...)` works before any `%load_ext glassgpt`
        import importlib

        return importlib.import_module(".notebook", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
