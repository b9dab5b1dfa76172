"""accounting.py and `glassgpt params` against oracles: the real model built on the meta device, the published
GPT-2 totals, torch's FlopCounterMode, a real AdamW step, Hugging Face GPT-2's KV cache and parameter count."""

import io
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
from transformers import GPT2Config, GPT2LMHeadModel

from conftest import random_hf_gpt2
from glassgpt import GPT, PRESETS, GlassGPTError, GPTConfig, accounting
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


def evaluate(formula: str, **symbols: int) -> int:
    """A formula as the accounts print it ("L*(12d^2 + 13d)", "2*L*d*T_max*4"), evaluated for the given symbols:
    "^" is a power and a number written before a symbol or "(" multiplies it."""
    python = re.sub(r"(\d)(?=[A-Za-z(])", r"\1*", formula.replace("^", "**"))
    return eval(python, {"__builtins__": {}}, symbols)


def symbols_of(config: GPTConfig, **more: int) -> dict:
    return dict(V=config.vocab_size, T_max=config.block_size, L=config.n_layer, d=config.n_embd, **more)


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


@settings(max_examples=30, deadline=None)
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
    left_out = {"embeddings": embeddings,  # ... by name: the embeddings, every vector (biases, LayerNorm gains and
                "biases_and_layer_norms": sum(p.numel() for p in model.parameters() if p.dim() == 1)}  # shifts)
    if not config.tie_weights:
        left_out["lm_head"] = model.lm_head.weight.numel()  # and an untied head
    assert {row.name: row.value for row in counted.estimate_leaves_out} == left_out
    assert counted.estimate_error == pytest.approx(counted.estimate / counted.total - 1)
    assert counted.estimate_error_non_embedding == pytest.approx(counted.estimate / counted.non_embedding - 1)


def test_a_tied_head_adds_nothing_and_an_untied_one_adds_v_times_d():
    tied = GPTConfig.from_preset("gpt2")
    untied = tied.replace(tie_weights=False)
    assert {row.name: row.value for row in count_parameters(tied).rows}["lm_head"] == 0
    model = meta_model(tied)
    assert model.lm_head.weight is model.tok_emb.weight  # why it adds 0: the same tensor
    assert count_parameters(untied).total - count_parameters(tied).total == tied.vocab_size * tied.n_embd
    assert sum(p.numel() for p in meta_model(untied).parameters()) == count_parameters(untied).total


@settings(max_examples=30, deadline=None)
@given(configs())
def test_every_printed_parameter_formula_evaluates_to_its_value(config):
    counted = count_parameters(config)
    symbols = symbols_of(config)
    for row in counted.rows + counted.block_rows + counted.estimate_leaves_out:
        assert evaluate(row.formula, **symbols) == row.value, row
    assert evaluate(counted.block_formula, **symbols) == counted.block
    assert evaluate(counted.total_formula, **symbols) == counted.total
    assert counted.block_formula == ("12d^2 + 13d" if config.bias else "12d^2 + 2d")


def test_wrong_types_and_lengths_are_refused():
    """The sentence names the problem and the fix."""
    for account in (count_parameters, count_flops, memory_footprint):
        with pytest.raises(TypeError, match=r"expected a GPTConfig, got dict; build one with GPTConfig\(\.\.\.\)"):
            account({"n_layer": 12})
    for seq_len, name in ((4.0, "float"), (True, "bool")):
        with pytest.raises(TypeError, match=f"seq_len must be an int, got {name}"):
            count_flops(GPTConfig.from_preset("tiny"), seq_len)
    for seq_len in (0, 17):
        with pytest.raises(GlassGPTError) as caught:
            count_flops(GPTConfig.from_preset("tiny"), seq_len)
        assert caught.value.key == "seq_len_range" and f"{seq_len}" in str(caught.value) and "16" in str(caught.value)


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
@given(configs(flash=False), st.integers(1, 3), st.data())
def test_forward_and_training_flops_equal_flop_counter_mode(config, batch, data):
    T = data.draw(st.integers(1, config.block_size))
    torch.manual_seed(0)
    model = GPT(config)
    idx = torch.randint(0, config.vocab_size, (batch, T), generator=torch.Generator().manual_seed(1))
    flops = count_flops(config, T)
    assert counted_flops(model.eval(), idx, train=False) == flops.forward * batch * T
    assert counted_flops(model.train(), idx, train=True) == flops.training * batch * T


