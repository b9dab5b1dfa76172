"""Properties every correct GPT has, checked on random configs and inputs (hypothesis)."""

import re
from unittest import mock

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from glassgpt import GPT, GlassGPTError, GPTConfig
from glassgpt.generation import KVCache
from glassgpt.model import MLP, CausalSelfAttention, LayerNorm, TransformerBlock, attention, causal_mask


@st.composite
def configs(draw, **fixed):
    n_head = draw(st.integers(1, 4))
    fields = dict(
        vocab_size=draw(st.integers(2, 50)),
        block_size=draw(st.integers(1, 12)),
        n_layer=draw(st.integers(1, 3)),
        n_head=n_head,
        n_embd=n_head * draw(st.integers(2, 8)),  # width 1 makes LayerNorm output 0: degenerate
        bias=draw(st.booleans()),
        tie_weights=draw(st.booleans()),
        flash=draw(st.booleans()),
    )
    fields.update(fixed)
    return GPTConfig(**fields)


def build(config, seed=0):
    torch.manual_seed(seed)
    return GPT(config).eval()


@settings(max_examples=80)
@given(T_k=st.integers(1, 40), data=st.data())
def test_causal_mask_is_the_bottom_right_triangle(T_k, data):
    """Query i of the last T positions sits at position T_k - T + i and may see every key up to there."""
    T = data.draw(st.integers(1, T_k))
    expected = [[j <= T_k - T + i for j in range(T_k)] for i in range(T)]
    mask = causal_mask(T, T_k)
    assert mask.dtype == torch.bool and mask.tolist() == expected
    assert causal_mask(T, T_k, device="meta").device.type == "meta"


def _textbook(q, k, v, allowed, scale, fill, dim):
    """softmax(q k^T * scale) with `fill` where not allowed, normalised along `dim`, times v; float64."""
    scores = (q.double() @ k.double().transpose(-2, -1)) * scale  # (B, nh, T, T_k)
    scores = torch.where(allowed, scores, torch.tensor(fill, dtype=torch.float64))
    return torch.softmax(scores, dim=dim) @ v.double()


@pytest.mark.parametrize("fill, dim, masked", [(float("-inf"), -1, True), (0.0, -1, True), (float("-inf"), -2, True),
                                               (float("-inf"), -1, False)])
def test_attention_function_is_the_textbook_formula_for_every_argument(fill, dim, masked):
    """model.attention is also what the checker calls to reproduce a learner's mistakes (another fill, softmax axis,
    no mask): each argument must do what it says. T == T_k for the -2 axis (queries), T < T_k otherwise."""
    generator = torch.Generator().manual_seed(3)
    T, T_k = (5, 5) if dim == -2 else (3, 7)
    q, k, v = (torch.randn(2, 2, n, 4, generator=generator) for n in (T, T_k, T_k))
    allowed = torch.tensor([[j <= T_k - T + i for j in range(T_k)] for i in range(T)])
    y = attention(q, k, v, causal_mask(T, T_k) if masked else None, 0.3, fill=fill, softmax_dim=dim)
    expected = _textbook(q, k, v, allowed if masked else torch.ones(T, T_k, dtype=torch.bool), 0.3, fill, dim)
    torch.testing.assert_close(y.double(), expected, atol=1e-6, rtol=1e-5)
    seen = {}
    attention(q, k, v, causal_mask(T, T_k), 0.3, tap=lambda name, t: seen.setdefault(name, t))
    assert list(seen) == ["scores", "masked_scores", "pattern", "z"]
    dropped = attention(q, k, v, causal_mask(T, T_k), 0.3, dropout=lambda pattern: torch.zeros_like(pattern))
    assert not dropped.any()  # the dropout sees the pattern, before the weighted sum


def test_parts_build_from_the_config_alone_with_the_courses_defaults():
    norm = LayerNorm(8)
    assert norm.bias is None and norm.eps == 1e-5 and norm.weight.shape == (8,)
    assert LayerNorm(8, bias=True, eps=1e-3).bias.shape == (8,) and LayerNorm(8, eps=1e-3).eps == 1e-3
    for flash in (True, False):
        config = GPTConfig.from_preset("tiny", flash=flash)
        assert CausalSelfAttention(config).flash is flash and GPT(config).blocks[1].attn.flash is flash
    block = TransformerBlock(GPTConfig.from_preset("tiny", bias=False))
    assert block.ln_1.bias is None and block.attn.c_attn.bias is None and block.mlp.c_fc.bias is None
    x = torch.randn(2, 5, 16, generator=torch.Generator().manual_seed(0))
    assert MLP(GPTConfig.from_preset("tiny"))(x).shape == (2, 5, 16) and block(x).shape == (2, 5, 16)


