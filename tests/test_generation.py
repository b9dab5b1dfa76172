"""Generation: the KV cache against uncached forward passes, greedy tokens against transformers, sampling
properties on logits we choose, bad arguments, and the generate mode through its real entry point."""

import contextlib
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from unittest import mock

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

from conftest import random_hf_gpt2
from glassgpt import GPT, GPTConfig, GlassGPTError
from glassgpt.accounting import memory_footprint
from glassgpt.generation import (GenerationMixin, KVCache, LayerKVCache, _decode_step_to_compile, decode_step,
                                 filter_logits, sample_next_token)

ROOT = Path(__file__).resolve().parents[1]

# small shapes with different head counts, biases, tying and attention paths; block sizes small enough that 200
# new tokens cross them (so the sliding window is exercised), and one large enough that they do not
CONFIGS = {
    "tiny": dict(vocab_size=64, block_size=16, n_layer=2, n_head=2, n_embd=16),
    "no-bias-untied": dict(vocab_size=97, block_size=48, n_layer=3, n_head=4, n_embd=32, bias=False,
                           tie_weights=False),
    "manual-attention": dict(vocab_size=50, block_size=32, n_layer=2, n_head=1, n_embd=24, flash=False),
    "long-block": dict(vocab_size=80, block_size=256, n_layer=2, n_head=4, n_embd=32),
}


