"""Generation: the KV cache against uncached forward passes, greedy tokens against transformers, sampling
properties on logits we choose, bad arguments, and the generate mode through its real entry point."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import random_hf_gpt2
from glassgpt import GPT, GPTConfig, GlassGPTError
from glassgpt.generation import KVCache, _decode_step_to_compile, filter_logits, sample_next_token

ROOT = Path(__file__).resolve().parents[1]

# small shapes with different head counts, biases, tying and attention paths; block sizes small enough that 200
# new tokens cross them (so the sliding window is exercised), and one large enough that they do not
CONFIGS = {
    "tiny": dict(vocab_size=64, block_size=16, n_layer=2, n_head=2, n_embd=16),
    "no-bias-untied": dict(vocab_size=97, block_size=48, n_layer=3, n_head=4, n_embd=32, bias=False,
                           tie_weights=False),
    "manual-attention": dict(vocab_size=50, block_size=32, n_layer=2, n_head=1, n_embd=24, attention="manual"),
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

@pytest.mark.parametrize("B", [1, 3])
@pytest.mark.parametrize("name", CONFIGS)
def test_cached_greedy_equals_uncached_for_200_tokens(name, B):
    model = random_model(**CONFIGS[name])
    idx = prompt(model, B, 16)
    cached = model.generate(idx, 200, temperature=0)
    uncached = model.generate(idx, 200, temperature=0, use_cache=False)
    assert cached.shape == (B, 216)
    assert torch.equal(cached, uncached)
    assert torch.equal(cached[:, :16], idx)


@pytest.mark.parametrize("T, block_size", [(40, 16), (16, 16), (1, 16), (1, 1), (3, 1)])
def test_cached_equals_uncached_for_prompts_of_every_length(T, block_size):
    model = random_model(**CONFIGS["tiny"] | dict(block_size=block_size))
    idx = prompt(model, 2, T)  # longer than block_size: the model reads only the last block_size tokens
    assert torch.equal(model.generate(idx, 30, temperature=0), model.generate(idx, 30, temperature=0, use_cache=False))


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

@pytest.mark.parametrize("hf_kwargs", [dict(), dict(n_layer=3, n_head=4, n_embd=32, tie_word_embeddings=False)])
def test_greedy_tokens_equal_transformers_generate(tmp_path, hf_kwargs):
    hf = random_hf_gpt2(tmp_path, **hf_kwargs)  # vocab 97, 24 positions
    model = GPT.from_pretrained(tmp_path)
    idx = prompt(model, 3, 4)
    new = model.config.block_size - idx.size(1)  # transformers' GPT-2 cannot go past its positions
    with torch.no_grad():
        # eos_token_id=None: the oracle must not stop early (GPT-2's default eos, 50256, is outside this vocabulary)
        expected = hf.generate(idx, attention_mask=torch.ones_like(idx), max_new_tokens=new, do_sample=False,
                               eos_token_id=None, pad_token_id=0)
    assert expected.shape == (3, model.config.block_size)
    assert torch.equal(model.generate(idx, new, temperature=0), expected)
    assert torch.equal(model.generate(idx, new, temperature=0, use_cache=False), expected)


# --- sampling ---------------------------------------------------------------------------------------------------

def draws(logits: torch.Tensor, n: int = 4000, **kwargs) -> set[int]:
    """The set of tokens drawn in n draws from one row of logits (V,)."""
    rows = logits.expand(n, -1)
    return set(sample_next_token(rows, generator=torch.Generator().manual_seed(0), **kwargs)[:, 0].tolist())


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

@pytest.mark.parametrize("kwargs, key", [
    (dict(max_new_tokens=-1), "max_new_tokens_negative"),
    (dict(temperature=-0.1), "temperature_negative"),
    (dict(temperature=float("nan")), "temperature_negative"),
    (dict(top_k=0), "top_k_not_positive"),
    (dict(top_p=0.0), "top_p_range"),
    (dict(top_p=1.01), "top_p_range"),
    (dict(idx=torch.zeros(1, 0, dtype=torch.long)), "idx_empty"),
    (dict(idx=torch.tensor([[1, 64]])), "bad_token_id"),
    (dict(idx=torch.tensor([[-1] + [1] * 20])), "bad_token_id"),  # before the window, still checked
    (dict(idx=torch.tensor([1, 2])), "idx_not_2d"),
])
def test_bad_arguments_raise_a_clear_error(kwargs, key):
    model = random_model(**CONFIGS["tiny"])
    arguments = dict(idx=torch.tensor([[1, 2]]), max_new_tokens=3) | kwargs
    with pytest.raises(GlassGPTError) as error:
        model.generate(**arguments)
    assert error.value.key == key


@pytest.mark.parametrize("kwargs", [dict(max_new_tokens=2.0), dict(top_k=1.5), dict(temperature="1"),
                                    dict(idx=[[1, 2]])])
def test_wrong_types_raise_type_error(kwargs):
    model = random_model(**CONFIGS["tiny"])
    with pytest.raises(TypeError):
        model.generate(**(dict(idx=torch.tensor([[1, 2]]), max_new_tokens=3) | kwargs))


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