def test_flash_switches_each_attention_between_pytorchs_kernel_and_the_written_out_path():
    """Both paths give the same numbers (tests/test_model_oracle.py), so only which one ran tells them apart: the
    fused kernel is PyTorch's scaled_dot_product_attention; the written-out path fires the hook points."""
    attn = CausalSelfAttention(GPTConfig.from_preset("tiny"))
    x = torch.randn(1, 5, 16, generator=torch.Generator().manual_seed(0))  # (B, T, d)
    patterns = []
    attn.hook_pattern.register_forward_hook(lambda module, args, output: patterns.append(output))
    for flash, fused_calls, hooked in ((True, 1, 0), (False, 0, 1)):
        attn.flash = flash
        patterns.clear()
        with mock.patch("torch.nn.functional.scaled_dot_product_attention",
                        wraps=torch.nn.functional.scaled_dot_product_attention) as fused:
            attn(x)
        assert (fused.call_count, len(patterns)) == (fused_calls, hooked)


def test_positions_are_made_on_the_device_of_the_ids():
    """The meta device stands in for a GPU: positions made without naming the device would land on the CPU. (Meta
    tensors hold no values, so the checks that read the ids are skipped here.)"""
    with torch.device("meta"):
        model = GPT(GPTConfig.from_preset("tiny"))
    positions = []
    model.pos_emb.register_forward_pre_hook(lambda module, args: positions.append(args[0]))
    idx = torch.zeros(1, 5, dtype=torch.long, device="meta")
    with mock.patch.object(GPT, "check_input"), torch.no_grad():
        logits, _ = model(idx)
    assert [p.device.type for p in positions] == ["meta"] and logits.shape == (1, 5, model.config.vocab_size)


@settings(max_examples=25, deadline=None)
@given(config=configs(), data=st.data())
def test_causality_later_tokens_never_change_earlier_logits(config, data):
    model = build(config)
    T = config.block_size
    idx = torch.tensor([data.draw(st.lists(st.integers(0, config.vocab_size - 1), min_size=T, max_size=T))])
    t = data.draw(st.integers(0, T - 1))
    changed = idx.clone()
    changed[0, t:] = (changed[0, t:] + 1) % config.vocab_size
    with torch.no_grad():
        before, after = model(idx)[0], model(changed)[0]
    assert torch.equal(before[:, :t], after[:, :t])
    if config.vocab_size > 2 and T > t:  # the changed position itself does see the change
        assert not torch.equal(before[:, t], after[:, t])


@settings(max_examples=20, deadline=None)
@given(config=configs(), data=st.data())
def test_batch_independence(config, data):
    model = build(config)
    B = data.draw(st.integers(2, 4))
    T = data.draw(st.integers(1, config.block_size))
    idx = torch.randint(0, config.vocab_size, (B, T), generator=torch.Generator().manual_seed(data.draw(st.integers(0, 99))))
    with torch.no_grad():
        together = model(idx)[0]
        one_by_one = torch.cat([model(idx[b:b + 1])[0] for b in range(B)])
    torch.testing.assert_close(together, one_by_one, atol=1e-6, rtol=1e-5)


@settings(max_examples=20, deadline=None)
@given(config=configs(), seed=st.integers(0, 1000))
def test_sdpa_equals_manual_attention_forward_and_backward(config, seed):
    fast = build(config.replace(flash=True), seed)
    manual = build(config.replace(flash=False), seed)
    manual.load_state_dict(fast.state_dict())
    idx = torch.randint(0, config.vocab_size, (2, config.block_size), generator=torch.Generator().manual_seed(seed))
    targets = torch.randint(0, config.vocab_size, idx.shape, generator=torch.Generator().manual_seed(seed + 1))
    results = []
    for model in (fast, manual):
        logits, loss = model(idx, targets)
        loss.backward()
        results.append((logits, {n: p.grad for n, p in model.named_parameters()}))
    torch.testing.assert_close(results[0][0], results[1][0], atol=1e-5, rtol=1e-4)
    for name, grad in results[0][1].items():
        torch.testing.assert_close(grad, results[1][1][name], atol=1e-5, rtol=1e-4, msg=name)