@pytest.fixture(autouse=True)
def one_thread():
    """These models are tiny: a second thread gains nothing, and on a busy machine every one of the thousands of
    small ops would wait for it to be scheduled."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def random_model(seed: int = 0, **fields) -> GPT:
    """A GPT in eval mode whose every weight is plainly random (std 0.3, LayerNorm gains near 1), so that logits
    spread widely and no greedy choice hangs on a rounding error."""
    torch.manual_seed(seed)
    model = GPT(GPTConfig(**fields)).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(1 + 0.3 * torch.randn_like(p) if "ln" in name and name.endswith("weight")
                    else 0.3 * torch.randn_like(p))
    return model


def prompt(model: GPT, B: int, T: int, seed: int = 1) -> torch.Tensor:
    return torch.randint(0, model.config.vocab_size, (B, T), generator=torch.Generator().manual_seed(seed))


# --- the cache against no cache -------------------------------------------------------------------------------

def set_flash(model: GPT, flash: bool) -> GPT:
    """Every attention module on the fused (True) or the written-out (False) path."""
    for block in model.blocks:
        block.attn.flash = flash
    return model


@contextlib.contextmanager
def cache_updates():
    """Spy on LayerKVCache.update, so that a test can prove the cache was used instead of trusting that it was.
    Yields a Counter of the calls: ("prefill", T) for T tokens into an empty layer cache, ("decode", T) for T
    tokens after cached ones (("decode", 1): one layer's part of a decode step)."""
    stored = Counter()
    real_update = LayerKVCache.update

    def update(self, k, v):
        stored["decode" if self.length else "prefill", k.size(2)] += 1
        return real_update(self, k, v)

    with mock.patch.object(LayerKVCache, "update", update):
        yield stored


def expected_decode_steps(prompt_length: int, block_size: int, max_new_tokens: int) -> int:
    """One prefill of the prompt, then one decode step per new token while the window still grows; once it is
    full and starts to slide, every cached key is stale and each token is a full forward pass instead."""
    if prompt_length >= block_size:
        return 0
    return min(max_new_tokens - 1, block_size - prompt_length)


@pytest.mark.parametrize("flash", [True, False], ids=["fused", "written-out"])
@pytest.mark.parametrize("B", [1, 3])
@pytest.mark.parametrize("name", CONFIGS)
def test_cached_greedy_equals_uncached_for_200_tokens(name, B, flash):
    """Prompts shorter than the block, so the cache really is filled and read (counted), and 200 new tokens, so
    that all but the long block also slide past block_size."""
    model = set_flash(random_model(**CONFIGS[name]), flash)
    block_size, T = model.config.block_size, 5
    idx = prompt(model, B, T)
    with cache_updates() as stored:
        cached = model.generate(idx, 200, temperature=0)
    steps = expected_decode_steps(T, block_size, 200)
    n_layer = model.config.n_layer
    assert steps > 0 and stored == {("prefill", T): n_layer, ("decode", 1): steps * n_layer}
    with cache_updates() as stored:
        uncached = model.generate(idx, 200, temperature=0, use_cache=False)
    assert not stored
    assert cached.shape == (B, T + 200)
    assert torch.equal(cached, uncached)
    assert torch.equal(cached[:, :T], idx)


@pytest.mark.parametrize("T, block_size", [(40, 16), (16, 16), (15, 16), (5, 16), (1, 16), (1, 2), (1, 1), (3, 1)])
def test_cached_equals_uncached_for_prompts_of_every_length(T, block_size):
    model = random_model(**CONFIGS["tiny"] | dict(block_size=block_size))
    idx = prompt(model, 2, T)  # longer than block_size: the model reads only the last block_size tokens
    with cache_updates() as stored:
        cached = model.generate(idx, 30, temperature=0)
    assert stored["decode", 1] == expected_decode_steps(T, block_size, 30) * model.config.n_layer
    assert torch.equal(cached, model.generate(idx, 30, temperature=0, use_cache=False))


@settings(max_examples=15, deadline=None)
@given(name=st.sampled_from(sorted(CONFIGS)), chunks=st.lists(st.integers(1, 6), min_size=1, max_size=10))
def test_cache_fed_in_chunks_gives_the_full_forward_logits(name, chunks):
    """Prefill, one-token steps and multi-token steps against a cache (the bottom-right-aligned mask) all give
    the logits of one full forward pass at the same positions."""
    model = random_model(**CONFIGS[name])
    config = model.config
    lengths = []
    for size in chunks:
        if sum(lengths) + size <= config.block_size:
            lengths.append(size)
    idx = prompt(model, 2, sum(lengths))
    cache = KVCache(config, batch_size=2)
    with torch.no_grad():
        expected, _ = model(idx)
        start = 0
        for size in lengths:
            logits, _ = model(idx[:, start:start + size], kv_cache=cache)
            torch.testing.assert_close(logits, expected[:, start:start + size], atol=1e-5, rtol=0)
            start += size
    assert cache.length == start


def test_decode_step_logits_equal_full_forward_at_every_position():
    model = random_model(**CONFIGS["long-block"])
    idx = prompt(model, 3, 200)
    cache = KVCache(model.config, batch_size=3)
    with torch.no_grad():
        expected, _ = model(idx)
        model(idx[:, :16], kv_cache=cache)
        for t in range(16, 200):
            logits, _ = model(idx[:, t:t + 1], kv_cache=cache)
            torch.testing.assert_close(logits[:, 0], expected[:, t], atol=1e-5, rtol=0)


def test_a_layer_cache_appends_returns_all_so_far_and_advances_itself():
    generator = torch.Generator().manual_seed(0)
    cache = LayerKVCache(batch_size=2, n_head=3, head_size=4, capacity=10, dtype=torch.float64)
    keys, values = [], []
    for T in (4, 1, 3):
        keys.append(torch.randn(2, 3, T, 4, generator=generator, dtype=torch.float64))  # (B, nh, T, hs)
        values.append(torch.randn(2, 3, T, 4, generator=generator, dtype=torch.float64))
        k, v = cache.update(keys[-1], values[-1])
        assert torch.equal(k, torch.cat(keys, dim=2)) and torch.equal(v, torch.cat(values, dim=2))
        assert cache.length == sum(k.size(2) for k in keys)
    assert cache.capacity == 10 and cache.nbytes == 2 * (2 * 3 * 10 * 4) * 8  # keys and values, float64
    with pytest.raises(GlassGPTError) as error:
        cache.update(*(torch.zeros(2, 3, 3, 4, dtype=torch.float64),) * 2)  # 8 + 3 > 10
    assert error.value.key == "cache_full" and cache.length == 8
    assert error.value.fields == {"capacity": 10, "length": 11}  # the message says how many, and how many more
    cache.reset()
    assert cache.length == 0
    k, v = cache.update(values[0], keys[0])  # after a reset, only the new tokens come back
    assert torch.equal(k, values[0]) and torch.equal(v, keys[0])


def test_a_model_cache_is_one_layer_cache_per_layer():
    config = GPTConfig(**CONFIGS["no-bias-untied"])
    cache = KVCache(config, batch_size=2, dtype=torch.bfloat16)
    assert len(cache.layers) == config.n_layer and len({id(layer) for layer in cache.layers}) == config.n_layer
    assert cache.capacity == config.block_size and KVCache(config, 2, capacity=7).capacity == 7
    assert all(layer.k.dtype == torch.bfloat16 and layer.k.shape == (2, 4, config.block_size, 8)
               for layer in cache.layers)
    memory = {row.name: row.value for row in memory_footprint(config).rows}
    assert cache.nbytes == 2 * memory["kv_cache_full_context_bf16"]  # batch of 2
    model = random_model(**CONFIGS["no-bias-untied"])
    cache = KVCache(config, batch_size=2)
    with torch.no_grad():
        model(prompt(model, 2, 6), kv_cache=cache)
    assert cache.length == 6 and all(layer.length == 6 for layer in cache.layers)
    cache.reset()
    assert cache.length == 0 and all(layer.length == 0 for layer in cache.layers)


@pytest.mark.parametrize("flash", [True, False], ids=["fused", "written-out"])
def test_a_block_run_on_its_own_with_a_layer_cache_equals_the_full_block(flash):
    """The cache protocol lives in the layer cache: a block needs nothing from GPT.forward to use one."""
    model = random_model(**CONFIGS["no-bias-untied"])
    block = set_flash(model, flash).blocks[1]
    x = torch.randn(2, 12, model.config.n_embd, generator=torch.Generator().manual_seed(2))  # (B, T, d)
    cache = LayerKVCache(2, model.config.n_head, model.config.head_size, capacity=12)
    with torch.no_grad():
        expected = block(x)  # (B, T, d)
        pieces = [block(x[:, start:end], cache) for start, end in ((0, 5), (5, 6), (6, 9), (9, 12))]
    assert cache.length == 12
    torch.testing.assert_close(torch.cat(pieces, dim=1), expected, atol=1e-5, rtol=0)


def test_a_model_off_the_cpu_keeps_its_cache_and_its_masks_on_its_own_device():
    """The meta device stands in for a GPU on a machine without one: a tensor made without naming its device lands
    on the CPU, and mixing it with meta tensors is an error, so a forgotten `device=` fails here."""
    with torch.device("meta"):
        model = GPT(GPTConfig(**CONFIGS["tiny"]))
    cache = KVCache(model.config, batch_size=1, device="meta")  # made outside the device context, on purpose
    assert {tensor.device.type for layer in cache.layers for tensor in (layer.k, layer.v)} == {"meta"}
    block = model.blocks[0]  # GPT.forward reads token ids, which meta tensors do not hold; a block does not
    x = torch.zeros(1, 5, model.config.n_embd, device="meta")  # (B, T, d)
    with torch.no_grad():
        assert block(x[:, :3], cache.layers[0]).device.type == "meta"  # no past: SDPA's own triangle
        assert block(x[:, 3:], cache.layers[0]).device.type == "meta"  # 2 tokens after a past: a mask of our own
    assert cache.layers[0].length == 5


def test_the_decode_step_meant_for_compiling_runs_off_the_cpu():
    """Its branch for every device but the CPU, on the meta device (no GPU here)."""
    with torch.device("meta"):
        model = GPT(GPTConfig(**CONFIGS["tiny"]))
    token = torch.zeros(1, 1, dtype=torch.long, device="meta")  # (B, 1)
    cache = KVCache(model.config, batch_size=1, device="meta")
    with mock.patch.object(GPT, "check_input"), torch.no_grad():  # meta ids hold no values to check
        logits = _decode_step_to_compile(model, token, cache)
    assert logits.shape == (1, model.config.vocab_size) and logits.device.type == "meta" and cache.length == 1


def test_a_full_cache_refuses_more_tokens():
    model = random_model(**CONFIGS["tiny"])
    cache = KVCache(model.config, batch_size=1, capacity=4)
    with torch.no_grad():
        model(prompt(model, 1, 4), kv_cache=cache)
        with pytest.raises(GlassGPTError) as error:
            model(prompt(model, 1, 1), kv_cache=cache)
    assert error.value.key == "cache_full"


def test_generate_twice_gives_the_same_tokens_and_keeps_the_prompt():
    model = random_model(**CONFIGS["tiny"])
    idx = prompt(model, 2, 5)
    first, second = model.generate(idx, 20, temperature=0), model.generate(idx, 20, temperature=0)
    assert torch.equal(first, second)
    assert not first.is_inference()  # usable in autograd afterwards, e.g. as training data
    assert torch.equal(model.generate(idx, 0), idx)


def test_the_cache_takes_the_models_dtype_and_the_stream_yields_what_generate_returns():
    model = random_model(**CONFIGS["tiny"]).to(torch.bfloat16)
    idx = prompt(model, 2, 4).int()  # int32 ids are taken, and the result is int64
    dtypes = set()
    real_update = LayerKVCache.update

    def update(self, k, v):
        dtypes.add(self.k.dtype)
        return real_update(self, k, v)

    with mock.patch.object(LayerKVCache, "update", update):
        tokens = model.generate(idx, 6, temperature=0)
    assert dtypes == {torch.bfloat16} and tokens.dtype == torch.int64 and torch.equal(tokens[:, :4], idx.long())
    streamed = list(model.generate_stream(idx, 6, temperature=0))
    assert [t.shape for t in streamed] == [(2, 1)] * 6
    assert torch.equal(torch.cat(streamed, dim=1), tokens[:, 4:])


def test_defaults_sample_at_temperature_1_with_the_cache_and_compile_only_when_asked():
    model = random_model(**CONFIGS["tiny"])
    idx = prompt(model, 2, 3)

    def seeded():
        return torch.Generator().manual_seed(4)

    at_1 = model.generate(idx, 20, temperature=1.0, top_k=None, top_p=None, use_cache=True, generator=seeded())
    assert torch.equal(model.generate(idx, 20, generator=seeded()), at_1)
    assert torch.equal(torch.cat([idx, *model.generate_stream(idx, 20, generator=seeded())], dim=1), at_1)
    logits = torch.randn(3, 10, generator=torch.Generator().manual_seed(5))
    assert torch.equal(sample_next_token(logits, generator=seeded()),
                       sample_next_token(logits, temperature=1.0, generator=seeded()))
    with mock.patch("glassgpt.generation.KVCache", wraps=KVCache) as made:
        list(model.generate_stream(idx, 3))
        model.generate(idx, 3)
    assert made.call_count == 2  # both use the cache by default
    with mock.patch("glassgpt.generation.compiled_decode_step", return_value=decode_step) as compiled:
        greedy = model.generate(idx, 8, temperature=0)
        list(model.generate_stream(idx, 8, temperature=0))
        assert not compiled.called  # no compiling by default
        assert torch.equal(model.generate(idx, 8, temperature=0, compile=True), greedy)
        assert compiled.call_args.args == ("cpu",)
        list(model.generate_stream(idx, 8, temperature=0, compile=True))
        assert compiled.call_count == 2


def test_compiled_decode_step_is_one_graph_and_gives_the_same_tokens():
    model = random_model(**CONFIGS["tiny"])
    idx = prompt(model, 1, 5)
    cache = KVCache(model.config, batch_size=1)
    with torch.no_grad():
        model(idx, kv_cache=cache)
        explanation = torch._dynamo.explain(_decode_step_to_compile)(model, idx[:, -1:], cache)
    assert explanation.graph_count == 1 and explanation.graph_break_count == 0, explanation.break_reasons
    expected = model.generate(idx, 30, temperature=0, use_cache=False)
    assert torch.equal(model.generate(idx, 30, temperature=0, compile=True), expected)


# --- the oracle: transformers' own greedy generation ------------------------------------------------------------

@pytest.mark.parametrize("flash", [True, False], ids=["fused", "written-out"])
@pytest.mark.parametrize("hf_kwargs", [dict(), dict(n_layer=3, n_head=4, n_embd=32, tie_word_embeddings=False)])
def test_greedy_tokens_equal_transformers_generate(tmp_path, hf_kwargs, flash):
    """A 4-token prompt and 20 new tokens: one prefill and 19 decode steps against the cache (counted), on either
    attention path, and the same tokens as transformers' own greedy generation of the same weights."""
    hf = random_hf_gpt2(tmp_path, **hf_kwargs)  # vocab 97, 24 positions
    model = set_flash(GPT.from_pretrained(tmp_path), flash)
    idx = prompt(model, 3, 4)
    new = model.config.block_size - idx.size(1)  # transformers' GPT-2 cannot go past its positions
    with torch.no_grad():
        # eos_token_id=None: the oracle must not stop early (GPT-2's default eos, 50256, is outside this vocabulary)
        expected = hf.generate(idx, attention_mask=torch.ones_like(idx), max_new_tokens=new, do_sample=False,
                               eos_token_id=None, pad_token_id=0)
    assert expected.shape == (3, model.config.block_size)
    with cache_updates() as stored:
        cached = model.generate(idx, new, temperature=0)
    assert stored["decode", 1] == (new - 1) * model.config.n_layer
    assert torch.equal(cached, expected)
    assert torch.equal(model.generate(idx, new, temperature=0, use_cache=False), expected)


# --- sampling ---------------------------------------------------------------------------------------------------

def hf_warped(logits: torch.Tensor, temperature: float, top_k=None, top_p=None) -> torch.Tensor:
    """transformers' own logits processors, in the order its `generate` applies them: the reference. (B, V)"""
    scores = TemperatureLogitsWarper(temperature)(None, logits)
    if top_k is not None:
        scores = TopKLogitsWarper(top_k)(None, scores)
    if top_p is not None:
        scores = TopPLogitsWarper(top_p)(None, scores)
    return scores


def distribution_drawn_from(logits: torch.Tensor, **kwargs) -> torch.Tensor:
    """The probabilities (B, V) that sample_next_token hands to torch.multinomial, caught on their way in."""
    with mock.patch.object(torch, "multinomial", wraps=torch.multinomial) as multinomial:
        sample_next_token(logits, **kwargs)
    assert multinomial.call_count == 1
    return multinomial.call_args.args[0]


def near_the_nucleus_edge(logits: torch.Tensor, temperature: float, top_k, top_p) -> torch.Tensor:
    """Rows (B,) where a running sum of the sorted probabilities lies within 1e-5 of top_p: there the last token
    in or out is decided by rounding, and two correct implementations may differ. Computed in float64."""
    if top_p is None or top_p == 1.0:
        return torch.zeros(logits.size(0), dtype=torch.bool)
    probs = torch.softmax(hf_warped(logits.double(), temperature, top_k), dim=-1)
    running = probs.sort(dim=-1, descending=True).values.cumsum(dim=-1)  # (B, V)
    return ((running - top_p).abs() < 1e-5).any(dim=-1)


@pytest.mark.parametrize("top_k", [None, 1, 2, 7, 31, 40])
@pytest.mark.parametrize("temperature", [0.25, 0.6, 1.0, 1.7, 4.0])
def test_sampling_distribution_equals_transformers_logits_processors(temperature, top_k):
    """What is sampled from, exactly: softmax of the logits after transformers' temperature, top-k and top-p
    processors. Random continuous logits, so no ties (transformers' top-k keeps ties, glassgpt keeps exactly k)."""
    logits = 1.5 * torch.randn(64, 32, generator=torch.Generator().manual_seed(round(temperature * 100)))
    for top_p in (None, 0.05, 0.3, 0.75, 0.95, 1.0):
        rows = ~near_the_nucleus_edge(logits, temperature, top_k, top_p)
        assert rows.sum() >= 56  # the edge case stays rare
        ours = distribution_drawn_from(logits, temperature=temperature, top_k=top_k, top_p=top_p)[rows]
        expected = torch.softmax(hf_warped(logits, temperature, top_k, top_p), dim=-1)[rows]
        assert torch.equal(ours > 0, expected > 0), (top_k, top_p)  # the same tokens can be drawn ...
        torch.testing.assert_close(ours, expected, atol=1e-6, rtol=1e-5)  # ... with the same probabilities


def chi_square_p_value(counts: torch.Tensor, probs: torch.Tensor) -> float:
    """Pearson's chi-square goodness of fit of `counts` (V,) to `probs` (V,): the chance of a fit this bad or
    worse if the draws really follow `probs`. A token drawn where `probs` is 0 is an impossible event: p = 0."""
    counts, probs = counts.double(), probs.double()
    possible = probs > 0
    if counts[~possible].any():
        return 0.0
    expected = probs[possible] * counts.sum()
    statistic = ((counts[possible] - expected) ** 2 / expected).sum()
    dof = torch.tensor(possible.sum().item() - 1, dtype=torch.float64)
    return torch.special.gammaincc(dof / 2, statistic / 2).item()  # upper tail of chi-square with dof degrees


def drawn_counts(logits: torch.Tensor, n: int, seed: int = 0, **kwargs) -> torch.Tensor:
    """How often each token comes out in n draws from one row of logits (V,). -> (V,)"""
    tokens = sample_next_token(logits.expand(n, -1), generator=torch.Generator().manual_seed(seed), **kwargs)
    return torch.bincount(tokens[:, 0], minlength=logits.size(-1))


@pytest.mark.parametrize("temperature", [0.5, 0.8, 1.0, 2.0])
def test_draws_follow_the_softmax_of_logits_over_temperature(temperature):
    """40,000 draws against softmax(logits / T), computed here in float64. The same statistic must reject the
    two classic bugs (T ignored, logits divided by T twice), or the test would have no power to catch them."""
    logits = torch.tensor([2.0, 1.2, 0.5, 0.0, -0.7, -1.5])
    counts = drawn_counts(logits, 40_000, temperature=temperature)

    def softmax(scaled):
        return torch.softmax(scaled.double(), dim=-1)

    assert chi_square_p_value(counts, softmax(logits / temperature)) > 1e-4
    if temperature != 1.0:
        assert chi_square_p_value(counts, softmax(logits)) < 1e-9  # temperature ignored
        assert chi_square_p_value(counts, softmax(logits / temperature ** 2)) < 1e-9  # divided twice


def test_draws_with_top_k_and_top_p_follow_the_renormalised_rest():
    logits = torch.tensor([1.0, 0.9, 0.4, 0.3, 0.0, -0.2, -1.0, -3.0])
    for kwargs in (dict(top_k=3), dict(top_p=0.6), dict(top_k=6, top_p=0.8)):
        counts = drawn_counts(logits, 40_000, temperature=0.7, **kwargs)
        expected = torch.softmax(hf_warped(logits[None].double(), 0.7, **kwargs), dim=-1)[0]
        assert chi_square_p_value(counts, expected) > 1e-4, kwargs
        assert chi_square_p_value(counts, torch.softmax(logits.double() / 0.7, dim=-1)) == 0.0  # never outside


@pytest.mark.parametrize("use_cache", [True, False])
@pytest.mark.parametrize("kwargs", [dict(temperature=0.7), dict(temperature=1.5, top_k=5),
                                    dict(temperature=1.2, top_k=20, top_p=0.8), dict(temperature=2.0, top_p=0.5)],
                         ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_sampled_tokens_equal_transformers_sampling_with_the_same_seed(tmp_path, kwargs, use_cache):
    """End to end: transformers' `generate(do_sample=True)` and glassgpt draw from the same distributions with one
    torch.multinomial per step, so from the same global seed they pick the same tokens, step after step."""
    hf = random_hf_gpt2(tmp_path)  # vocab 97, 24 positions
    model = GPT.from_pretrained(tmp_path)
    idx = prompt(model, 3, 4)
    new = model.config.block_size - idx.size(1)
    torch.manual_seed(5)
    with torch.no_grad():
        expected = hf.generate(idx, attention_mask=torch.ones_like(idx), max_new_tokens=new, do_sample=True,
                               eos_token_id=None, pad_token_id=0, **{"top_k": 0, "top_p": 1.0} | kwargs)
    torch.manual_seed(5)
    assert torch.equal(model.generate(idx, new, use_cache=use_cache, **kwargs), expected)


def draws(logits: torch.Tensor, n: int = 4000, **kwargs) -> set[int]:
    """The set of tokens drawn in n draws from one row of logits (V,)."""
    return set(drawn_counts(logits, n, **kwargs).nonzero()[:, 0].tolist())


def test_top_k_keeps_exactly_k_tokens_when_logits_tie():
    logits = torch.tensor([[1.0, 3.0, 3.0, 3.0, 0.0, 3.0]])
    kept = torch.isfinite(filter_logits(logits, top_k=2))[0]
    assert kept.sum() == 2 and (logits[0, kept] == 3.0).all()
    assert len(draws(logits[0], top_k=2)) == 2


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.integers(-3, 3), min_size=2, max_size=12), data=st.data())
def test_top_k_keeps_the_k_best_and_nothing_else(values, data):
    logits = torch.tensor([values], dtype=torch.float32)  # small integers: many ties
    k = data.draw(st.integers(1, len(values)))
    kept = torch.isfinite(filter_logits(logits, top_k=k))[0]
    assert kept.sum() == k
    if k < len(values):
        assert logits[0, kept].min() >= logits[0, ~kept].max()
    assert draws(logits[0], n=500, top_k=k) <= set(kept.nonzero()[:, 0].tolist())


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.floats(-4, 4), min_size=2, max_size=12), p=st.floats(0.01, 1.0))
def test_top_p_keeps_the_smallest_set_of_best_tokens_reaching_p(values, p):
    logits = torch.tensor([values], dtype=torch.float32)
    probs = torch.softmax(logits, dim=-1)[0]
    kept = torch.isfinite(filter_logits(logits, top_p=p))[0]
    if (~kept).any():
        assert probs[kept].min() >= probs[~kept].max()  # the most likely tokens
        assert probs[kept].sum() >= p - 1e-6  # enough of them
    assert probs[kept].sum() - probs[kept].min() < p + 1e-6  # and not one more than needed


