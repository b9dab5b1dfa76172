"""accounting.py and `glassgpt params` against oracles: the real model built on the meta device, the published
GPT-2 totals, torch's FlopCounterMode, a real AdamW step, Hugging Face GPT-2's KV cache and parameter count."""

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

from conftest import random_hf_gpt2
from glassgpt import GPT, PRESETS, GlassGPTError, GPTConfig
from glassgpt.accounting import count_flops, count_parameters, memory_footprint

ROOT = Path(__file__).resolve().parents[1]
# Radford et al. 2019's four GPT-2 sizes, as the released checkpoints count them (tied LM head counted once)
PUBLISHED = {"gpt2": 124_439_808, "gpt2-medium": 354_823_168, "gpt2-large": 774_030_080, "gpt2-xl": 1_557_611_200}


def meta_model(config: GPTConfig) -> GPT:
    """The real model, with shapes but no storage: GPT-2 XL costs nothing."""
    with torch.device("meta"):
        return GPT(config)


def parameters_under(module: torch.nn.Module, prefix: str) -> int:
    """Parameters whose name is `prefix` or starts with `prefix.`, each tensor once (tied ones too)."""
    return sum(p.numel() for name, p in module.named_parameters() if name == prefix or name.startswith(prefix + "."))


@st.composite
def configs(draw, max_width=8, **fixed):
    """Small random configs: bias on/off, tied/untied, down to 1 head and 1 layer."""
    n_head = draw(st.integers(1, 4))
    fields = dict(
        vocab_size=draw(st.integers(1, 300)), block_size=draw(st.integers(1, 40)), n_layer=draw(st.integers(1, 3)),
        n_head=n_head, n_embd=n_head * draw(st.integers(1, max_width)), bias=draw(st.booleans()),
        tie_weights=draw(st.booleans()),
    )
    return GPTConfig(**{**fields, **fixed})


# --- parameters --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("preset, published", PUBLISHED.items())
def test_gpt2_presets_give_the_published_totals(preset, published):
    config = GPTConfig.from_preset(preset)
    assert count_parameters(config).total == published
    assert sum(p.numel() for p in meta_model(config).parameters()) == published


@settings(max_examples=60, deadline=None)
@given(configs())
def test_every_row_equals_the_meta_built_model(config):
    model = meta_model(config)
    counted = count_parameters(config)
    assert counted.total == sum(p.numel() for p in model.parameters())  # unique: a tied head once
    for row in counted.rows:
        if row.name == "blocks":
            assert row.value == sum(p.numel() for p in model.blocks.parameters())
        else:
            assert row.value == parameters_under(model, row.name), row
    for row in counted.block_rows:  # every block alike; check the first and the last
        first, last = model.blocks[0], model.blocks[-1]
        assert row.value == parameters_under(first, row.name) == parameters_under(last, row.name)
    assert counted.block == sum(p.numel() for p in model.blocks[0].parameters())
    # every parameter of the model sits in exactly one row
    assert sum(row.value for row in counted.block_rows) * config.n_layer + sum(
        row.value for row in counted.rows if row.name != "blocks") == counted.total
    embeddings = model.tok_emb.weight.numel() + model.pos_emb.weight.numel()
    assert counted.non_embedding == counted.total - embeddings
    # the estimate plus what it leaves out is the whole model
    assert counted.estimate == 12 * config.n_layer * config.n_embd ** 2
    assert counted.estimate + sum(row.value for row in counted.estimate_leaves_out) == counted.total
    assert counted.estimate_error == pytest.approx(counted.estimate / counted.total - 1)


def test_a_tied_head_adds_nothing_and_an_untied_one_adds_v_times_d():
    tied = GPTConfig.from_preset("gpt2")
    untied = tied.replace(tie_weights=False)
    assert {row.name: row.value for row in count_parameters(tied).rows}["lm_head"] == 0
    model = meta_model(tied)
    assert model.lm_head.weight is model.tok_emb.weight  # why it adds 0: the same tensor
    assert count_parameters(untied).total - count_parameters(tied).total == tied.vocab_size * tied.n_embd
    assert sum(p.numel() for p in meta_model(untied).parameters()) == count_parameters(untied).total


def test_wrong_types_and_lengths_are_refused():
    with pytest.raises(TypeError):
        count_parameters({"n_layer": 12})
    with pytest.raises(TypeError):
        count_flops(GPTConfig.from_preset("tiny"), 4.0)
    for seq_len in (0, 17):
        with pytest.raises(GlassGPTError) as caught:
            count_flops(GPTConfig.from_preset("tiny"), seq_len)
        assert caught.value.key == "seq_len_range"


