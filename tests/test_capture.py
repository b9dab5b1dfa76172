"""inspection.run_with_cache, capture and attention_weights: exactly the tensors of the written-out forward pass,
only those asked for, and nothing run after `until`.

The oracle is the model itself: every attention module switched to its written-out path by hand (not through
inspection.written_out) and our own forward hooks on every module, in a separate pass."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from glassgpt import GPT, GPTConfig
from glassgpt.errors import GlassGPTError
from glassgpt.generation import KVCache
from glassgpt.inspection import attention_taps, attention_weights, capture, run_with_cache

CONFIG = GPTConfig(vocab_size=29, block_size=12, n_layer=3, n_head=4, n_embd=32, bias=True, dropout=0.0)


def model_and_input(seed=0, B=2, T=9, config=CONFIG):
    torch.manual_seed(seed)
    model = GPT(config).eval()
    idx = torch.randint(0, config.vocab_size, (B, T), generator=torch.Generator().manual_seed(seed))
    return model, idx


def written_out_pass(model, idx):
    """(logits, name -> (first input, output)) of one pass with every attention module written out by hand."""
    seen, handles, flash = {}, [], {}
    for name, module in model.named_modules():
        if hasattr(module, "flash"):
            flash[module] = module.flash
            module.flash = False

        def hook(module, args, output, name=name):
            seen.setdefault(name, (args[0], output[0] if isinstance(output, tuple) else output))
        handles.append(module.register_forward_hook(hook))
    try:
        with torch.no_grad():
            logits, _ = model(idx)
    finally:
        for handle in handles:
            handle.remove()
        for module, choice in flash.items():
            module.flash = choice
    return logits, seen


def all_names(model):
    return [name for name, _ in model.named_modules()]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), data=st.data())
def test_run_with_cache_keeps_exactly_the_chosen_tensors_of_the_written_out_pass(seed, data):
    model, idx = model_and_input(seed, B=data.draw(st.integers(1, 3)), T=data.draw(st.integers(1, 12)))
    expected_logits, seen = written_out_pass(model, idx)
    names = data.draw(st.lists(st.sampled_from(all_names(model)), min_size=1, max_size=8, unique=True))
    logits, cache = run_with_cache(model, idx, names)
    assert torch.equal(logits, expected_logits)
    assert set(cache) == set(names)
    for name in names:
        assert torch.equal(cache[name], seen[name][1]), name


@pytest.mark.parametrize("names_filter, expected", [
    ("blocks.1.attn.hook_pattern", ["blocks.1.attn.hook_pattern"]),
    (["blocks.0.ln_1", "lm_head"], ["blocks.0.ln_1", "lm_head"]),
    (lambda name: name.endswith("hook_pattern"), [f"blocks.{i}.attn.hook_pattern" for i in range(3)]),
    (None, None),  # every module and hook point that runs (the ModuleList `blocks` itself never does)
    ([], []),
])
def test_names_filter_follows_transformer_lens_convention(names_filter, expected):
    model, idx = model_and_input(1)
    _, seen = written_out_pass(model, idx)
    _, cache = run_with_cache(model, idx, names_filter)
    expected = list(seen) if expected is None else expected
    assert sorted(cache) == sorted(expected)
    assert all(torch.equal(cache[name], seen[name][1]) for name in cache)


def test_the_kept_tensor_is_the_models_own_not_a_copy():
    model, idx = model_and_input(2)
    made = {}
    names = ["blocks.1.attn.hook_pattern", "blocks.2.mlp.c_fc", "blocks.0"]
    handles = [model.get_submodule(name).register_forward_hook(
        lambda m, a, out, name=name: made.setdefault(name, out)) for name in names]
    _, cache = run_with_cache(model, idx, names)
    for handle in handles:
        handle.remove()
    assert all(cache[name] is made[name] for name in names)


def test_no_input_is_kept_unless_asked_and_asked_inputs_are_the_models():
    model, idx = model_and_input(3)
    _, seen = written_out_pass(model, idx)
    assert capture(model, idx, ["blocks.0.attn"]).inputs == {}
    asked = ["blocks.2.attn.c_proj", "blocks.0.mlp", ""]
    kept = capture(model, idx, [], inputs=asked)
    assert kept.outputs == {} and sorted(kept.inputs) == sorted(asked)
    assert all(torch.equal(kept.inputs[name], seen[name][0]) for name in asked)
    everything = capture(model, idx, inputs=lambda name: True)
    assert list(everything.inputs)[:2] == ["", "tok_emb"]  # the order the pass enters modules: parents first


@pytest.mark.parametrize("until", ["blocks.0.attn.hook_v", "blocks.1.attn", "blocks.1", "blocks.2.mlp.gelu", "ln_f"])
def test_until_stops_the_pass_right_after_that_module(until):
    model, idx = model_and_input(4)
    _, seen = written_out_pass(model, idx)
    order = list(seen)  # modules in the order they returned
    ran = []
    handles = [module.register_forward_hook(lambda m, a, out, name=name: ran.append(name))
               for name, module in model.named_modules()]
    kept = capture(model, idx, until=until)
    for handle in handles:
        handle.remove()
    finished = order[:order.index(until) + 1]
    assert ran == finished  # nothing returned after `until`, not even the modules that contain it
    assert kept.logits is None and kept.loss is None
    assert list(kept.outputs) == finished
    assert all(torch.equal(kept.outputs[name], seen[name][1]) for name in finished)


def test_attention_weights_are_the_hook_pattern_of_each_layer_asked_for():
    model, idx = model_and_input(5)
    _, seen = written_out_pass(model, idx)
    patterns = [seen[f"blocks.{layer}.attn.hook_pattern"][1] for layer in range(3)]
    assert torch.equal(attention_weights(model, idx), torch.stack(patterns))
    assert torch.equal(attention_weights(model, idx, [2, 0]), torch.stack([patterns[2], patterns[0]]))
    one = attention_weights(model, idx, 1)
    assert torch.equal(one, patterns[1][None])
    assert one.untyped_storage().nbytes() == one.numel() * one.element_size()  # one tensor, nothing more


def test_attention_weights_run_no_further_than_the_last_layer_asked_for():
    model, idx = model_and_input(6)
    ran = []
    handles = [model.get_submodule(name).register_forward_hook(lambda m, a, out, name=name: ran.append(name))
               for name in ("blocks.1.mlp", "blocks.2", "lm_head")]
    attention_weights(model, idx, [0, 1])
    for handle in handles:
        handle.remove()
    assert ran == []  # layer 1's pattern comes before its MLP


def test_attention_taps_with_a_kv_cache_equal_the_pass_without_one():
    model, idx = model_and_input(7, B=1, T=8)
    _, whole = attention_taps(model, idx, ("pattern", "z"))
    cache = KVCache(CONFIG, batch_size=1, capacity=8)
    attention_taps(model, idx[:, :5], ("pattern",), kv_cache=cache)
    logits, taps = attention_taps(model, idx[:, 5:], ("pattern", "z"), kv_cache=cache)
    assert logits.shape == (1, 3, CONFIG.vocab_size)
    torch.testing.assert_close(taps["pattern"], whole["pattern"][..., 5:, :], atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(taps["z"], whole["z"][..., 5:, :], atol=1e-6, rtol=1e-5)


def test_the_model_is_left_as_it_was_even_after_a_stop():
    model, idx = model_and_input(8)
    model.blocks[1].attn.flash = True
    model.blocks[0].attn.flash = False
    chosen = [block.attn.flash for block in model.blocks]
    capture(model, idx, until="blocks.1.attn.hook_scores")
    attention_weights(model, idx, 0)
    assert [block.attn.flash for block in model.blocks] == chosen
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


@pytest.mark.parametrize("call, key", [
    (lambda m, idx: run_with_cache(m, idx, ["blocks.0.attn.hook_patern"]), "capture_unknown_name"),
    (lambda m, idx: capture(m, idx, inputs="blocks.9"), "capture_unknown_name"),
    (lambda m, idx: capture(m, idx, until="blocks.3"), "capture_unknown_name"),
    (lambda m, idx: capture(m, idx[:1], until="blocks.0", kv_cache=KVCache(CONFIG, 1, 12)), "capture_until_cache"),
    (lambda m, idx: attention_weights(m, idx, 3), "capture_layers"),
    (lambda m, idx: attention_weights(m, idx, []), "capture_layers"),
    (lambda m, idx: attention_weights(m, idx, [True]), "capture_layers"),
])
def test_bad_requests_are_glassgpt_errors(call, key):
    model, idx = model_and_input(9)
    with pytest.raises(GlassGPTError) as error:
        call(model, idx)
    assert error.value.key == key
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