def test_top_p_never_samples_outside_the_nucleus():
    probs = torch.tensor([0.45, 0.25, 0.15, 0.1, 0.05])
    logits = probs.log()
    assert draws(logits, top_p=0.6) == {0, 1}  # 0.45 < 0.6 <= 0.45 + 0.25
    assert draws(logits, top_p=0.9) == {0, 1, 2, 3}
    assert draws(logits, top_p=1.0) == {0, 1, 2, 3, 4}
    # combined: top-k first (3 tokens, renormalised: 0.53, 0.29, 0.18), then the nucleus of what is left
    assert draws(logits, top_k=3, top_p=0.75) == {0, 1}


def test_top_p_at_an_exact_boundary_keeps_the_smallest_set_and_the_first_of_equals():
    """Four equally likely tokens (0.25 each, exact in binary): p = 0.5 is reached by two, so the third goes; among
    equals the first ones stay, as greedy picks the first of equally likely tokens."""
    kept = torch.isfinite(filter_logits(torch.zeros(1, 4), top_p=0.5))[0]
    assert kept.tolist() == [True, True, False, False]
    kept = torch.isfinite(filter_logits(torch.zeros(2, 32), top_p=0.5))  # wide enough for an unstable sort to shuffle
    assert kept.tolist() == [[True] * 16 + [False] * 16] * 2


