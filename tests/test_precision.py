"""Half precision: no NaN or inf at GPT-2-small size on either attention path, autocast training steps, --dtype."""

import copy
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from glassgpt import GPT, GPTConfig
from glassgpt.generation import KVCache
from glassgpt.model import attention, causal_mask

ROOT = Path(__file__).resolve().parents[1]


@given(T_k=st.integers(1, 64), data=st.data())
def test_causal_mask_never_masks_a_whole_row(T_k, data):
    """Why masked_fill(-inf) + softmax cannot give NaN: every query sees at least one key (itself), with or without
    a KV cache in front of it. A fully masked row would be softmax over all -inf = 0/0 = NaN in any dtype. And the
    mask does mask: query i sees exactly the keys 0 .. T_k - T + i, none after (an all-True mask fails here)."""
    T = data.draw(st.integers(1, T_k))
    mask = causal_mask(T, T_k)
    assert mask.any(dim=-1).all()
    assert mask[torch.arange(T), torch.arange(T_k - T, T_k)].all()  # the diagonal: each query sees itself
    visible = mask.sum(dim=-1)  # (T,)
    assert visible.tolist() == list(range(T_k - T + 1, T_k + 1))
    for i, n in enumerate(visible.tolist()):
        assert mask[i, :n].all() and not mask[i, n:].any()  # a prefix: the past, never the future


def reference_attention(q, k, v, scale):
    """Float64, one query at a time over the keys it may see (a KV cache's past, then up to itself): no mask and
    no -inf anywhere, so nothing to share with the code under test. (B, nh, T, hs), (B, nh, T_k, hs) -> (B, nh, T, hs)"""
    q, k, v = q.double(), k.double(), v.double()
    T, T_k = q.size(2), k.size(2)
    rows = []
    for i in range(T):
        seen = T_k - T + i + 1
        weights = torch.softmax(q[:, :, i:i + 1] @ k[:, :, :seen].transpose(-2, -1) * scale, dim=-1)  # (B, nh, 1, seen)
        rows.append(weights @ v[:, :, :seen])  # (B, nh, 1, hs)
    return torch.cat(rows, dim=2)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["fp16", "bf16"])
@pytest.mark.parametrize("T, T_k", [(5, 5), (4, 11), (1, 9)])
def test_written_out_attention_in_half_precision_with_a_real_mask(dtype, T, T_k):
    """Queries after a cached past, in half precision. With large scores (around a hundred, as in a trained model's
    sharp heads): no NaN, every masked weight exactly 0. With scores near 1: the output of an independent float64
    computation, to within the dtype's rounding (bf16 keeps 8 significant bits, so large scores cannot be
    compared this way: a score of 100 is already off by up to 0.4 before the softmax)."""
    generator = torch.Generator().manual_seed(T * 100 + T_k)
    q = torch.randn(2, 3, T, 16, generator=generator)  # (B, nh, T, hs)
    k = torch.randn(2, 3, T_k, 16, generator=generator)  # (B, nh, T_k, hs)
    v = torch.randn(2, 3, T_k, 16, generator=generator)
    scale = 1 / math.sqrt(16)
    future = ~torch.tensor([[j <= T_k - T + i for j in range(T_k)] for i in range(T)])  # (T, T_k)
    for size in (6.0, 1.0):
        seen = {}

        def tap(name, tensor):
            seen[name] = tensor
            return tensor

        q_, k_, v_ = (size * q).to(dtype), (size * k).to(dtype), v.to(dtype)
        y = attention(q_, k_, v_, causal_mask(T, T_k), scale, tap=tap)  # (B, nh, T, hs)
        assert y.dtype == dtype and torch.isfinite(y).all()
        assert torch.isfinite(seen["pattern"]).all() and (seen["pattern"][..., future] == 0).all()
        assert (seen["masked_scores"][..., future] == float("-inf")).all()
    tolerance = 8 * torch.finfo(dtype).eps
    torch.testing.assert_close(y.double(), reference_attention(q_, k_, v_, scale), atol=tolerance, rtol=tolerance)


