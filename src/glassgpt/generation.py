"""Generation: the KV cache, sampling and the generate loop. `GPT` inherits `GenerationMixin`.

Notable:
- One prefill of the prompt, then one-token decode steps against a preallocated per-layer KV cache; the model's
  own `forward` does both (the cache is its optional argument), so there is no second model to drift from it.
  Cached and uncached generation give the same tokens (tests/test_generation.py checks it with torch.equal).
- Past `block_size` the window slides and every cached key goes stale (see `GenerationMixin.generate_stream`).
- Sampling: temperature, then top-k (exactly k tokens, ties cannot let more through), then top-p (the nucleus);
  `temperature=0` is greedy. A `torch.Generator` makes it reproducible.
- `compile=True` runs the decode step through torch.compile: at batch 1 a decode step is a few dozen small ops,
  and on a CPU their Python and dispatch overhead costs about as much as the arithmetic.
Nothing here imports model.py; the code is written against the model's `forward(idx, kv_cache=...)` and config.
"""

import functools
import math
from typing import TYPE_CHECKING

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

from .accounting import require_memory
from .errors import GlassGPTError

if TYPE_CHECKING:
    from .config import GPTConfig


class LayerKVCache:
    """One attention layer's keys and values for the tokens seen so far, preallocated for `capacity` tokens.

    The layer calls `update(k, v)` with this call's keys and values and gets back those of every token so far;
    the cache advances its own `length`, so a block run on its own with a cache keeps it right. Position p of the
    sequence sits in slot p.
    """

    def __init__(self, batch_size: int, n_head: int, head_size: int, capacity: int, device=None,
                 dtype: torch.dtype = torch.float32):
        shape = (batch_size, n_head, capacity, head_size)  # (B, nh, capacity, hs)
        # a tensor of its own, written in place: a slice of one big tensor would make torch.compile copy all of it
        self.k = torch.zeros(shape, device=device, dtype=dtype)
        self.v = torch.zeros(shape, device=device, dtype=dtype)
        self.length = 0  # tokens stored so far

    @property
    def capacity(self) -> int:
        return self.k.size(2)

    def update(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Store this call's k, v (B, nh, T, hs) after the cached ones; return all of them (B, nh, length, hs)."""
        start, end = self.length, self.length + k.size(2)
        if end > self.capacity:
            raise GlassGPTError("cache_full", capacity=self.capacity, length=end)
        self.k[:, :, start:end] = k
        self.v[:, :, start:end] = v
        self.length = end
        return self.k[:, :, :end], self.v[:, :, :end]

    def reset(self) -> None:
        """Forget every token (the old values stay in memory and are overwritten as new tokens come)."""
        self.length = 0

    @property
    def nbytes(self) -> int:
        return self.k.nbytes + self.v.nbytes


class KVCache:
    """A model's KV cache: one `LayerKVCache` per layer (`layers[i]`), which `GPT.forward` hands to block i.

    Memory: 2 (keys and values) * n_layer * batch_size * capacity * n_embd numbers.
    """

    def __init__(self, config, batch_size: int, capacity: int | None = None, device=None,
                 dtype: torch.dtype = torch.float32):
        capacity = config.block_size if capacity is None else capacity
        self.layers = [LayerKVCache(batch_size, config.n_head, config.head_size, capacity, device, dtype)
                       for _ in range(config.n_layer)]

    @property
    def length(self) -> int:
        """Tokens stored so far: the position the next token takes."""
        return self.layers[0].length

    @property
    def capacity(self) -> int:
        return self.layers[0].capacity

    def reset(self) -> None:
        for layer in self.layers:
            layer.reset()

    @property
    def nbytes(self) -> int:
        return sum(layer.nbytes for layer in self.layers)


def filter_logits(logits: torch.Tensor, top_k: int | None = None, top_p: float | None = None) -> torch.Tensor:
    """Set every token outside the top-k and outside the nucleus to -inf. (B, V) -> (B, V)

    top-k keeps exactly k tokens: the k that torch.topk returns, even when the k-th logit ties with others (a
    threshold `logits >= kth_value` would let every tied token through). top-p keeps the smallest set of most
    likely tokens whose probabilities add up to at least p (Holtzman et al. 2020, "The Curious Case of Neural
    Text Degeneration"), measured on what top-k left; the most likely token always stays.
    """
    if top_k is not None and top_k < logits.size(-1):
        values, indices = torch.topk(logits, top_k, dim=-1)  # (B, k)
        logits = torch.full_like(logits, float("-inf")).scatter(-1, indices, values)  # (B, V)
    if top_p is not None and top_p < 1.0:
        sorted_probs, order = torch.softmax(logits, dim=-1).sort(dim=-1, descending=True, stable=True)  # (B, V)
        mass_before = sorted_probs.cumsum(dim=-1) - sorted_probs  # (B, V): probability of the tokens ranked higher
        keep_sorted = mass_before < top_p  # (B, V): a token stays while the nucleus is not yet full
        keep = torch.empty_like(keep_sorted).scatter(-1, order, keep_sorted)  # (B, V), back in vocabulary order
        logits = logits.masked_fill(~keep, float("-inf"))
    return logits


def sample_next_token(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                      top_p: float | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """Pick the next token of each row from its logits. (B, V) -> (B, 1) token ids

    temperature 0 is greedy (the first of equally likely tokens, as torch.argmax and transformers do). Otherwise
    the logits are divided by the temperature (below 1 sharpens, above 1 flattens), filtered by top-k and top-p,
    and one token is drawn from the softmax.
    """
    if temperature == 0:
        return logits.argmax(dim=-1, keepdim=True)  # (B, 1)
    # Subtracting the row's maximum first changes no probability, and keeps a tiny temperature from overflowing
    # the logits to inf (inf - inf would be NaN in the softmax); in fp32, whatever the weights' dtype.
    logits = logits.float()
    logits = (logits - logits.amax(dim=-1, keepdim=True)) / temperature  # (B, V), the best token at 0
    probs = torch.softmax(filter_logits(logits, top_k, top_p), dim=-1)  # (B, V)
    return torch.multinomial(probs, num_samples=1, generator=generator)  # (B, 1)


def decode_step(model, token: torch.Tensor, kv_cache: KVCache) -> torch.Tensor:
    """One new token per row (B, 1), attending to the cache -> its next-token logits (B, V)."""
    logits, _ = model(token, kv_cache=kv_cache)  # (B, 1, V)
    return logits[:, -1]  # (B, V)


def _decode_step_to_compile(model, token: torch.Tensor, kv_cache: KVCache) -> torch.Tensor:
    if token.device.type == "cpu":
        # A single query is a tiny attention: the fused CPU kernel's setup costs more than the sums it does.
        # Written out as plain matmul and softmax (SDPA's MATH backend), it fuses into the code around it.
        with sdpa_kernel(SDPBackend.MATH):
            return decode_step(model, token, kv_cache)
    return decode_step(model, token, kv_cache)


@functools.cache
def compiled_decode_step(device_type: str = "cpu"):
    """`decode_step` through torch.compile, with one graph for every cache length: dynamic=True makes `length`
    a symbol instead of a constant, so a generation compiles once, not once a token. The first call takes a while
    (seconds to a minute on a CPU); models of the same shape reuse the graph, batch size 1 and larger ones each
    get their own. On the CPU, inductor's C++ wrapper also takes Python out of launching the step's kernels.
    The generate loop gives the cache one slot more than it fills: a slice that spans the whole buffer is
    contiguous and a shorter one is not, and torch.compile would compile the two cases separately.
    tests/test_generation.py checks that the step compiles to one graph (no graph breaks)."""
    return torch.compile(_decode_step_to_compile, dynamic=True, options={"cpp_wrapper": device_type == "cpu"})


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_generate_arguments(max_new_tokens, temperature, top_k, top_p) -> None:
    """Raise a clear error for sampling settings that mean nothing (TypeError for a wrong type)."""
    if not _is_int(max_new_tokens):
        raise TypeError(f"max_new_tokens must be an int, got {type(max_new_tokens).__name__}")
    if max_new_tokens < 0:
        raise GlassGPTError("max_new_tokens_negative",
                            value=max_new_tokens)
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        raise TypeError(f"temperature must be a number, got {type(temperature).__name__}")
    if not (math.isfinite(temperature) and temperature >= 0):
        raise GlassGPTError("temperature_negative", value=temperature)
    if top_k is not None:
        if not _is_int(top_k):
            raise TypeError(f"top_k must be an int or None, got {type(top_k).__name__}")
        if top_k < 1:
            raise GlassGPTError("top_k_not_positive", value=top_k)
    if top_p is not None:
        if isinstance(top_p, bool) or not isinstance(top_p, (int, float)):
            raise TypeError(f"top_p must be a number or None, got {type(top_p).__name__}")
        if not 0 < top_p <= 1:
            raise GlassGPTError("top_p_range",
                                value=top_p)


class GenerationMixin:
    """`generate` and `generate_stream`, for the model class this is mixed into (GPT). That class provides:

    - `config`: its GPTConfig (block_size, n_layer, n_head, head_size are read here);
    - `forward(idx, kv_cache=None) -> (logits, loss)`, where `kv_cache` is a `KVCache`;
    - `check_input(idx)`, which raises a clear error for ids the model cannot take.
    """

    config: "GPTConfig"  # the model's

    def check_input(self, idx: torch.Tensor, targets=None, past: int = 0) -> None:
        raise NotImplementedError("the model class defines check_input")

    def generate(self, idx: torch.Tensor, max_new_tokens: int, temperature: float = 1.0, top_k: int | None = None,
                 top_p: float | None = None, use_cache: bool = True, generator: torch.Generator | None = None,
                 *, compile: bool = False) -> torch.Tensor:
        """Continue each row of idx (B, T) by max_new_tokens tokens -> (B, T + max_new_tokens) token ids.

        temperature 0 is greedy; top_k, top_p restrict sampling (see `sample_next_token`); generator makes the
        draws reproducible. use_cache=False recomputes the whole window at each step (slow; the reference that
        the cache must match). compile=True compiles the decode step (see `compiled_decode_step`).
        The model runs as it is: call model.eval() first if it has dropout.
        """
        new_tokens = list(self.generate_stream(idx, max_new_tokens, temperature, top_k, top_p, use_cache,
                                               generator, compile=compile))
        return torch.cat([idx.long(), *new_tokens], dim=1)  # outside inference_mode: an ordinary tensor

    def generate_stream(self, idx: torch.Tensor, max_new_tokens: int, temperature: float = 1.0,
                        top_k: int | None = None, top_p: float | None = None, use_cache: bool = True,
                        generator: torch.Generator | None = None, *, compile: bool = False):
        """Like `generate`, but yield each new token (B, 1) as soon as it is chosen (to print while generating).

        Cost. A prompt of T tokens is one forward pass (the prefill); each new token is then one decode step that
        reads every weight once and attends to the cached keys and values. Past block_size the window slides:
        positions are learned and absolute and every layer's keys depend on all earlier tokens of the window, so
        when the oldest token leaves, every cached key is stale. Each later token then costs a full forward pass
        of block_size tokens, as much as uncached generation, and gives exactly the same tokens.
        """
        check_generate_arguments(max_new_tokens, temperature, top_k, top_p)
        self._check_prompt(idx)
        self._require_memory(idx.size(0), idx.size(1), max_new_tokens, use_cache)
        return self._generation_steps(idx.long(), max_new_tokens, temperature, top_k, top_p, use_cache,
                                      generator, compile)

    def _check_prompt(self, idx) -> None:
        """The model's own input checks (type, shape, token ids) on a prompt that may exceed block_size."""
        block_size = self.config.block_size
        if isinstance(idx, torch.Tensor) and idx.dim() == 2 and idx.size(1) > block_size:
            for chunk in idx.split(block_size, dim=1):
                self.check_input(chunk)
        else:
            self.check_input(idx)

    def _require_memory(self, batch_size: int, prompt_length: int, max_new_tokens: int, use_cache: bool) -> None:
        """Refuse a generation whose token buffer and KV cache would not fit, before either is allocated: the loop
        keeps every token id (8 bytes each) and, with the cache, keys and values (2 x n_layer x n_embd numbers a
        token) for at most block_size tokens, plus the spare slot (see compiled_decode_step)."""
        config, weight = self.config, next(self.parameters())
        tokens = prompt_length + max_new_tokens
        cache = 0
        if use_cache:
            cache = 2 * config.n_layer * config.n_embd * weight.element_size() * (min(config.block_size, tokens) + 1)
        require_memory(batch_size * (8 * tokens + cache),
                       f"generate max_new_tokens={max_new_tokens} batch_size={batch_size}", weight.device)

    @torch.inference_mode()
    def _generation_steps(self, idx, max_new_tokens, temperature, top_k, top_p, use_cache, generator, compile):
        B, T = idx.shape
        block_size = self.config.block_size
        tokens = torch.empty(B, T + max_new_tokens, dtype=torch.long, device=idx.device)  # (B, T + new)
        tokens[:, :T] = idx
        cache = None
        if use_cache:
            # as many slots as the window will fill (the newest token never enters the cache), plus a spare one
            # (see compiled_decode_step)
            capacity = min(block_size, T + max_new_tokens - 1) + 1
            weight = next(self.parameters())
            cache = KVCache(self.config, B, capacity, device=weight.device, dtype=weight.dtype)
        decode = compiled_decode_step(idx.device.type) if compile else decode_step
        next_token = None
        for end in range(T, T + max_new_tokens):  # tokens[:, :end] are known, tokens[:, end] is chosen now
            window = tokens[:, max(0, end - block_size):end]  # (B, W): what the model reads, W <= block_size
            if cache is not None and 0 < cache.length == window.size(1) - 1:
                logits = decode(self, next_token, cache)  # (B, V): only the token chosen last is new to the model
            elif cache is not None and window.size(1) < block_size:  # the prompt: read it into the cache
                cache.reset()
                logits = self(window, kv_cache=cache)[0][:, -1]  # (B, V)
            else:  # no cache, or a full window, which slides at the next step: caching it would be wasted
                logits = self(window)[0][:, -1]  # (B, V)
            if not torch.isfinite(logits).all():  # greedy would quietly pick token 0 from a row of NaN
                raise GlassGPTError("logits_not_finite", dtype=str(logits.dtype).removeprefix("torch."))
            next_token = sample_next_token(logits, temperature, top_k, top_p, generator)  # (B, 1)
            tokens[:, end] = next_token[:, 0]
            yield next_token