def test_the_decode_step_meant_for_compiling_computes_the_plain_decode_step():
    """Run eagerly, `_decode_step_to_compile` (the function torch.compile gets) is `decode_step` with another kernel
    choice: the same logits."""
    model = random_model(**CONFIGS["tiny"])
    idx = prompt(model, 2, 6)
    caches = [KVCache(model.config, batch_size=2) for _ in range(2)]
    with torch.no_grad():
        for cache in caches:
            model(idx[:, :5], kv_cache=cache)
        plain = decode_step(model, idx[:, 5:], caches[0])  # (B, V)
        for_compile = _decode_step_to_compile(model, idx[:, 5:], caches[1])
    assert plain.shape == (2, model.config.vocab_size) and caches[1].length == 6
    torch.testing.assert_close(for_compile, plain, atol=1e-5, rtol=0)  # another kernel: rounding differs
    with pytest.raises(NotImplementedError, match="^the model class defines check_input$"):
        GenerationMixin.check_input(object(), idx)  # the protocol a model class must fill in


def test_sampling_survives_logits_far_from_zero_and_rows_far_apart():
    """A tiny temperature divides by almost nothing: the logits must be shifted so that each row's best is 0 first,
    or they overflow to inf (inf - inf is NaN), or a row far below another underflows to all zeros."""
    logits = torch.tensor([[3e36, 1e36, 0.0], [-2e4, -1e4, -3e4]])
    for temperature in (1e-3, 1e-30):
        for seed in range(5):
            drawn = sample_next_token(logits, temperature=temperature, generator=torch.Generator().manual_seed(seed))
            assert drawn.tolist() == [[0], [1]]


