"""Properties every correct GPT has, checked on random configs and inputs (hypothesis)."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from glassgpt import GPT, GlassGPTError, GPTConfig


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
        attention=draw(st.sampled_from(["sdpa", "manual"])),
    )
    fields.update(fixed)
    return GPTConfig(**fields)


def build(config, seed=0):
    torch.manual_seed(seed)
    return GPT(config).eval()


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
    fast = build(config.replace(attention="sdpa"), seed)
    manual = build(config.replace(attention="manual"), seed)
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


def test_tied_head_is_one_tensor():
    model = build(GPTConfig.from_preset("tiny"))
    assert model.lm_head.weight is model.tok_emb.weight
    idx = torch.randint(0, 64, (2, 8))
    model(idx, idx)[1].backward()
    assert model.tok_emb.weight.grad is model.lm_head.weight.grad
    untied = build(GPTConfig.from_preset("tiny", tie_weights=False))
    assert untied.lm_head.weight is not untied.tok_emb.weight


def test_logits_shape_never_changes_with_targets(tiny_config):
    model = build(tiny_config)
    idx = torch.randint(0, 64, (3, 5))
    logits, loss = model(idx)
    assert logits.shape == (3, 5, 64) and loss is None
    logits, loss = model(idx, idx)
    assert logits.shape == (3, 5, 64) and loss.ndim == 0


def test_ignored_targets_leave_the_loss():
    model = build(GPTConfig.from_preset("tiny"))
    idx = torch.randint(0, 64, (1, 6))
    targets = torch.randint(0, 64, (1, 6))
    ignored = targets.clone()
    ignored[0, 3:] = -1
    logits, loss = model(idx, ignored)
    expected = torch.nn.functional.cross_entropy(logits[0, :3], targets[0, :3])
    torch.testing.assert_close(loss, expected)


def test_init_is_gpt2s():
    torch.manual_seed(0)
    config = GPTConfig(n_layer=8, n_embd=256, n_head=4, vocab_size=5000, block_size=256)
    model = GPT(config)
    block = model.blocks[0]
    assert abs(block.attn.c_attn.weight.std().item() - 0.02) < 1e-3
    assert abs(block.mlp.c_proj.weight.std().item() - 0.02 / (2 * 8) ** 0.5) < 3e-4
    assert abs(model.tok_emb.weight.std().item() - 0.02) < 1e-3
    assert not block.attn.c_attn.bias.any() and torch.equal(block.ln_1.weight, torch.ones(256))


BAD_INPUTS = [
    (lambda: [[1, 2]], TypeError, "torch.Tensor"),
    (lambda: torch.zeros(1, 3), TypeError, "integer"),
    (lambda: torch.zeros(3, dtype=torch.long), ValueError, "2-D"),
    (lambda: torch.zeros(1, 0, dtype=torch.long), ValueError, "empty"),
    (lambda: torch.zeros(1, 17, dtype=torch.long), ValueError, "block_size 16"),
    (lambda: torch.tensor([[1, 64]]), ValueError, r"\[0, 63\]"),
    (lambda: torch.tensor([[-1, 2]]), ValueError, r"\[0, 63\]"),
]


@pytest.mark.parametrize("make, error, message", BAD_INPUTS)
def test_bad_input_raises_clear_error(tiny_config, make, error, message):
    with pytest.raises(error, match=message):
        build(tiny_config)(make())


def test_bad_targets_raise_clear_error(tiny_config):
    model = build(tiny_config)
    idx = torch.zeros(2, 4, dtype=torch.long)
    with pytest.raises(GlassGPTError, match="same shape"):
        model(idx, torch.zeros(2, 3, dtype=torch.long))
    with pytest.raises(GlassGPTError, match="-1 to leave"):
        model(idx, torch.full((2, 4), 64))
    with pytest.raises(TypeError, match="targets"):
        model(idx, torch.zeros(2, 4))


def test_config_must_be_a_gptconfig():
    with pytest.raises(TypeError, match="GPTConfig"):
        GPT({"n_layer": 2})
