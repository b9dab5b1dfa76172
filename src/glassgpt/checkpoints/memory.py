"""Memory checks made before a checkpoint is read: a config that claims more than fits is refused at once, with
its shape and the memory it needs, before any tensor is read or any model built."""

import torch

from ..accounting import format_bytes, require_memory, weight_bytes
from ..config import GPTConfig


def require_model_memory(config: GPTConfig, file_bytes: int) -> None:
    """Loading holds the stored tensors and builds the model on them (on the meta device first, so the weights
    exist once): refuse when the larger of the file and the config's weights in 16-bit (the smallest dtype a
    checkpoint is computed in) would not fit."""
    nbytes = max(file_bytes, weight_bytes(config, torch.bfloat16))
    require_memory(nbytes, f"GPT vocab_size={config.vocab_size} block_size={config.block_size} "
                           f"n_layer={config.n_layer} n_embd={config.n_embd} ({format_bytes(nbytes)})")