@pytest.fixture(scope="module")
def gpt2_small():
    """GPT-2 small (124M) as initialised, on both attention paths with the same weights, and fp32 logits."""
    torch.manual_seed(0)
    config = GPTConfig.from_preset("gpt2")
    sdpa = GPT(config).eval()
    manual = GPT(config.replace(flash=False)).eval()
    manual.load_state_dict(sdpa.state_dict())
    idx = torch.randint(0, config.vocab_size, (1, 64), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        reference = sdpa(idx)[0]
    return {"sdpa": sdpa, "manual": manual}, idx, reference


@pytest.mark.parametrize("attention", ["sdpa", "manual"])
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=["bf16", "fp16"])
def test_gpt2_small_half_precision_forward_is_finite(gpt2_small, dtype, attention):
    models, idx, reference = gpt2_small
    model = copy.deepcopy(models[attention]).to(dtype)
    with torch.no_grad():
        logits, loss = model(idx[:, :-1], targets=idx[:, 1:])
    assert logits.dtype == dtype
    assert torch.isfinite(logits).all() and torch.isfinite(loss)
    # the same function, to within half precision: a loose bound, as 12 layers of rounding add up
    error = (logits.float() - reference[:, :-1]).abs().max()
    assert error <= 0.05 * reference.abs().max()


@pytest.mark.parametrize("flash", [True, False], ids=["sdpa", "manual"])
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=["bf16", "fp16"])
def test_half_precision_is_causal_and_caches(dtype, flash):
    """GPT-2 small's width and heads (2 layers, a small vocabulary, to stay fast). In half precision the mask must
    still hold exactly (a later token changes no earlier logit, bit for bit), and the cache, fed a prompt, single
    tokens and a chunk after a past (the bottom-right mask), stays finite and gives the full forward pass's logits
    to within half precision."""
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_preset("gpt2", n_layer=2, vocab_size=512, flash=flash)).eval().to(dtype)
    idx = torch.randint(0, 512, (1, 64), generator=torch.Generator().manual_seed(1))
    changed = idx.clone()
    changed[0, 40] = (changed[0, 40] + 1) % 512
    cache = KVCache(model.config, batch_size=1, dtype=dtype)
    with torch.no_grad():
        full = model(idx)[0]  # (1, 64, V)
        assert torch.equal(model(changed)[0][:, :40], full[:, :40])
        pieces = [model(idx[:, start:end], kv_cache=cache)[0] for start, end in ((0, 40), (40, 41), (41, 42), (42, 64))]
    cached = torch.cat(pieces, dim=1)  # (1, 64, V)
    assert torch.isfinite(cached).all()
    assert (cached.float() - full.float()).abs().max() <= 0.02 * full.float().abs().max()


@pytest.mark.parametrize("flash", [True, False], ids=["sdpa", "manual"])
def test_bf16_autocast_training_step(flash):
    """Autocast: matmuls in bf16, parameters, gradients and the optimizer step stay in fp32."""
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_preset("small", flash=flash)).train()
    idx = torch.randint(0, model.config.vocab_size, (4, 33), generator=torch.Generator().manual_seed(1))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits, loss = model(idx[:, :-1], targets=idx[:, 1:])
    assert logits.dtype == torch.bfloat16 and loss.dtype == torch.float32  # autocast runs cross_entropy in fp32
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g.dtype == torch.float32 and torch.isfinite(g).all() for g in grads)
    _, fp32_loss = model(idx[:, :-1], targets=idx[:, 1:])
    assert abs(loss.item() - fp32_loss.item()) < 0.02 * fp32_loss.item()
    assert abs(fp32_loss.item() - math.log(model.config.vocab_size)) < 0.5  # an untrained model guesses uniformly


@pytest.mark.parametrize("dtype, lang", [("bf16", "en"), ("fp16", "zh")])
def test_cli_dtype(dtype, lang):
    result = subprocess.run([sys.executable, "model.py", "full", "--dtype", dtype, "--lang", lang], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "nan" not in result.stdout.lower() and "inf " not in result.stdout.lower()


def test_cli_unknown_dtype_is_one_line_and_exit_2():
    result = subprocess.run([sys.executable, "model.py", "full", "--dtype", "fp8"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1 and "fp8" in result.stderr