def test_sdpa_attention_is_counted_in_full_or_not_at_all():
    """FlopCounterMode counts the whole T*T for fused attention kernels it knows (never the causal half); on the
    CPU it has no formula for SDPA's kernel in torch 2.13 and counts 0. Either way the rest is exact."""
    config = GPTConfig.from_preset("tiny", flash=True)
    B, T = 2, config.block_size
    flops = count_flops(config, T)
    attention = {row.name: row.value for row in flops.rows}["attention"]
    torch.manual_seed(0)
    idx = torch.randint(0, config.vocab_size, (B, T), generator=torch.Generator().manual_seed(1))
    counted = counted_flops(GPT(config).eval(), idx, train=False)
    assert counted in (flops.forward * B * T, (flops.forward - attention) * B * T)


@settings(max_examples=30, deadline=None)
@given(configs(), st.data())
def test_every_flop_field_is_exact(config, data):
    """Each field against its formula written out here, with N (Kaplan et al.'s non-embedding parameters) read
    off the real model: no tolerance anywhere."""
    T = data.draw(st.integers(1, config.block_size))
    V, L, d = config.vocab_size, config.n_layer, config.n_embd
    model = meta_model(config)
    N = sum(p.numel() for p in model.parameters()) - model.tok_emb.weight.numel() - model.pos_emb.weight.numel()
    flops = count_flops(config, T)
    forward = 2 * (12 * L * d * d) + 2 * 2 * L * T * d + 2 * d * V  # weights, q@k^T and att@v, LM head
    assert flops.seq_len == T
    assert flops.forward == forward and flops.training == 3 * forward
    assert {row.name: row.value for row in flops.rows} == {
        "block_weights": 24 * L * d * d, "attention": 4 * L * T * d, "lm_head": 2 * d * V}
    for row in flops.rows:
        assert evaluate(row.formula, **symbols_of(config, T=T)) == row.value, row
    # the causal half: the mask keeps T(T+1)/2 of the T*T (query, key) pairs; each costs 2d + 2d FLOPs per layer
    kept_pairs = sum(1 for i in range(T) for j in range(T) if j <= i)
    assert flops.attention_causal * T == L * 4 * d * kept_pairs
    assert flops.kaplan_forward == 2 * N + 2 * L * T * d  # Kaplan et al. 2020, table 1
    assert flops.six_n == 6 * N  # ... and section 2.1
    assert flops.kaplan_forward_error == flops.kaplan_forward / forward - 1
    assert flops.six_n_error == 6 * N / (3 * forward) - 1
    assert count_flops(config) == count_flops(config, config.block_size)  # the default: the full context


