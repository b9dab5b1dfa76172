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
from glassgpt.model import causal_mask

ROOT = Path(__file__).resolve().parents[1]


@given(T_k=st.integers(1, 64), data=st.data())
def test_causal_mask_never_masks_a_whole_row(T_k, data):
    """Why masked_fill(-inf) + softmax cannot give NaN: every query sees at least one key (itself), with or without
    a KV cache in front of it. A fully masked row would be softmax over all -inf = 0/0 = NaN in any dtype."""
    T = data.draw(st.integers(1, T_k))
    mask = causal_mask(T, T_k)
    assert mask.any(dim=-1).all()
    assert mask[torch.arange(T), torch.arange(T_k - T, T_k)].all()  # the diagonal: each query sees itself


@pytest.fixture(scope="module")
def gpt2_small():
    """GPT-2 small (124M) as initialised, on both attention paths with the same weights, and fp32 logits."""
    torch.manual_seed(0)
    config = GPTConfig.from_preset("gpt2")
    sdpa = GPT(config).eval()
    manual = GPT(config.replace(attention="manual")).eval()
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


@pytest.mark.parametrize("attention", ["sdpa", "manual"])
def test_bf16_autocast_training_step(attention):
    """Autocast: matmuls in bf16, parameters, gradients and the optimizer step stay in fp32."""
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_preset("small", attention=attention)).train()
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
