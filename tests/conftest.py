"""Shared fixtures: small configs, and random Hugging Face GPT-2 checkpoints to use as an oracle."""

import pytest
import torch

from glassgpt import GPTConfig


def random_hf_gpt2(folder, *, vocab_size=97, n_positions=24, n_layer=2, n_head=2, n_embd=16,
                   tie_word_embeddings=True, activation_function="gelu_new", seed=0):
    """A transformers GPT2LMHeadModel with *every* parameter random (LayerNorm gains and biases too), saved to
    `folder` with its own save_pretrained. Returns the model in eval mode: the oracle nobody here wrote."""
    from transformers import GPT2Config, GPT2LMHeadModel

    hf_config = GPT2Config(
        vocab_size=vocab_size, n_positions=n_positions, n_layer=n_layer, n_head=n_head, n_embd=n_embd,
        tie_word_embeddings=tie_word_embeddings, activation_function=activation_function,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
    )
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(hf_config)
    with torch.no_grad():
        for name, p in model.named_parameters():
            # gains near 1 keep activations in a sensible range; everything else plainly random
            p.copy_(1 + 0.3 * torch.randn_like(p) if name.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight"))
                    else 0.3 * torch.randn_like(p))
    model.save_pretrained(folder)
    return model.eval()


@pytest.fixture
def tiny_config():
    return GPTConfig.from_preset("tiny")