def test_kaplan_and_6n_are_close_where_the_paper_says_they_hold():
    """Kaplan et al. 2020: the context term is small when d_model > n_ctx / 12; with a tied head and a small
    vocabulary the LM head is small too. There both approximations land within 2% of FlopCounterMode's count
    (their exact values are checked above; this is the claim the `params` mode teaches)."""
    config = GPTConfig(vocab_size=32, block_size=16, n_layer=2, n_head=4, n_embd=256, flash=False)
    B, T = 1, 16
    idx = torch.randint(0, config.vocab_size, (B, T), generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    model = GPT(config)
    flops = count_flops(config, T)
    assert flops.kaplan_forward == pytest.approx(counted_flops(model.eval(), idx, train=False) / (B * T), rel=0.02)
    assert flops.six_n == pytest.approx(counted_flops(model.train(), idx, train=True) / (B * T), rel=0.02)


@pytest.mark.parametrize("preset", ["gpt2", "gpt2-xl"])
def test_gpt2_flops_at_full_context_equal_flop_counter_mode_on_the_meta_device(preset):
    """The full-size models at T = 1024, counted without computing anything: FlopCounterMode needs only shapes."""
    config = GPTConfig.from_preset(preset, flash=False)
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
    torch.manual_seed(0)
    model = GPT(config)
    optimizer = torch.optim.AdamW(model.parameters())
    idx = torch.randint(0, config.vocab_size, (2, 8), generator=torch.Generator().manual_seed(1))
    model(idx, targets=idx)[1].backward()
    optimizer.step()
    state = [t for s in optimizer.state.values() for name, t in s.items() if name != "step"]  # skip the counters
    tensors = [*model.parameters(), *(p.grad for p in model.parameters()), *state]
    memory = {row.name: row.value for row in memory_footprint(config).rows}
    assert memory["training_fp32"] == sum(t.numel() * t.element_size() for t in tensors)


@pytest.mark.parametrize("dtype, suffix", [(torch.float32, "fp32"), (torch.bfloat16, "bf16")])
def test_kv_cache_bytes_equal_hugging_face_gpt2s_cache(dtype, suffix):
    """Per token and for a full context, in both dtypes: the bytes of transformers' own cache after a forward."""
    torch.manual_seed(0)
    hf = GPT2LMHeadModel(GPT2Config(vocab_size=50, n_positions=24, n_layer=3, n_head=2, n_embd=8,
                                    bos_token_id=0, eos_token_id=0)).to(dtype).eval()
    config = GPTConfig(vocab_size=50, block_size=24, n_layer=3, n_head=2, n_embd=8)
    memory = {row.name: row.value for row in memory_footprint(config).rows}
    for T in (7, config.block_size):
        with torch.no_grad():
            output = hf(torch.randint(0, 50, (1, T), generator=torch.Generator().manual_seed(T)), use_cache=True)
        cache = output["past_key_values"]
        cached = sum(t.numel() * t.element_size() for layer in cache.layers for t in (layer.keys, layer.values))
        assert memory[f"kv_cache_per_token_{suffix}"] * T == cached
    assert memory[f"kv_cache_full_context_{suffix}"] == cached  # the last T was the full context


@settings(max_examples=30, deadline=None)
@given(configs())
def test_every_memory_row_is_exact_and_its_formula_evaluates_to_it(config):
    P = sum(p.numel() for p in meta_model(config).parameters())
    L, d, T_max = config.n_layer, config.n_embd, config.block_size
    rows = memory_footprint(config).rows
    assert {row.name: row.value for row in rows} == {
        "weights_fp32": 4 * P, "weights_bf16": 2 * P, "training_fp32": (4 + 4 + 8) * P,
        "kv_cache_per_token_fp32": 2 * L * d * 4, "kv_cache_per_token_bf16": 2 * L * d * 2,
        "kv_cache_full_context_fp32": 2 * L * d * T_max * 4, "kv_cache_full_context_bf16": 2 * L * d * T_max * 2,
    }
    for row in rows:
        assert evaluate(row.formula, **symbols_of(config, P=P)) == row.value, row


# --- the memory check: will the weights fit? ---------------------------------------------------------------------

@pytest.mark.parametrize("n, text", [(0, "0 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (1536, "1.5 KiB"),
                                     (2**20, "1.0 MiB"), (int(2.5 * 2**30), "2.5 GiB"), (5 * 2**40, "5.0 TiB"),
                                     (2**50, "1.0 PiB"), (3 * 2**60, "3072.0 PiB")])
def test_format_bytes_uses_binary_units(n, text):
    assert accounting.format_bytes(n) == text


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float64])
@pytest.mark.parametrize("tie_weights", [True, False])
def test_weight_bytes_equal_the_meta_model_in_that_dtype(dtype, tie_weights):
    config = GPTConfig.from_preset("char", tie_weights=tie_weights)
    model = meta_model(config).to(dtype)
    assert accounting.weight_bytes(config, dtype) == sum(p.numel() * p.element_size() for p in model.parameters())


def test_check_fits_names_the_model_its_size_and_the_device(monkeypatch):
    asked = []

    def available(device="cpu"):
        asked.append(str(device))
        return 1000  # a machine with 1000 bytes

    monkeypatch.setattr(accounting, "available_memory", available)
    config = GPTConfig.from_preset("tiny")
    with pytest.raises(GlassGPTError) as error:
        accounting.check_fits(config, torch.bfloat16, "meta")
    text = str(error.value)
    assert error.value.key == "not_enough_memory" and asked == ["meta"]
    assert "GPT vocab_size=64 block_size=16 n_layer=2 n_embd=16, bfloat16 weights" in text
    assert accounting.format_bytes(count_parameters(config).total * 2) in text and "1000 B" in text and "meta" in text
    with pytest.raises(GlassGPTError) as error:
        accounting.check_fits(config)  # float32 on the CPU by default
    assert "n_embd=16, float32 weights" in str(error.value) and asked[-1] == "cpu"
    monkeypatch.setattr(accounting, "available_memory", lambda device="cpu": None)  # unknown: nothing is refused
    accounting.check_fits(GPTConfig.from_preset("gpt2-xl"))