def test_greedy_and_tiny_temperature_pick_the_best_token():
    logits = torch.tensor([[0.5, 2.0, -1.0], [3.0, 1.0, 2.9]])
    assert sample_next_token(logits, temperature=0).tolist() == [[1], [0]]
    assert sample_next_token(logits, temperature=1e-30).tolist() == [[1], [0]]  # no overflow into NaN


def test_same_seed_same_tokens_and_top_k_1_is_greedy():
    model = random_model(**CONFIGS["no-bias-untied"])
    idx = prompt(model, 3, 6)

    def sampled(seed, **kwargs):
        return model.generate(idx, 60, temperature=1.3, generator=torch.Generator().manual_seed(seed), **kwargs)

    assert torch.equal(sampled(7, top_k=10, top_p=0.9), sampled(7, top_k=10, top_p=0.9))
    assert torch.equal(sampled(7, top_p=0.9), sampled(7, top_p=0.9, use_cache=False))
    assert not torch.equal(sampled(7), sampled(8))
    assert torch.equal(sampled(7, top_k=1), model.generate(idx, 60, temperature=0))


# --- bad input --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, key, value", [
    (dict(max_new_tokens=-1), "max_new_tokens_negative", "-1"),
    (dict(temperature=-0.1), "temperature_negative", "-0.1"),
    (dict(temperature=float("nan")), "temperature_negative", "nan"),
    (dict(temperature=float("inf")), "temperature_negative", "inf"),
    (dict(top_k=0), "top_k_not_positive", "0"),
    (dict(top_p=0.0), "top_p_range", "0.0"),
    (dict(top_p=1.01), "top_p_range", "1.01"),
    (dict(idx=torch.zeros(1, 0, dtype=torch.long)), "idx_empty", "(1, 0)"),
    (dict(idx=torch.tensor([[1, 64]])), "bad_token_id", "64"),
    (dict(idx=torch.tensor([[-1] + [1] * 20])), "bad_token_id", "-1"),  # before the window, still checked
    (dict(idx=torch.tensor([[1] * 20 + [64]])), "bad_token_id", "64"),  # in the window of a long prompt
    (dict(idx=torch.tensor([1, 2])), "idx_not_2d", "(2,)"),
])
def test_bad_arguments_raise_a_clear_error(kwargs, key, value):
    model = random_model(**CONFIGS["tiny"])
    arguments = dict(idx=torch.tensor([[1, 2]]), max_new_tokens=3) | kwargs
    with pytest.raises(GlassGPTError) as error:
        model.generate(**arguments)
    assert error.value.key == key and value in str(error.value)