@settings(max_examples=20, deadline=None)
@given(config=configs())
def test_parameter_count_is_sum_of_unique_tensors(config):
    model = build(config)
    unique = {p.data_ptr(): p.numel() for p in model.state_dict().values()}
    assert sum(p.numel() for p in model.parameters()) == sum(unique.values())
    d, V, L = config.n_embd, config.vocab_size, config.n_layer
    head = 0 if config.tie_weights else V * d
    assert sum(p.numel() for p in model.lm_head.parameters()) == V * d  # the head is there either way ...
    assert sum(p.numel() for p in model.parameters()) - sum(
        p.numel() for p in model.blocks.parameters()) - config.block_size * d - (2 * d if config.bias else d) \
        == V * d + head  # ... and counted once when tied


@pytest.mark.parametrize("preset, published", [("gpt2", 124_439_808), ("gpt2-medium", 354_823_168)])
def test_get_num_params_follows_nanogpts_convention(preset, published):
    """Radford et al. 2019's published totals (the tied head counted once); nanoGPT's default leaves out only the
    position table (block_size x n_embd)."""
    with torch.device("meta"):
        model = GPT(GPTConfig.from_preset(preset))
    n_pos = model.config.block_size * model.config.n_embd
    assert model.get_num_params(non_embedding=False) == published
    assert model.get_num_params() == model.get_num_params(non_embedding=True) == published - n_pos


def test_tied_head_is_one_tensor():
    model = build(GPTConfig.from_preset("tiny"))
    assert model.lm_head.weight is model.tok_emb.weight
    idx = torch.randint(0, 64, (2, 8), generator=torch.Generator().manual_seed(1))
    model(idx, idx)[1].backward()
    assert model.tok_emb.weight.grad is model.lm_head.weight.grad
    untied = build(GPTConfig.from_preset("tiny", tie_weights=False))
    assert untied.lm_head.weight is not untied.tok_emb.weight


def test_logits_shape_never_changes_with_targets(tiny_config):
    model = build(tiny_config)
    idx = torch.randint(0, 64, (3, 5), generator=torch.Generator().manual_seed(1))
    logits, loss = model(idx)
    assert logits.shape == (3, 5, 64) and loss is None
    logits, loss = model(idx, idx)
    assert logits.shape == (3, 5, 64) and loss.ndim == 0


def test_ignored_targets_leave_the_loss():
    model = build(GPTConfig.from_preset("tiny"))
    generator = torch.Generator().manual_seed(1)
    idx = torch.randint(0, 64, (1, 6), generator=generator)
    targets = torch.randint(0, 64, (1, 6), generator=generator)
    ignored = targets.clone()
    ignored[0, 3:] = -1
    logits, loss = model(idx, ignored)
    expected = torch.nn.functional.cross_entropy(logits[0, :3], targets[0, :3])
    torch.testing.assert_close(loss, expected)