def test_require_memory_refuses_only_what_does_not_fit(monkeypatch):
    monkeypatch.setattr(accounting, "available_memory", lambda device="cpu": 1000)
    accounting.require_memory(1000, "exactly what is there")
    with pytest.raises(GlassGPTError) as error:
        accounting.require_memory(1001, "one byte more", "cpu")
    assert "one byte more" in str(error.value) and "1001 B" in str(error.value)


@pytest.mark.parametrize("meminfo, cgroup, expected", [(None, None, None), (5, None, 5), (None, 7, 7), (5, 7, 5),
                                                       (9, 7, 7)])
def test_available_cpu_memory_is_the_smaller_of_the_kernels_and_the_cgroups(monkeypatch, meminfo, cgroup, expected):
    monkeypatch.setattr(accounting, "_meminfo_available", lambda: meminfo)
    monkeypatch.setattr(accounting, "_cgroup_room", lambda: cgroup)
    assert accounting.available_memory() == accounting.available_memory("cpu") == expected
    assert accounting.available_memory("meta") is None  # nothing reliable to say about other devices
    if not torch.cuda.is_available():
        assert accounting.available_memory("cuda") is None


def fake_files(monkeypatch, files: dict):
    """accounting's `open` reads these texts (path -> content); any other path does not exist."""
    def fake_open(path, mode="r", encoding=None):
        if str(path) not in files:
            raise FileNotFoundError(path)
        return io.TextIOWrapper(io.BytesIO(files[str(path)].encode("ascii")), encoding=encoding)  # as open() decodes

    monkeypatch.setattr(accounting, "open", fake_open, raising=False)  # found before the builtin


def test_meminfo_is_read_in_kib(monkeypatch):
    fake_files(monkeypatch, {"/proc/meminfo": "MemTotal:  900 kB\nMemFree:  10 kB\nMemAvailable:  300 kB\n"})
    assert accounting._meminfo_available() == 300 * 1024
    fake_files(monkeypatch, {})
    monkeypatch.setitem(sys.modules, "psutil", None)  # no /proc and no psutil: unknown
    assert accounting._meminfo_available() is None


@pytest.mark.parametrize("limit, current, expected", [("max\n", "5", None), ("1000\n", "300\n", 700),
                                                      ("1000", "1200", 0)])
@pytest.mark.parametrize("cgroup", ["/box", "/box:a:b"])  # a colon may appear in a cgroup's name
def test_cgroup_room_is_its_limit_minus_its_use(monkeypatch, limit, current, expected, cgroup):
    folder = f"/sys/fs/cgroup{cgroup}"
    fake_files(monkeypatch, {"/proc/self/cgroup": f"0::{cgroup}\n", f"{folder}/memory.max": limit,
                             f"{folder}/memory.current": current})
    assert accounting._cgroup_room() == expected


def test_available_cuda_memory_is_the_free_bytes_of_that_device(monkeypatch):
    """Without a GPU here, torch.cuda stands in: the free bytes of the device asked about, none when no CUDA."""
    asked = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device: asked.append(device) or (123, 456))
    assert accounting.available_memory("cuda:1") == 123 and asked == [torch.device("cuda:1")]
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert accounting.available_memory("cuda") is None and len(asked) == 1


def test_no_cgroup_v2_means_no_cgroup_limit(monkeypatch):
    fake_files(monkeypatch, {"/proc/self/cgroup": "1:memory:/box\n"})  # cgroup v1 only
    assert accounting._cgroup_room() is None
    fake_files(monkeypatch, {})
    assert accounting._cgroup_room() is None


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
    assert list(report) == ["presets", "not_finite"] and report["not_finite"] == []
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
