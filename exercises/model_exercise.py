"""Exercise: write a GPT yourself, in the course's layout, and let glassgpt check it.

Fill in every method that raises NotImplementedError, in the order of the file, and run

    python model.py check exercises/model_exercise.py        (or: glassgpt check exercises/model_exercise.py)

after each one. The checker builds each class with a small GPTConfig, copies your weights into glassgpt's own
GPT-2 and compares the outputs, and tells you what is not written yet, what fails, where, and what the course
writes instead. Keep the attribute names given in the comments: the checker finds your weights by them.

Shape letters: B batch, T tokens, C = n_embd, nh = n_head, hs = C // nh (head size), V = vocab_size.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
from torch.nn import functional as F


@dataclass
class GPTConfig:
    vocab_size: int = 50257  # distinct tokens
    block_size: int = 1024  # longest sequence: the number of learned positions
    n_embd: int = 768  # width of each token's vector
    n_head: int = 12  # attention heads; each sees n_embd // n_head of the width
    n_layer: int = 12  # transformer blocks
    dropout: float = 0.0  # only while training
    bias: bool = True  # biases in the Linear layers and LayerNorms


class LayerNorm(nn.Module):
    """LayerNorm with an optional bias: normalise each token's C features, then scale and shift."""

    def __init__(self, ndim, bias=True):
        super().__init__()
        # self.weight: a Parameter of ndim ones (the gain); self.bias: ndim zeros (the shift), or None if not bias
        raise NotImplementedError("TODO: LayerNorm.__init__, a gain self.weight and a shift self.bias")

    def forward(self, x):
        # x (B, T, C): subtract the mean over C, divide by sqrt(variance + 1e-5), then * weight + bias
        raise NotImplementedError("TODO: LayerNorm.forward")


class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        # self.c_attn: one Linear C -> 3C making q, k and v at once; self.c_proj: Linear C -> C (bias=config.bias)
        # self.attn_dropout, self.resid_dropout: nn.Dropout(config.dropout)
        # a lower-triangular (block_size, block_size) mask, kept with register_buffer
        raise NotImplementedError("TODO: CausalSelfAttention.__init__, c_attn, c_proj, dropouts and the mask")

    def forward(self, x):
        # x (B, T, C) -> q, k, v (B, nh, T, hs) -> scores (B, nh, T, T), scaled and masked -> softmax -> @ v
        # -> heads side by side again (B, T, C) -> c_proj
        raise NotImplementedError("TODO: CausalSelfAttention.forward")


class MLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        # self.c_fc: Linear C -> 4C; self.gelu; self.c_proj: Linear 4C -> C; self.dropout
        raise NotImplementedError("TODO: MLP.__init__, c_fc, gelu, c_proj and dropout")

    def forward(self, x):
        # (B, T, C) -> (B, T, 4C) -> GELU -> (B, T, C), each token on its own
        raise NotImplementedError("TODO: MLP.forward")


class TransformerBlock(nn.Module):
    def __init__(self, config):
        super().__init__()
        # self.ln_1, self.attn, self.ln_2, self.mlp
        raise NotImplementedError("TODO: TransformerBlock.__init__, ln_1, attn, ln_2 and mlp")

    def forward(self, x):
        # two residual steps, each normalising first: x plus attention of normalised x, then the same with the MLP
        raise NotImplementedError("TODO: TransformerBlock.forward")


class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        # self.tok_emb (V -> C), self.pos_emb (block_size -> C), self.drop, self.blocks (n_layer blocks),
        # self.ln_f, self.lm_head (Linear C -> V, no bias) sharing its weight with tok_emb;
        # initial weights: N(0, 0.02), biases 0, as GPT-2
        raise NotImplementedError("TODO: GPT.__init__, embeddings, blocks, final LayerNorm, tied head")

    def forward(self, idx, targets=None):
        # idx (B, T) -> logits (B, T, V); loss: the cross-entropy against targets (B, T), or None without them
        raise NotImplementedError("TODO: GPT.forward, return (logits, loss)")
