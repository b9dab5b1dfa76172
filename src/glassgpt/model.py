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
  checkpoint loads unchanged (checkpoints/) and gives the same logits.
- Attention is written out first (`attention()`: scores, scale, mask, softmax, weighted sum), the path to read.
  Its intermediates pass through hook points (identity modules, TransformerLens's idea), so every view of the
  model (inspection.py, the checker, the lab) reads the model's own tensors instead of computing them again.
  PyTorch's fused `scaled_dot_product_attention` gives the same result within float rounding, faster;
  `attn.flash` chooses per module, `config.flash` for the whole model.
- Every part builds from the config alone (`CausalSelfAttention(config)`, ...), as the course's tests do.
- The KV cache is an optional argument of `forward`, not a second model: each block is handed its own layer's
  cache, which appends and advances itself (generation.py).
- Shape letters: B batch, T tokens in this call, T_k keys attended to (past + T), d = n_embd, nh heads,
  hs = d // nh head size (config.head_size), V vocab.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .checkpoints import CheckpointMixin
from .config import GPTConfig
from .errors import GlassGPTError
from .generation import GenerationMixin
from .nanogpt import NanoGPTMixin

# target ids that leave a position out of the loss: PyTorch's and Hugging Face's default, and nanoGPT's
IGNORE_INDEX, IGNORE_NANOGPT = -100, -1


def causal_mask(T: int, T_k: int, device=None) -> torch.Tensor:
    """Which keys each query may see: True where allowed. (T, T_k)

    The T queries are the *last* T of the T_k positions, so query i sits at position T_k - T + i and sees keys
    0 .. T_k - T + i. The mask is aligned to the bottom-right corner; with T == T_k it is the usual triangle.
    (SDPA's `is_causal=True` aligns to the top-left instead, which is wrong whenever T < T_k.)
    """
    return torch.ones(T, T_k, dtype=torch.bool, device=device).tril(diagonal=T_k - T)


def split_heads(x: torch.Tensor, n_head: int) -> torch.Tensor:
    """(B, T, d) -> (B, nh, T, hs): cut the width into nh heads of hs each, heads next to the batch, so that every
    head attends on its own."""
    B, T, d = x.shape
    return x.view(B, T, n_head, d // n_head).transpose(1, 2)  # (B, nh, T, hs)


def merge_heads(y: torch.Tensor) -> torch.Tensor:
    """(B, nh, T, hs) -> (B, T, d): the heads' outputs side by side again."""
    B, nh, T, hs = y.shape
    return y.transpose(1, 2).contiguous().view(B, T, nh * hs)  # (B, T, d)


def _untapped(name: str, tensor: torch.Tensor) -> torch.Tensor:
    return tensor


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None, scale: float,
              fill: float = float("-inf"), softmax_dim: int = -1, tap=_untapped, dropout=None) -> torch.Tensor:
    """Self-attention written out: (B, nh, T, hs) queries, (B, nh, T_k, hs) keys and values -> (B, nh, T, hs).

    The model's own written-out path, and the one place this maths is written: the checker reproduces a learner's
    classic mistakes by calling it with another `scale`, `fill` or `softmax_dim`, or no `mask`.
    `tap(name, tensor)` sees each intermediate and returns it (the attention module passes its hook points).
    """
    # scores: how well each query matches each key. Dividing by sqrt(hs) keeps their variance near 1, so the
    # softmax does not saturate into a one-hot as hs grows.
    scores = tap("scores", (q @ k.transpose(-2, -1)) * scale)  # (B, nh, T, T_k)
    # the causal mask: a token may not look at later tokens. -inf becomes exactly 0 after the softmax; no row is
    # ever fully masked (each query sees at least itself), so no row turns into NaN.
    masked = scores if mask is None else scores.masked_fill(~mask, fill)
    masked = tap("masked_scores", masked)  # (B, nh, T, T_k)
    pattern = tap("pattern", masked.softmax(dim=softmax_dim))  # (B, nh, T, T_k), each row sums to 1
    if dropout is not None:
        pattern = dropout(pattern)
    return tap("z", pattern @ v)  # (B, nh, T, hs): each query's weighted average of the values


class HookPoint(nn.Identity):
    """Returns its input unchanged. It exists to be seen: a forward hook on it receives the tensor it names
    (the idea of TransformerLens's HookPoint), so that views of the model read the model's own tensors instead of
    computing them a second time."""


class LayerNorm(nn.LayerNorm):
    """LayerNorm over the last axis with an optional shift: the course's `LayerNorm(n_embd, bias=False)`.

    (PyTorch's own, so it runs its fused kernel; GPT-2's eps 1e-5 is torch's default.)"""

    def __init__(self, n_embd: int, bias: bool = False, eps: float = 1e-5):
        super().__init__(n_embd, eps=eps, bias=bias)


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention. Two paths compute the same thing (within float rounding):

    - written out (`flash = False`): `attention()` above, step by step, with hook points on q, k, v, the scores,
      the masked scores, the pattern and each head's output: the path to read, and the one views look through;
    - fused (`flash = True`): PyTorch's `scaled_dot_product_attention`, one kernel, faster and lighter.
    `flash` starts from `config.flash` and can be set on each module on its own. Both scale scores by
    `config.attention_scale`, 1/√hs.
    """

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.n_head = config.n_head
        self.dropout = config.dropout
        self.flash = config.flash
        self.scale = config.attention_scale  # 1/√hs
        # one Linear makes queries, keys and values for all heads at once (GPT-2's fused layout)
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)  # merges the heads back
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        # hook points of the written-out path (they hold no weights, so state dicts are unchanged)
        self.hook_q = HookPoint()  # (B, nh, T, hs)
        self.hook_k = HookPoint()  # (B, nh, T_k, hs): the cached keys, then this call's
        self.hook_v = HookPoint()  # (B, nh, T_k, hs)
        self.hook_scores = HookPoint()  # (B, nh, T, T_k): q·k / sqrt(hs)
        self.hook_masked_scores = HookPoint()  # (B, nh, T, T_k): -inf where a key lies in the future
        self.hook_pattern = HookPoint()  # (B, nh, T, T_k): the attention weights, each row sums to 1
        self.hook_z = HookPoint()  # (B, nh, T, hs): each head's output, before the heads are merged

    def forward(self, x: torch.Tensor, kv_cache=None) -> torch.Tensor:
        """x (B, T, d) -> (B, T, d). `kv_cache` (generation.LayerKVCache): this layer's keys and values of
        earlier tokens; this call's are appended to it."""
        q, k, v = self.c_attn(x).split(x.size(-1), dim=2)  # 3 x (B, T, d)
        q, k, v = (split_heads(t, self.n_head) for t in (q, k, v))  # 3 x (B, nh, T, hs)
        if kv_cache is not None:
            k, v = kv_cache.update(k, v)  # (B, nh, T_k, hs): the past's keys and values, then ours
        y = self.fused_attention(q, k, v) if self.flash else self.written_out_attention(q, k, v)  # (B, nh, T, hs)
        return self.resid_dropout(self.c_proj(merge_heads(y)))  # (B, T, d)

    def written_out_attention(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        q, k, v = self.hook_q(q), self.hook_k(k), self.hook_v(v)
        mask = causal_mask(q.size(2), k.size(2), q.device)  # (T, T_k)
        return attention(q, k, v, mask, scale=self.scale, tap=self._tap,
                         dropout=self.attn_dropout)  # (B, nh, T, hs)

    def _tap(self, name: str, tensor: torch.Tensor) -> torch.Tensor:
        hook = {"scores": self.hook_scores, "masked_scores": self.hook_masked_scores,
                "pattern": self.hook_pattern, "z": self.hook_z}[name]
        return hook(tensor)

    def fused_attention(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        T, T_k = q.size(2), k.size(2)
        # A single new token (T == 1) may see every cached key, so it needs no mask. (An `if`, not
        # `is_causal=T > 1 and T == T_k`: torch.compile may make T and T_k symbolic, which turns that expression
        # into a SymBool, and SDPA takes only a plain bool.)
        mask, is_causal = None, False
        if T > 1 and T == T_k:
            is_causal = True  # no past: SDPA's own causal triangle
        elif T > 1:
            mask = causal_mask(T, T_k, q.device)  # after a past: the bottom-right-aligned triangle
        return F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, is_causal=is_causal, dropout_p=self.dropout if self.training else 0.0,
            scale=self.scale,
        )  # (B, nh, T, hs)


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

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.ln_1 = LayerNorm(config.n_embd, bias=config.bias, eps=config.layer_norm_eps)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = LayerNorm(config.n_embd, bias=config.bias, eps=config.layer_norm_eps)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor, kv_cache=None) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), kv_cache)  # (B, T, d)
        x = x + self.mlp(self.ln_2(x))  # (B, T, d)
        return x