@pytest.mark.parametrize("kwargs, message", [
    (dict(max_new_tokens=2.0), "max_new_tokens must be an int, got float"),
    (dict(max_new_tokens=True), "max_new_tokens must be an int, got bool"),
    (dict(top_k=1.5), "top_k must be an int or None, got float"),
    (dict(top_k=True), "top_k must be an int or None, got bool"),
    (dict(temperature="1"), "temperature must be a number, got str"),
    (dict(temperature=True), "temperature must be a number, got bool"),
    (dict(top_p="0.9"), "top_p must be a number or None, got str"),
    (dict(top_p=True), "top_p must be a number or None, got bool"),
    (dict(idx=[[1, 2]]), "idx must be a torch.Tensor of token ids, got list"),
])
def test_wrong_types_raise_type_error(kwargs, message):
    model = random_model(**CONFIGS["tiny"])
    with pytest.raises(TypeError, match=re.escape(message)):
        model.generate(**(dict(idx=torch.tensor([[1, 2]]), max_new_tokens=3) | kwargs))


def test_settings_at_their_limits_are_taken_and_mean_what_they_say():
    """top_k=1 keeps only the likeliest token (greedy); top_p=1 keeps the whole distribution (no filter);
    temperature 1 is the default."""
    model = random_model(**CONFIGS["tiny"])
    idx = prompt(model, 2, 3)

    def run(**settings):
        return model.generate(idx, 6, generator=torch.Generator().manual_seed(0), **settings)

    plain = run()
    assert torch.equal(run(top_k=1), run(temperature=0))
    assert torch.equal(run(top_p=1.0), plain) and torch.equal(run(top_p=1), plain)
    assert torch.equal(run(temperature=1), plain) and not torch.equal(plain, run(temperature=0))