# --- FLOPs -------------------------------------------------------------------------------------------------------

def counted_flops(model, idx, train: bool) -> int:
    """FlopCounterMode's total for a forward pass, or for forward + loss.backward()."""
    with FlopCounterMode(display=False) as counter:
        if train:
            model(idx, targets=idx)[1].backward()
        else:
            with torch.no_grad():
                model(idx)
    return counter.get_total_flops()


@settings(max_examples=12, deadline=None)
@given(configs(attention="manual"), st.integers(1, 3), st.data())
def test_forward_and_training_flops_equal_flop_counter_mode(config, batch, data):
    T = data.draw(st.integers(1, config.block_size))
    model = GPT(config)
    idx = torch.randint(0, config.vocab_size, (batch, T))
    flops = count_flops(config, T)
    assert counted_flops(model.eval(), idx, train=False) == flops.forward * batch * T
    assert counted_flops(model.train(), idx, train=True) == flops.training * batch * T


def test_sdpa_attention_is_counted_in_full_or_not_at_all():
    """FlopCounterMode counts the whole T*T for fused attention kernels it knows (never the causal half); on the
    CPU it has no formula for SDPA's kernel in torch 2.13 and counts 0. Either way the rest is exact."""
    config = GPTConfig.from_preset("tiny", attention="sdpa")
    B, T = 2, config.block_size
    flops = count_flops(config, T)
    attention = {row.name: row.value for row in flops.rows}["attention"]
    counted = counted_flops(GPT(config).eval(), torch.randint(0, config.vocab_size, (B, T)), train=False)
    assert counted in (flops.forward * B * T, (flops.forward - attention) * B * T)


def test_kaplan_and_6n_are_close_where_the_paper_says_they_hold():
    """Kaplan et al. 2020: the context term is small when d_model > n_ctx / 12; with a tied head and a small
    vocabulary the LM head is small too. There both approximations should land within 2% of the real count."""
    config = GPTConfig(vocab_size=32, block_size=16, n_layer=2, n_head=4, n_embd=256, attention="manual")
    B, T = 1, 16
    idx = torch.randint(0, config.vocab_size, (B, T))
    model = GPT(config)
    flops = count_flops(config, T)
    assert flops.kaplan_forward == pytest.approx(counted_flops(model.eval(), idx, train=False) / (B * T), rel=0.02)
    assert flops.six_n == pytest.approx(counted_flops(model.train(), idx, train=True) / (B * T), rel=0.02)


@pytest.mark.parametrize("preset", ["gpt2", "gpt2-xl"])
def test_gpt2_flops_at_full_context_equal_flop_counter_mode_on_the_meta_device(preset):
    """The full-size models at T = 1024, counted without computing anything: FlopCounterMode needs only shapes."""
    config = GPTConfig.from_preset(preset, attention="manual")
    model = meta_model(config)
    model.check_input = lambda *args, **kwargs: None  # it reads token values, and meta tensors have none
    idx = torch.zeros(1, config.block_size, dtype=torch.long, device="meta")
    flops = count_flops(config)
    with FlopCounterMode(display=False) as forward:
        _, loss = model(idx, targets=idx)
    with FlopCounterMode(display=False) as backward:
        loss.backward()
    assert forward.get_total_flops() == flops.forward * config.block_size
    assert forward.get_total_flops() + backward.get_total_flops() == flops.training * config.block_size


# --- memory ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("preset", ["gpt2-xl", "char"])
def test_weight_bytes_equal_the_meta_model_in_fp32_and_bf16(preset):
    config = GPTConfig.from_preset(preset)
    memory = {row.name: row.value for row in memory_footprint(config).rows}
    model = meta_model(config)
    assert memory["weights_fp32"] == sum(p.numel() * p.element_size() for p in model.parameters())
    model = model.to(torch.bfloat16)
    assert memory["weights_bf16"] == sum(p.numel() * p.element_size() for p in model.parameters())


@pytest.mark.parametrize("tie_weights", [True, False])
def test_training_state_equals_a_real_adamw_step(tie_weights):
    config = GPTConfig.from_preset("tiny", tie_weights=tie_weights)
    model = GPT(config)
    optimizer = torch.optim.AdamW(model.parameters())
    idx = torch.randint(0, config.vocab_size, (2, 8))
    model(idx, targets=idx)[1].backward()
    optimizer.step()
    state = [t for s in optimizer.state.values() for name, t in s.items() if name != "step"]  # skip the counters
    tensors = [*model.parameters(), *(p.grad for p in model.parameters()), *state]
    memory = {row.name: row.value for row in memory_footprint(config).rows}
    assert memory["training_fp32"] == sum(t.numel() * t.element_size() for t in tensors)


