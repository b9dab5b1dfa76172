"""The GPT, and only the GPT: read it top to bottom.

    idx (B, T) token ids
     ├─ token embedding + position embedding, dropout          -> x (B, T, d)
     ├─ N x TransformerBlock:
     │     x = x + attention(LayerNorm(x))      tokens look at earlier tokens
     │     x = x + MLP(LayerNorm(x))            each token thinks on its own, 4d wide
     ├─ final LayerNorm
     └─ LM head (d -> vocab), usually the token embedding matrix reused   -> logits (B, T, vocab)

Notable:
- GPT-2 exact: the same shapes, the tanh GELU, LayerNorm eps 1e-5, a tied LM head, so a Hugging Face GPT-2
  checkpoint loads unchanged (checkpoints.py) and gives the same logits.
- Attention has two paths: PyTorch's fused `scaled_dot_product_attention` (fast) and a manual path that writes
  out scores, scale, mask and softmax (the one to read, and the one whose `softmax` module hands the attention
  weights to forward hooks, see inspection.py). They agree within float tolerance.
- The KV cache is an optional argument of `forward`, not a second model; its code lives in generation.py.
- Shape letters: B batch, T tokens in this call, T_k keys attended to (past + T), d = n_embd, nh heads,
  hs = d // nh head size, V vocab.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .checkpoints import CheckpointMixin
from .config import GPTConfig
from .errors import GlassGPTError
from .generation import GenerationMixin


def causal_mask(T: int, T_k: int, device=None) -> torch.Tensor:
    """Which keys each query may see: True where allowed. (T, T_k)

    The T queries are the *last* T of the T_k positions, so query i sits at position T_k - T + i and sees keys
    0 .. T_k - T + i. The mask is aligned to the bottom-right corner; with T == T_k it is the usual triangle.
    (SDPA's `is_causal=True` aligns to the top-left instead, which is wrong whenever T < T_k.)
    """
    return torch.ones(T, T_k, dtype=torch.bool, device=device).tril(diagonal=T_k - T)


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig, layer_idx: int):
        super().__init__()
        self.n_head = config.n_head
        self.dropout = config.dropout
        self.use_sdpa = config.attention == "sdpa"
        self.layer_idx = layer_idx  # which slot of a KV cache is ours
        # one Linear makes queries, keys and values for all heads at once (GPT-2's fused layout)
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)  # merges the heads back
        self.softmax = nn.Softmax(dim=-1)  # a module, so that forward hooks can see the attention weights
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor, kv_cache=None) -> torch.Tensor:
        B, T, d = x.shape
        q, k, v = self.c_attn(x).split(d, dim=2)  # 3 x (B, T, d)
        # split d into nh heads of hs each, and move heads next to batch: every head attends on its own
        q = q.view(B, T, self.n_head, d // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, d // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, d // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        if kv_cache is not None:
            k, v = kv_cache.update(self.layer_idx, k, v)  # (B, nh, T_k, hs): the past's keys, then ours
        T_k = k.size(2)

        if self.use_sdpa:
            # One fused kernel. A single new token (T == 1) may see every cached key, so it needs no mask.
            # (An `if`, not `is_causal=T > 1 and T == T_k`: torch.compile may make T and T_k symbolic, which
            # turns that expression into a SymBool, and SDPA takes only a plain bool.)
            mask, is_causal = None, False
            if T > 1 and T == T_k:
                is_causal = True  # no past: SDPA's own causal triangle
            elif T > 1:
                mask = causal_mask(T, T_k, x.device)  # after a past: the bottom-right-aligned triangle
            y = F.scaled_dot_product_attention(
                q, k, v, attn_mask=mask, is_causal=is_causal,
                dropout_p=self.dropout if self.training else 0.0,
            )  # (B, nh, T, hs)
        else:
            # scores: how well each query matches each key. Dividing by sqrt(hs) keeps their variance near 1,
            # so the softmax does not saturate into a one-hot as hs grows.
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))  # (B, nh, T, T_k)
            # causal mask: a token may not look at later tokens. -inf becomes exactly 0 after the softmax; no
            # row is ever fully masked (each query sees at least itself), so no row turns into NaN.
            att = att.masked_fill(~causal_mask(T, T_k, x.device), float("-inf"))  # (B, nh, T, T_k)
            att = self.softmax(att)  # (B, nh, T, T_k), each row sums to 1
            att = self.attn_dropout(att)
            y = att @ v  # (B, nh, T, hs): a weighted average of the values
        y = y.transpose(1, 2).contiguous().view(B, T, d)  # (B, T, d): heads side by side again
        return self.resid_dropout(self.c_proj(y))  # (B, T, d)


class MLP(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU(approximate=config.gelu_approximate)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # (B, T, d) -> (B, T, 4d) -> (B, T, d): widen, bend, narrow; one token at a time
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class TransformerBlock(nn.Module):
    """Pre-LayerNorm block: normalise, then add the sub-layer's output to the residual stream."""

    def __init__(self, config: GPTConfig, layer_idx: int):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps, bias=config.bias)
        self.attn = CausalSelfAttention(config, layer_idx)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor, kv_cache=None) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), kv_cache)  # (B, T, d)
        x = x + self.mlp(self.ln_2(x))  # (B, T, d)
        return x


