"""Faults and hostile input at the command line: out-of-range numbers, sizes that cannot fit, NaN and overflowing
weights, output encodings that cannot show everything, and displays that must not mislead. Each ends in a clear
line (exit 2) or degraded output (exit 0), never a traceback."""

import math
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

from glassgpt import GPT, GPTConfig, accounting
from glassgpt.cli.messages import Messages
from glassgpt.cli.render import MASKED, SHADE_BOUNDARIES, SHADES, shade
from glassgpt.model import causal_mask
from test_cli import CHINESE, ROOT, one_error_line, run, run_in_process


def squash(text: str) -> str:
    """Text without any whitespace: a wrapped sentence compares equal to itself unwrapped, in either language
    (Chinese wraps between characters, with no space to break at)."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """Tiny checkpoints: `finite`, `nan` (one NaN weight), `overflows` (finite weights whose activations exceed
    fp16's 65504: a Linear of ±60000 on LayerNorm'd inputs)."""
    folder = tmp_path_factory.mktemp("checkpoints")
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_preset("tiny"))
    model.save_pretrained(folder / "finite")
    weight = model.blocks[0].mlp.c_fc.weight
    with torch.no_grad():
        weight[3, 5] = float("nan")
    model.save_pretrained(folder / "nan")
    with torch.no_grad():
        weight.copy_(torch.randn(weight.shape, generator=torch.Generator().manual_seed(0)).sign() * 6e4)
    model.save_pretrained(folder / "overflows")
    return {name: str(folder / name) for name in ("finite", "nan", "overflows")}


# --- numbers out of range ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", ["-1", str(2**63), str(2**70), "x", "1.5"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_seed_out_of_range_is_one_clear_line(seed, lang):
    line = one_error_line(run_in_process("components", "--preset", "tiny", "--seed", seed, "--lang", lang))
    assert "--seed" in line and seed in line and str(2**63 - 1) in line


def test_the_largest_seed_is_taken():
    assert run_in_process("components", "--preset", "tiny", "--seed", str(2**63 - 1)).returncode == 0


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_huge_seed_through_the_entry_point(lang):
    line = one_error_line(run("full", "--seed", str(2**70), lang=lang, entry=("-m", "glassgpt")))
    assert str(2**70) in line and bool(CHINESE.search(line)) == (lang == "zh")


# --- memory before allocation -----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_generation_that_cannot_fit_is_refused_before_it_starts(lang):
    result = run("generate", "--preset", "tiny", "--max-new-tokens", str(10**12), lang=lang, entry=("-m", "glassgpt"))
    line = one_error_line(result)
    assert str(10**12) in line and "TiB" in line  # 8 bytes a token id: 7.3 TiB


def test_a_model_that_cannot_fit_is_refused_naming_its_size_and_the_memory():
    line = one_error_line(run("full", "--n-embd", "100000", entry=("-m", "glassgpt")))
    assert "n_embd=100000" in line and "TiB" in line and "available" in line


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_gpt2_xl_with_200_layers_is_refused_on_a_16_gib_machine(lang, monkeypatch):
    monkeypatch.setattr(accounting, "available_memory", lambda device="cpu": 16 * 2**30)
    line = one_error_line(run_in_process("full", "--preset", "gpt2-xl", "--n-layer", "200", "--lang", lang))
    assert "n_layer=200" in line and "16.0 GiB" in line
    assert accounting.format_bytes(4 * accounting.count_parameters(
        GPTConfig.from_preset("gpt2-xl", n_layer=200)).total) in line  # its float32 weights


# --- NaN and infinity -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_nan_checkpoint_is_one_line_naming_the_tensor(checkpoints, lang):
    for mode in ("full", "generate"):
        line = one_error_line(run(mode, "--checkpoint", checkpoints["nan"], lang=lang, entry=("-m", "glassgpt")))
        assert "c_fc" in line and bool(CHINESE.search(line)) == (lang == "zh")


@pytest.mark.parametrize("mode", ["components", "attention"])
def test_every_view_refuses_a_nan_checkpoint(checkpoints, mode):
    assert "c_fc" in one_error_line(run_in_process(mode, "--checkpoint", checkpoints["nan"]))


@pytest.mark.parametrize("mode", ["components", "full", "attention"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_activations_that_overflow_fp16_are_one_line_not_a_traceback(checkpoints, mode, lang):
    assert run_in_process(mode, "--checkpoint", checkpoints["overflows"]).returncode == 0  # fine in fp32
    # block 0's MLP overflows: attention shows one layer and runs no further, so it is asked for layer 1
    shown = ["--layer", "1"] if mode == "attention" else []
    line = one_error_line(run_in_process(mode, "--checkpoint", checkpoints["overflows"], "--dtype", "fp16",
                                         "--lang", lang, *shown))
    assert line.endswith(Messages(lang)("usage.activations_not_finite", dtype="fp16"))


def test_weights_that_overflow_fp16_name_the_tensor(tmp_path):
    model = GPT(GPTConfig.from_preset("tiny"))
    with torch.no_grad():
        model.ln_f.weight[0] = 1e6  # finite in fp32, inf in fp16
    model.save_pretrained(tmp_path)
    line = one_error_line(run_in_process("full", "--checkpoint", str(tmp_path), "--dtype", "fp16"))
    assert "ln_f.weight" in line and "fp16" in line


def test_greedy_generation_refuses_nan_logits_instead_of_printing_token_0(checkpoints):
    result = run("generate", "--checkpoint", checkpoints["overflows"], "--dtype", "fp16", "--temperature", "0",
                 entry=("-m", "glassgpt"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "NaN" in result.stderr
    new_tokens = result.stdout.splitlines()[-1]
    assert re.fullmatch(r"new tokens:\s*", new_tokens), result.stdout  # not a single token was printed


# --- any output encoding ----------------------------------------------------------------------------------------

def run_bytes(*args, encoding, entry=("-m", "glassgpt")):
    """Run with PYTHONIOENCODING=encoding -> (exit status, stdout, stderr), the bytes decoded strictly with
    `encoding`: a character the stream could not take would have crashed the run or fail the decoding here."""
    env = {"PYTHONIOENCODING": encoding, "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, *entry, *args], cwd=ROOT, capture_output=True, env=env, timeout=300)
    return result.returncode, result.stdout.decode(encoding), result.stderr.decode(encoding)


@pytest.mark.parametrize("encoding", ["gbk", "ascii", "latin-1", "utf-8"])
def test_all_modes_in_chinese_survive_any_output_encoding(encoding):
    """What a Chinese Windows console (GBK) or a `LANG=C` pipe does to `python model.py --mode all --lang zh`."""
    status, out, err = run_bytes("--mode", "all", "--lang", "zh", "--preset", "tiny", encoding=encoding,
                                 entry=("model.py",))
    assert status == 0 and err == "", err
    assert bool(CHINESE.search(out)) == (encoding in ("gbk", "utf-8"))  # GBK keeps the Chinese
    # the shades are all Unicode or all their ASCII stand-ins, in the heatmap and in its legend alike
    legend = next(line for line in out.splitlines() if "0.29" in line)
    heatmap = out.split("0.71", 1)[1]
    if encoding == "utf-8":
        assert set(SHADES) <= set(legend) and set(SHADES) & set(heatmap)
    else:
        assert not set(SHADES) & set(out) and {"[..]", "[::]", "[**]", "[##]"} <= set(legend.split())
        assert set(".:*#") & set(heatmap)


def test_an_error_and_the_help_in_chinese_on_an_ascii_stream():
    status, out, err = run_bytes("--lang", "zh", "full", "--seed", "-1", encoding="ascii")
    assert status == 2 and out == "" and len(err.strip().splitlines()) == 1 and "--seed" in err
    status, out, err = run_bytes("--lang", "zh", "attention", "--help", encoding="ascii")
    assert status == 0 and "--layer" in out


# --- honest displays ---------------------------------------------------------------------------------------------

def test_a_row_spread_evenly_keeps_one_shade_whatever_its_noise():
    """The shade boundaries sit between 1/n and 1/(n+1), never on them: weights 1/n +- 2% look alike."""
    for n in range(1, 65):
        assert shade(1 / n * 0.98, False) == shade(min(1 / n * 1.02, 1.0), False), n
    assert all(not any(math.isclose(b, 1 / n, rel_tol=0.05) for n in range(1, 5)) for b in SHADE_BOUNDARIES)
    assert shade(0.0, masked=True) != shade(0.0, masked=False)  # masked is not "a weight of 0"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_heatmap_legend_says_what_each_shade_means(lang):
    text = squash(run_in_process("attention", "--preset", "tiny", "--lang", lang).stdout)
    for cell in [*(f"[{c * 2}]" for c in SHADES), f"[{MASKED * 2}]"]:
        assert cell in text
    assert all(str(b) in text for b in SHADE_BOUNDARIES)


def test_the_png_marks_masked_cells_alike_in_every_panel_and_unlike_any_weight():
    from matplotlib import colormaps

    from glassgpt.cli.attention import attention_figure
    from glassgpt.inspection import attention_weights

    torch.manual_seed(0)
    model = GPT(GPTConfig.from_preset("tiny")).eval()
    weights = attention_weights(model, torch.randint(0, 64, (1, 5)))[:, 0]  # (n_layer, nh, T, T)
    mask_panel, *weight_panels = [axes.get_images()[0] for axes in attention_figure(
        weights, [0, 1], [0, 1], Messages("en")).axes if axes.get_images()]
    masked = ~causal_mask(5, 5).numpy()
    bad = mask_panel.cmap.get_bad()
    for image in (mask_panel, *weight_panels):
        assert (np.ma.getmaskarray(image.get_array()) == masked).all()  # masked cells are drawn as "bad"
        assert tuple(image.cmap.get_bad()) == tuple(bad)  # in the same colour everywhere
    viridis = colormaps["viridis"](np.linspace(0, 1, 256))[:, :3]
    assert np.abs(viridis - np.array(bad[:3])).sum(axis=1).min() > 0.2  # no weight, 0 included, looks masked
    assert tuple(mask_panel.cmap(1.0)) != tuple(bad)  # "may look" differs from "masked" in the mask panel


def test_full_calls_probabilities_nearly_the_same_only_when_they_are():
    for preset in ("tiny", "small", "char"):
        text = squash(run_in_process("full", "--preset", preset, "--lang", "en").stdout)
        p_min, p_max = map(float, re.search(r"from([\d.e+-]+?)to([\d.e+-]+?),", text).groups())
        assert ("nearlythesame" in text) == (p_max / p_min <= 2), (preset, p_min, p_max)
    # small's probabilities differ about twelvefold: it says so
    assert "timesthesmallest" in squash(run_in_process("full", "--lang", "en").stdout)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_generate_announces_a_cropped_prompt_and_an_untrained_model(lang, checkpoints):
    prompt = ",".join(["1"] * 20)  # tiny's block_size is 16
    t = Messages(lang)
    result = run_in_process("generate", "--preset", "tiny", "--prompt", prompt, "--max-new-tokens", "2",
                            "--lang", lang)
    text = squash(result.stdout)
    assert result.returncode == 0
    assert squash(t("generate.cropped", n=20, block_size=16)) in text
    assert squash(t("generate.untrained", seed=1337)) in text
    loaded = run_in_process("generate", "--checkpoint", checkpoints["finite"], "--max-new-tokens", "2", "--lang", lang)
    assert loaded.returncode == 0 and t("generate.untrained", seed=1337)[:12] not in loaded.stdout