def test_nan_weights_stop_generation_with_a_clear_error():
    model = random_model(**CONFIGS["tiny"])
    with torch.no_grad():
        model.ln_f.weight[0] = float("nan")
    with pytest.raises(GlassGPTError) as error:
        model.generate(prompt(model, 1, 3), 2, temperature=0)  # greedy would quietly pick token 0
    assert error.value.key == "logits_not_finite" and "float32" in str(error.value)


# --- the generate mode, through the real entry point -----------------------------------------------------------

def run(*args, lang):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env["LANG"] = "zh_CN.UTF-8" if lang == "zh" else "C.UTF-8"
    env["OMP_NUM_THREADS"] = "1"  # small models: threads only add waiting on a busy machine
    return subprocess.run([sys.executable, "model.py", "generate", *args], cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=300)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_generate_mode_prints_the_tokens_the_library_generates(lang):
    result = run("--preset", "tiny", "--seed", "3", "--prompt", "1,2,3", "--max-new-tokens", "40",
                 "--temperature", "0", lang=lang)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert bool(re.search(r"[\u4e00-\u9fff]", result.stdout)) == (lang == "zh")
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    lines = result.stdout.splitlines()
    # the prompt's line, then the new tokens (wrapped), then the speed
    after_prompt = next(i for i, line in enumerate(lines) if line.endswith(" 1 2 3")) + 1
    new_tokens = [int(n) for line in lines[after_prompt:-1] for n in re.findall(r"\d+", line)]
    torch.manual_seed(3)
    model = GPT(GPTConfig.from_preset("tiny")).eval()  # what --preset tiny --seed 3 builds
    expected = model.generate(torch.tensor([[1, 2, 3]]), 40, temperature=0)[0, 3:].tolist()
    assert new_tokens == expected
    assert re.search(r"40 (new tokens in|个新 token 用时) [\d.]+ (s|秒)", lines[-1])


