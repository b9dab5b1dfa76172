"""glassgpt: a GPT you can see through. The course's step-2 names, and the errors it raises."""

from .config import PRESETS, GPTConfig
from .errors import GlassGPTError
from .model import GPT, MLP, CausalSelfAttention, LayerNorm, TransformerBlock

__all__ = ["GPT", "GPTConfig", "CausalSelfAttention", "MLP", "TransformerBlock", "LayerNorm", "GlassGPTError",
           "PRESETS"]
__version__ = "0.2.0"