class GPT(NanoGPTMixin, GenerationMixin, CheckpointMixin, nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"GPT needs a GPTConfig, got {type(config).__name__}; build one with GPTConfig(...)")
        self.config = config
        self.tok_emb = nn.Embedding(config.vocab_size, config.n_embd)  # token id -> vector
        self.pos_emb = nn.Embedding(config.block_size, config.n_embd)  # position -> vector (learned, GPT-2)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(TransformerBlock(config) for _ in range(config.n_layer))
        self.ln_f = LayerNorm(config.n_embd, bias=config.bias, eps=config.layer_norm_eps)
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

    def get_num_params(self, non_embedding: bool = True) -> int:
        """Parameters of the model, each tensor once (a tied head shares the token embedding's, so it adds 0).

        non_embedding=True (nanoGPT's convention, which the course keeps) leaves out the position embedding, which
        is a lookup table rather than computation; the token embedding stays in, since the tied LM head uses it.
        accounting.count_parameters gives every part separately, from the config alone.
        """
        total = sum(p.numel() for p in self.parameters())  # parameters() yields a shared tensor once
        return total - self.pos_emb.weight.numel() if non_embedding else total

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None, kv_cache=None):
        """idx (B, T) token ids -> (logits (B, T, V), loss or None).

        `targets` (B, T): the next token at each position; -1 (nanoGPT's mark) or -100 (PyTorch's and Hugging
        Face's) leaves a position out of the loss, as the course's SFT and DPO steps do with their prompts.
        `kv_cache` (generation.KVCache): keys and values of earlier tokens; idx then holds only the new ones, and
        each block is handed its own layer's cache.
        """
        past = 0 if kv_cache is None else kv_cache.length  # tokens already in the cache
        self.check_input(idx, targets, past)
        B, T = idx.shape
        pos = torch.arange(past, past + T, device=idx.device)  # (T,) absolute positions of these tokens
        x = self.drop(self.tok_emb(idx) + self.pos_emb(pos))  # (B, T, d) + (T, d) broadcasts over B
        layer_caches = [None] * len(self.blocks) if kv_cache is None else kv_cache.layers
        for block, layer_cache in zip(self.blocks, layer_caches):
            x = block(x, layer_cache)  # (B, T, d)
        x = self.ln_f(x)  # (B, T, d)
        logits = self.lm_head(x)  # (B, T, V)
        loss = None
        if targets is not None:
            # flatten the positions: every (B, T) position is one V-way classification
            targets = targets.masked_fill(targets == IGNORE_NANOGPT, IGNORE_INDEX)  # one ignore mark for torch
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1), ignore_index=IGNORE_INDEX)
        return logits, loss

    def check_input(self, idx: torch.Tensor, targets: torch.Tensor | None = None, past: int = 0):
        """Raise a clear error for input the model cannot take (instead of an IndexError deep inside)."""
        if not isinstance(idx, torch.Tensor):
            raise TypeError(f"idx must be a torch.Tensor of token ids, got {type(idx).__name__}; "
                            "wrap it with torch.tensor([[...]])")
        if idx.dtype not in (torch.int64, torch.int32):
            raise TypeError(f"idx must hold integer token ids (int64 or int32), got dtype {idx.dtype}; use idx.long()")
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
            if not isinstance(targets, torch.Tensor) or targets.dtype not in (torch.int64, torch.int32):
                raise TypeError("targets must be a tensor of int64 token ids (-1 or -100 to ignore a position)")
            if targets.shape != idx.shape:
                raise GlassGPTError("targets_shape", expected=str(tuple(idx.shape)), got=str(tuple(targets.shape)))
            if not torch.compiler.is_compiling():
                ignored = (targets == IGNORE_NANOGPT) | (targets == IGNORE_INDEX)  # (B, T)
                out_of_range = ~ignored & ((targets < 0) | (targets >= self.config.vocab_size))  # (B, T)
                any_out_of_range, all_ignored = torch.stack([out_of_range.any(), ignored.all()]).tolist()
                if any_out_of_range:
                    raise GlassGPTError("bad_target_id", last=self.config.vocab_size - 1)
                if all_ignored:  # cross_entropy would average over no position: NaN
                    raise GlassGPTError("targets_all_ignored", shape=str(tuple(targets.shape)))
