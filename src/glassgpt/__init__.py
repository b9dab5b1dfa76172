"""glassgpt: a GPT you can see through. The course's step-2 names, the errors it raises, and `check(path)`, which
grades a GPT a learner wrote."""

from .checker import check
from .config import PRESETS, GPTConfig
from .errors import GlassGPTError
from .model import GPT, MLP, CausalSelfAttention, LayerNorm, TransformerBlock

__all__ = ["GPT", "GPTConfig", "CausalSelfAttention", "MLP", "TransformerBlock", "LayerNorm", "GlassGPTError",
           "PRESETS", "check"]
__version__ = "0.2.0"
