"""GPTConfig: presets are exact GPT-2, bad values are named with their fix."""

import pytest

from glassgpt import PRESETS, GlassGPTError, GPTConfig


def test_gpt2_presets_match_openai():
    # shapes published with GPT-2 (Radford et al. 2019, table 2; OpenAI's hparams.json)
    published = {"gpt2": (12, 12, 768), "gpt2-medium": (24, 16, 1024), "gpt2-large": (36, 20, 1280),
                 "gpt2-xl": (48, 25, 1600)}
    for name, (n_layer, n_head, n_embd) in published.items():
        c = GPTConfig.from_preset(name)
        assert (c.n_layer, c.n_head, c.n_embd) == (n_layer, n_head, n_embd)
        assert (c.vocab_size, c.block_size, c.bias, c.tie_weights) == (50257, 1024, True, True)
        assert (c.gelu_approximate, c.layer_norm_eps) == ("tanh", 1e-5)


def test_overrides_keep_the_rest_of_the_preset():
    c = GPTConfig.from_preset("gpt2", n_layer=2, bias=False)
    assert (c.n_layer, c.bias, c.n_embd, c.vocab_size) == (2, False, 768, 50257)
    assert PRESETS["gpt2"].n_layer == 12  # the preset itself is untouched


@pytest.mark.parametrize("kwargs, words", [
    (dict(n_layer=0), ["n_layer", "positive"]),
    (dict(vocab_size=-3), ["vocab_size", "positive"]),
    (dict(n_embd=10.0), ["n_embd", "whole number"]),
    (dict(n_head=True), ["n_head", "whole number"]),
    (dict(n_embd=30, n_head=4), ["divisible", "n_head"]),
    (dict(dropout=1.0), ["dropout", "[0, 1)"]),
    (dict(dropout=-0.1), ["dropout"]),
    (dict(bias="yes"), ["bias", "True or False"]),
    (dict(gelu_approximate="relu"), ["gelu_approximate", "tanh"]),
    (dict(attention="flash"), ["attention", "sdpa"]),
    (dict(layer_norm_eps=0), ["layer_norm_eps"]),
])
def test_bad_values_name_the_field_and_the_fix(kwargs, words):
    with pytest.raises(ValueError) as info:
        GPTConfig(**kwargs)
    for word in words:
        assert word in str(info.value)


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(GlassGPTError, match="known presets: gpt2, gpt2-medium") as info:
        GPTConfig.from_preset("gpt5")
    assert info.value.key == "unknown_preset"


def test_unknown_override_is_named():
    with pytest.raises(ValueError, match="no field 'n_layers'"):
        GPTConfig.from_preset("tiny", n_layers=3)