class GPT(GenerationMixin, CheckpointMixin, nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"GPT needs a GPTConfig, got {type(config).__name__}; build one with GPTConfig(...)")
        self.config = config
        self.tok_emb = nn.Embedding(config.vocab_size, config.n_embd)  # token id -> vector
        self.pos_emb = nn.Embedding(config.block_size, config.n_embd)  # position -> vector (learned, GPT-2)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(TransformerBlock(config, i) for i in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps, bias=config.bias)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        if config.tie_weights:
            # Weight tying (Press & Wolf 2017): reading a token in and writing it out share one matrix. This
            # is the same Parameter object, not a copy: one gradient, one update, counted once.
            self.lm_head.weight = self.tok_emb.weight
        self.init_weights()

    @torch.no_grad()
    def init_weights(self):
        """GPT-2's initialisation (Radford et al. 2019), all of it in this one place.

        | parameter                                         | initial value                   |
        |---------------------------------------------------|---------------------------------|
        | token and position embeddings                     | N(0, 0.02)                      |
        | every Linear weight (c_attn, c_fc, untied head)   | N(0, 0.02)                      |
        | c_proj weights, which write into the residual     | N(0, 0.02 / sqrt(2 * n_layer))  |
        | every bias                                        | 0                               |
        | LayerNorm gain / shift                            | 1 / 0                           |

        Why the c_proj scale: each block adds two outputs to the residual stream, 2 * n_layer in all; scaling
        them keeps the stream's variance from growing with depth.
        """
        for name, module in self.named_modules():
            if isinstance(module, nn.Linear):
                std = 0.02 / math.sqrt(2 * self.config.n_layer) if name.endswith("c_proj") else 0.02
                nn.init.normal_(module.weight, mean=0.0, std=std)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
            elif isinstance(module, nn.LayerNorm):
                nn.init.ones_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None, kv_cache=None):
        """idx (B, T) token ids -> (logits (B, T, V), loss or None).

        `targets` (B, T): the next token at each position; -1 marks a position to leave out of the loss.
        `kv_cache` (generation.KVCache): keys and values of earlier tokens; idx then holds only the new ones.
        """
        past = 0 if kv_cache is None else kv_cache.length  # tokens already in the cache
        self.check_input(idx, targets, past)
        B, T = idx.shape
        pos = torch.arange(past, past + T, device=idx.device)  # (T,) absolute positions of these tokens
        x = self.drop(self.tok_emb(idx) + self.pos_emb(pos))  # (B, T, d) + (T, d) broadcasts over B
        for block in self.blocks:
            x = block(x, kv_cache)  # (B, T, d)
        if kv_cache is not None:
            kv_cache.length += T  # every layer has stored this call's keys and values
        x = self.ln_f(x)  # (B, T, d)
        logits = self.lm_head(x)  # (B, T, V)
        loss = None
        if targets is not None:
            # flatten the positions: every (B, T) position is one V-way classification
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-1)
        return logits, loss

    def check_input(self, idx: torch.Tensor, targets: torch.Tensor | None = None, past: int = 0):
        """Raise a clear error for input the model cannot take (instead of an IndexError deep inside)."""
        if not isinstance(idx, torch.Tensor):
            raise TypeError(f"idx must be a torch.Tensor of token ids, got {type(idx).__name__}; "
                            "wrap it with torch.tensor([[...]])")
        if idx.dtype.is_floating_point or idx.dtype.is_complex or idx.dtype == torch.bool:
            raise TypeError(f"idx must hold integer token ids, got dtype {idx.dtype}; use idx.long()")
        if idx.dim() != 2:
            raise GlassGPTError("idx_not_2d", shape=str(tuple(idx.shape)))
        B, T = idx.shape
        if B == 0 or T == 0:
            raise GlassGPTError("idx_empty",
                                shape=str(tuple(idx.shape)))
        if past + T > self.config.block_size:
            raise GlassGPTError(
                "too_long",
                length=past + T, block_size=self.config.block_size,
            )
        if not torch.compiler.is_compiling():  # a data-dependent check would break a compiled graph
            low, high = (int(v) for v in torch.aminmax(idx))  # min and max in one pass
            if low < 0 or high >= self.config.vocab_size:
                raise GlassGPTError(
                    "bad_token_id",
                    low=low, high=high, last=self.config.vocab_size - 1, vocab_size=self.config.vocab_size,
                )
        if targets is not None:
            if not isinstance(targets, torch.Tensor) or targets.dtype.is_floating_point:
                raise TypeError("targets must be a tensor of integer token ids (-1 to ignore a position)")
            if targets.shape != idx.shape:
                raise GlassGPTError(
                    "targets_shape", expected=str(tuple(idx.shape)), got=str(tuple(targets.shape)),
                )
            out_of_range = (targets < -1) | (targets >= self.config.vocab_size)
            if not torch.compiler.is_compiling() and out_of_range.any():
                raise GlassGPTError(
                    "bad_target_id", vocab_size=self.config.vocab_size,
                )