def test_kv_cache_bytes_equal_hugging_face_gpt2s_cache():
    from transformers import GPT2Config, GPT2LMHeadModel

    hf = GPT2LMHeadModel(GPT2Config(vocab_size=50, n_positions=24, n_layer=3, n_head=2, n_embd=8,
                                    bos_token_id=0, eos_token_id=0)).eval()
    T = 7
    with torch.no_grad():
        output = hf(torch.randint(0, 50, (1, T)), use_cache=True)
    cache = output["cache"] if "cache" in output else output["past_key_values"]
    cached = sum(t.numel() * t.element_size() for layer in cache.layers for t in (layer.keys, layer.values))
    config = GPTConfig(vocab_size=50, block_size=24, n_layer=3, n_head=2, n_embd=8)
    memory = {row.name: row.value for row in memory_footprint(config).rows}
    assert memory["kv_cache_per_token_fp32"] * T == cached
    assert memory["kv_cache_full_context_fp32"] == memory["kv_cache_per_token_fp32"] * config.block_size
    assert memory["kv_cache_per_token_bf16"] * 2 == memory["kv_cache_per_token_fp32"]


# --- the CLI, through its real entry point -------------------------------------------------------------------------

def run(*args, lang="en"):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env["LANG"] = "zh_CN.UTF-8" if lang == "zh" else "C.UTF-8"
    return subprocess.run([sys.executable, "model.py", "params", *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=120)


def display_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_json_gives_the_published_total_and_every_account():
    result = run("--preset", "gpt2-xl", "--json", "--seq-len", "128")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["total"] == 1_557_611_200 and isinstance(report["total"], int)
    assert report["preset"] == "gpt2-xl"
    assert report["config"] == GPTConfig.from_preset("gpt2-xl").to_dict()
    assert report["flops"]["seq_len"] == 128
    assert sum(row["value"] for row in report["parameters"]["rows"]) == report["total"]


def test_json_of_a_custom_untied_config_without_bias_equals_the_model():
    args = ["--preset", "small", "--no-tie-weights", "--no-bias", "--n-layer", "1", "--n-head", "1"]
    report = json.loads(run(*args, "--json").stdout)
    config = GPTConfig.from_preset("small", tie_weights=False, bias=False, n_layer=1, n_head=1)
    assert report["total"] == sum(p.numel() for p in meta_model(config).parameters())
    assert report["config"]["tie_weights"] is False and report["config"]["bias"] is False


def test_json_of_every_preset():
    report = json.loads(run("--preset", "all", "--json").stdout)
    assert list(report) == ["presets"]
    assert list(report["presets"]) == list(PRESETS)
    for name, published in PUBLISHED.items():
        assert report["presets"][name]["total"] == published


@pytest.mark.parametrize("tie_weights", [True, False])
def test_a_checkpoints_count_equals_hugging_faces(tmp_path, tie_weights):
    hf = random_hf_gpt2(tmp_path, tie_word_embeddings=tie_weights)
    report = json.loads(run("--checkpoint", str(tmp_path), "--json").stdout)
    assert report["preset"] is None
    assert report["total"] == sum(p.numel() for p in hf.parameters())


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("args", [
    ["--preset", "gpt2"],
    ["--preset", "gpt2-xl", "--no-bias", "--no-tie-weights", "--seq-len", "100"],
    ["--preset", "all"],
])
def test_text_teaches_in_both_languages_within_80_columns(args, lang):
    result = run(*args, lang=lang)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert bool(re.search(r"[\u4e00-\u9fff]", result.stdout)) == (lang == "zh")
    assert max(display_width(line) for line in result.stdout.splitlines()) <= 80
    if args[1] == "gpt2":
        for figure in ("124,439,808", "38,597,376", "V*d", "12d^2 + 13d", "85,056,000", "284,812,800"):
            assert figure in result.stdout


@pytest.mark.parametrize("args, needle, lang", [
    (["--seq-len", "0"], "0", "en"),
    (["--preset", "tiny", "--seq-len", "17"], "17", "en"),
    (["--preset", "tiny", "--seq-len", "17"], "17", "zh"),
    (["--preset", "all", "--seq-len", "64"], "tiny", "en"),
    (["--preset", "all", "--seq-len", "64"], "tiny", "zh"),
    (["--seq-len", "x"], "seq-len", "en"),
    (["--checkpoint", "/nonexistent", "--n-layer", "2"], "--n-layer", "en"),
])
def test_bad_options_exit_2_with_one_line(args, needle, lang):
    result = run(*args, lang=lang)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert "Traceback" not in result.stderr