@pytest.mark.parametrize("flash", [True, False])
def test_dropout_acts_in_training_only_and_reaches_the_attention_weights(flash):
    config = GPTConfig.from_preset("tiny", dropout=0.5, flash=flash)
    model = build(config)
    plain = build(config.replace(dropout=0.0))
    plain.load_state_dict(model.state_dict())
    idx = torch.randint(0, 64, (2, 9), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert torch.equal(model.eval()(idx)[0], plain(idx)[0])  # eval: no dropout anywhere
        # training, with every dropout but the attention weights' switched off: the output still varies
        model.train()
        model.drop.p = 0.0
        for block in model.blocks:
            block.attn.resid_dropout.p = block.mlp.dropout.p = 0.0
        first, second = model(idx)[0], model(idx)[0]
    assert not torch.equal(first, second) and not torch.equal(first, plain(idx)[0])


def _assert_normal(tensor: torch.Tensor, std: float, name: str):
    """Mean 0 and standard deviation `std`, to within 6 standard errors of those estimates from tensor.numel()
    draws (the standard error of a sample std is about std / sqrt(2n)): far tighter than any wrong scale."""
    n = tensor.numel()
    assert abs(tensor.mean().item()) < 6 * std / n ** 0.5, name
    assert abs(tensor.std().item() / std - 1) < 6 / (2 * n) ** 0.5, name


@pytest.mark.parametrize("tie_weights", [True, False])
def test_init_is_gpt2s_in_every_parameter(tie_weights):
    """GPT-2's initialisation (Radford et al. 2019; the scaled residual projections of its section 2.3), checked on
    every tensor: N(0, 0.02) for embeddings and Linear weights, N(0, 0.02 / sqrt(2 * n_layer)) for both c_proj of
    every block, biases 0, LayerNorm gain 1 and shift 0."""
    torch.manual_seed(0)
    config = GPTConfig(vocab_size=2048, block_size=512, n_layer=8, n_head=4, n_embd=256, tie_weights=tie_weights)
    model = GPT(config)
    residual_std = 0.02 / (2 * config.n_layer) ** 0.5
    _assert_normal(model.tok_emb.weight, 0.02, "tok_emb")
    _assert_normal(model.pos_emb.weight, 0.02, "pos_emb")
    if not tie_weights:
        _assert_normal(model.lm_head.weight, 0.02, "lm_head")
    for i, block in enumerate(model.blocks):
        _assert_normal(block.attn.c_attn.weight, 0.02, f"blocks.{i}.attn.c_attn")
        _assert_normal(block.mlp.c_fc.weight, 0.02, f"blocks.{i}.mlp.c_fc")
        _assert_normal(block.attn.c_proj.weight, residual_std, f"blocks.{i}.attn.c_proj")
        _assert_normal(block.mlp.c_proj.weight, residual_std, f"blocks.{i}.mlp.c_proj")
    weights = {name for name, _ in model.named_parameters() if name.endswith("weight")}
    assert len(weights) == 2 + 6 * config.n_layer + 1 + (0 if tie_weights else 1)  # every one checked above
    for name, p in model.named_parameters():
        if name.endswith("bias"):
            assert not p.any(), name
        elif name.startswith("ln_f") or ".ln_" in name:
            assert torch.equal(p, torch.ones_like(p)), name


BAD_INPUTS = [  # each sentence names the problem, with the numbers, and the fix
    (lambda: [[1, 2]], TypeError, "idx must be a torch.Tensor of token ids, got list; wrap it with torch.tensor([[...]])"),
    (lambda: torch.zeros(1, 3), TypeError,
     "idx must hold integer token ids (int64 or int32), got dtype torch.float32; use idx.long()"),
    (lambda: torch.zeros(3, dtype=torch.long), ValueError, "idx must be 2-D (batch, time), got shape (3,)"),
    (lambda: torch.zeros(1, 0, dtype=torch.long), ValueError, "idx is empty (shape (1, 0))"),
    (lambda: torch.zeros(1, 17, dtype=torch.long), ValueError, "sequence of 17 tokens is longer than block_size 16"),
    (lambda: torch.tensor([[1, 64]]), ValueError, "token ids must lie in [0, 63] (vocab_size 64), got ids from 1 to 64"),
    (lambda: torch.tensor([[-1, 2]]), ValueError, "token ids must lie in [0, 63] (vocab_size 64), got ids from -1 to 2"),
]


@pytest.mark.parametrize("make, error, message", BAD_INPUTS)
def test_bad_input_raises_clear_error(tiny_config, make, error, message):
    with pytest.raises(error, match=re.escape(message)):
        build(tiny_config)(make())


def test_input_past_the_block_after_a_cache_raises_clear_error(tiny_config):
    model = build(tiny_config)
    cache = KVCache(tiny_config, batch_size=1)
    with torch.no_grad():
        model(torch.zeros(1, 10, dtype=torch.long), kv_cache=cache)
        with pytest.raises(GlassGPTError, match=re.escape("sequence of 17 tokens is longer than block_size 16")):
            model(torch.zeros(1, 7, dtype=torch.long), kv_cache=cache)
    assert cache.length == 10  # refused before anything was stored


def test_bad_targets_raise_clear_error(tiny_config):
    model = build(tiny_config)
    idx = torch.zeros(2, 4, dtype=torch.long)
    with pytest.raises(GlassGPTError, match=re.escape("targets must have the same shape as idx (2, 4), got (2, 3)")):
        model(idx, torch.zeros(2, 3, dtype=torch.long))
    for bad in (64, -2):
        with pytest.raises(GlassGPTError, match=re.escape("targets must lie in [0, 63], or be -1 or -100 to leave")):
            model(idx, torch.full((2, 4), bad))
    with pytest.raises(GlassGPTError) as error:
        model(idx, torch.full((2, 4), -100))
    assert error.value.key == "targets_all_ignored" and "(2, 4)" in str(error.value)
    for bad in (torch.zeros(2, 4), [[0] * 4] * 2):
        with pytest.raises(TypeError, match="^" + re.escape("targets must be a tensor of int64 token ids (-1 or -100")):
            model(idx, bad)


def test_config_must_be_a_gptconfig():
    with pytest.raises(TypeError, match=r"^GPT needs a GPTConfig, got dict; build one with GPTConfig\(\.\.\.\)$"):
        GPT({"n_layer": 2})