@pytest.mark.parametrize("args, needle", [
    (["--max-new-tokens", "-1"], "-1"),
    (["--top-p", "1.5"], "1.5"),
    (["--prompt", "1,x"], "1,x"),
    (["--prompt", "1,64"], "64"),  # the tiny preset's vocabulary is 0..63
])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_generate_mode_bad_values_exit_2_with_one_line(args, needle, lang):
    result = run("--preset", "tiny", *args, lang=lang)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert bool(re.search(r"[\u4e00-\u9fff]", lines[0])) == (lang == "zh")


@pytest.mark.parametrize("prompt, new, use_cache", [(5, 7, True), (3, 40, True), (30, 10, True), (5, 7, False)])
def test_the_memory_check_asks_for_what_generation_then_allocates(prompt, new, use_cache):
    """The oracle is the tensors themselves: generate's memory check, made before anything is allocated, asks for
    the token buffer and the KV cache that the loop then really allocates (their nbytes), the cache's one spare
    slot included, give or take one token's keys and values per layer (the check counts the newest token too)."""
    model = GPT(GPTConfig.from_preset("tiny")).eval()  # block_size 32: (3, 40) and (30, 10) slide the window
    config, B = model.config, 2
    asked, caches = [], []

    class Recorded(KVCache):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            caches.append(self)

    with mock.patch("glassgpt.generation.require_memory", lambda nbytes, what, device: asked.append(nbytes)), \
            mock.patch("glassgpt.generation.KVCache", Recorded):
        out = model.generate(torch.zeros(B, prompt, dtype=torch.long), new, use_cache=use_cache)
    buffer = out.nelement() * out.element_size()  # the loop's token buffer is the ids it returns
    cache = sum(t.nbytes for c in caches for layer in c.layers for t in (layer.k, layer.v))
    one_token = 2 * config.n_layer * config.n_embd * 4 * B  # keys and values of one position, float32
    assert len(asked) == 1 and (len(caches) == 1) is use_cache
    assert buffer + cache <= asked[0] <= buffer + cache + (one_token if use_cache else 0)
