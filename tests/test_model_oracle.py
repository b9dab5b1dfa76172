"""glassgpt against the oracle: Hugging Face transformers' GPT-2 with every weight random."""

import pytest
import torch

from conftest import random_hf_gpt2
from glassgpt import GPT

CONFIGS = [
    dict(),
    dict(n_layer=1, n_head=1),
    dict(n_positions=1),
    dict(tie_word_embeddings=False),
    dict(n_layer=3, n_head=4, n_embd=32, vocab_size=50),
    dict(activation_function="gelu"),  # exact erf GELU instead of GPT-2's tanh one
]


@pytest.mark.parametrize("hf_kwargs", CONFIGS, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "base")
def test_logits_and_loss_equal_transformers(tmp_path, hf_kwargs):
    hf = random_hf_gpt2(tmp_path, **hf_kwargs)
    model = GPT.from_pretrained(tmp_path)
    assert not model.training
    config = model.config
    assert config.tie_weights == hf_kwargs.get("tie_word_embeddings", True)
    T = min(12, config.block_size)
    generator = torch.Generator().manual_seed(1)
    idx = torch.randint(0, config.vocab_size, (3, T), generator=generator)
    targets = torch.randint(0, config.vocab_size, (3, T), generator=generator)
    targets[0, 0] = -1  # an ignored position
    with torch.no_grad():
        expected = hf(idx).logits
        logits, loss = model(idx, targets)
    torch.testing.assert_close(logits, expected, atol=1e-5, rtol=0)
    expected_loss = torch.nn.functional.cross_entropy(expected.flatten(0, 1), targets.flatten(), ignore_index=-1)
    torch.testing.assert_close(loss, expected_loss, atol=1e-5, rtol=0)


def test_loss_equals_transformers_shifted_labels(tmp_path):
    """transformers shifts `labels` itself; glassgpt takes next-token targets. Same number either way."""
    hf = random_hf_gpt2(tmp_path)
    model = GPT.from_pretrained(tmp_path)
    idx = torch.randint(0, model.config.vocab_size, (2, 10), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        expected = hf(idx, labels=idx).loss
        _, loss = model(idx[:, :-1], targets=idx[:, 1:])
    torch.testing.assert_close(loss, expected, atol=1e-5, rtol=0)


def test_openai_layout_without_prefix_loads(tmp_path):
    """OpenAI's released files name tensors `h.0...` without `transformer.`; both must load the same."""
    from safetensors.torch import load_file, save_file

    hf = random_hf_gpt2(tmp_path)
    state = load_file(tmp_path / "model.safetensors")
    save_file({k.removeprefix("transformer."): v for k, v in state.items()}, tmp_path / "model.safetensors")
    model = GPT.from_pretrained(tmp_path)
    idx = torch.arange(10).unsqueeze(0)
    with torch.no_grad():
        torch.testing.assert_close(model(idx)[0], hf(idx).logits, atol=1e-5, rtol=0)
