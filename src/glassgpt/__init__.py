"""glassgpt: a GPT you can see through."""

from .config import PRESETS, GPTConfig
from .errors import GlassGPTError
from .model import GPT

__all__ = ["GPT", "GPTConfig", "GlassGPTError", "PRESETS"]
__version__ = "0.1.0"
