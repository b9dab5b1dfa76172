"""Seeing inside: inspection.py against hooks of our own and the model's own attention weights, and the
components / full / attention / all modes through the real entry point, in both languages."""

import contextlib
import io
import math
import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from glassgpt import GPT, GPTConfig
from glassgpt.cli import main
from glassgpt.cli.messages import MESSAGES, Messages
from glassgpt.inspection import attention_weights, mask_demo, scale_demo, trace_forward, walk_through_head

ROOT = Path(__file__).resolve().parents[1]
MY_MODULES = ["inspection.py", "cli/components.py", "cli/full.py", "cli/attention.py", "cli/render.py"]


@st.composite
def configs(draw):
    n_head = draw(st.integers(1, 4))
    return GPTConfig(
        vocab_size=draw(st.integers(2, 40)), block_size=draw(st.integers(1, 10)), n_layer=draw(st.integers(1, 3)),
        n_head=n_head, n_embd=n_head * draw(st.integers(2, 6)), bias=draw(st.booleans()),
        tie_weights=draw(st.booleans()), flash=draw(st.booleans()),
    )


def build(config, seed=0):
    torch.manual_seed(seed)
    return GPT(config).eval()


def manual_copy(model):
    """An independent manual-attention model with the same weights (copied), the way the model tests build one."""
    manual = GPT(model.config.replace(flash=False)).eval()
    manual.load_state_dict(model.state_dict())
    return manual


def hooked(model, idx):
    """Our own hooks, independent of inspection.py: name -> (first input, output) of every module."""
    seen, handles = {}, []
    for name, module in model.named_modules():
        def hook(module, args, output, name=name):
            seen.setdefault(name, (args[0], output[0] if isinstance(output, tuple) else output))
        handles.append(module.register_forward_hook(hook))
    with torch.no_grad():
        model(idx)
    for handle in handles:
        handle.remove()
    return seen


def textbook_attention(model, idx):
    """Every layer's attention weights (n_layer, B, nh, T, T) and each head's output (n_layer, B, nh, T, hs),
    computed here in float64 from what each layer's c_attn returned (a forward hook on that Linear), with
    softmax(q k^T / sqrt(hs)) over the keys each query may see (j <= i): nothing shared with the model's
    attention(), its causal_mask or its hook points, nor with inspection.py."""
    seen = hooked(model, idx)
    d, nh = model.config.n_embd, model.config.n_head
    hs, T = d // nh, idx.size(1)
    allowed = torch.tensor([[j <= i for j in range(T)] for i in range(T)])  # (T, T)
    weights, outputs = [], []
    for layer in range(model.config.n_layer):
        qkv = seen[f"blocks.{layer}.attn.c_attn"][1].double()  # (B, T, 3d)
        q, k, v = (qkv[..., part * d:(part + 1) * d].unflatten(-1, (nh, hs)).transpose(1, 2)
                   for part in range(3))  # 3 x (B, nh, T, hs)
        scores = q @ k.transpose(-2, -1) / math.sqrt(hs)  # (B, nh, T, T)
        exp = (scores - scores.amax(dim=-1, keepdim=True)).exp() * allowed  # a forbidden key weighs nothing
        weights.append(exp / exp.sum(dim=-1, keepdim=True))
        outputs.append(weights[-1] @ v)  # (B, nh, T, hs)
    return torch.stack(weights), torch.stack(outputs)


def display_width(line):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


# --- the library ----------------------------------------------------------------------------------------------

@settings(max_examples=15, deadline=None)
@given(config=configs(), data=st.data())
def test_traced_shapes_are_the_shapes_hooks_see(config, data):
    model = build(config)
    B, T = data.draw(st.integers(1, 3)), data.draw(st.integers(1, config.block_size))
    idx = torch.randint(0, config.vocab_size, (B, T), generator=torch.Generator().manual_seed(T))
    trace = trace_forward(model, idx)
    seen = hooked(manual_copy(model), idx)
    d, nh, hs = config.n_embd, config.n_head, config.head_size
    derived = {"split_heads": ((B, T, 3 * d), (B, nh, T, hs)), "scores": ((B, nh, T, hs), (B, nh, T, T)),
               "mask": ((B, nh, T, T), (B, nh, T, T)), "softmax": ((B, nh, T, T), (B, nh, T, T)),
               "weighted_sum": ((B, nh, T, T), (B, nh, T, hs)), "merge_heads": ((B, nh, T, hs), (B, T, d))}
    names = set()
    for step in trace.steps:
        last = step.name.rpartition(".")[2]
        if step.name in seen:
            x, y = seen[step.name]
            assert (step.input_shape, step.output_shape) == (tuple(x.shape), tuple(y.shape)), step.name
            names.add(step.name)
        else:
            assert (step.input_shape, step.output_shape) == derived[last], step.name
    hook_points = {name for name in seen if name.rpartition(".")[2].startswith("hook_")}
    assert names == set(seen) - hook_points, "every module of the model is in the trace"
    assert trace.steps[-1].name == "lm_head" and trace.steps[0].name == ""
    total = {s.name: s.n_params for s in trace.steps}[""]
    assert total == sum(p.numel() for p in model.parameters())
    lm_head = next(s for s in trace.steps if s.name == "lm_head")
    assert lm_head.tied_to == ("tok_emb" if config.tie_weights else None)


@settings(max_examples=15, deadline=None)
@given(config=configs(), data=st.data())
def test_attention_weights_rows_sum_to_1_and_masked_entries_are_exactly_0(config, data):
    model = build(config)
    T = data.draw(st.integers(1, config.block_size))
    idx = torch.randint(0, config.vocab_size, (2, T), generator=torch.Generator().manual_seed(T))
    weights = attention_weights(model, idx)
    assert weights.shape == (config.n_layer, 2, config.n_head, T, T)
    future = torch.ones(T, T, dtype=torch.bool).triu(diagonal=1)  # key j after query i
    assert (weights[..., future] == 0).all()
    torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:-1]), atol=1e-6, rtol=0)
    expected, _ = textbook_attention(model, idx)
    torch.testing.assert_close(weights.double(), expected, atol=1e-6, rtol=1e-5)


@settings(max_examples=15, deadline=None)
@given(config=configs(), data=st.data())
def test_walkthrough_numbers_are_the_models_own(config, data):
    model = build(config)
    T = data.draw(st.integers(1, config.block_size))
    layer, head = data.draw(st.integers(0, config.n_layer - 1)), data.draw(st.integers(0, config.n_head - 1))
    idx = torch.randint(0, config.vocab_size, (1, T), generator=torch.Generator().manual_seed(T))
    walk = walk_through_head(model, idx, layer, head)
    seen = hooked(model, idx)
    attn = f"blocks.{layer}.attn"
    close = dict(atol=1e-6, rtol=1e-5)
    weights, outputs = textbook_attention(model, idx)
    torch.testing.assert_close(walk.weights.double(), weights[layer, 0, head], **close)
    torch.testing.assert_close(walk.out.double(), outputs[layer, 0, head], **close)
    torch.testing.assert_close(walk.x, seen[attn][0][0], **close)
    hs, d = config.head_size, config.n_embd
    qkv = seen[f"{attn}.c_attn"][1][0]  # (T, 3d): q | k | v, each head a slice of hs columns
    for part, mine in enumerate((walk.q, walk.k, walk.v)):
        torch.testing.assert_close(mine, qkv[:, part * d + head * hs: part * d + (head + 1) * hs], **close)
    assert walk.scale == 1 / math.sqrt(hs)
    torch.testing.assert_close(walk.scores, (walk.q @ walk.k.T) / math.sqrt(hs), **close)
    assert torch.equal(walk.masked[walk.mask], walk.scores[walk.mask])
    assert torch.equal(walk.mask, torch.ones(T, T, dtype=torch.bool).tril())
    assert (walk.masked[~walk.mask] == float("-inf")).all()
    merged = seen[f"{attn}.c_proj"][0][0]  # what the model's c_proj received: every head's output side by side
    torch.testing.assert_close(walk.merged, merged, **close)
    torch.testing.assert_close(walk.out, merged[:, head * hs:(head + 1) * hs], **close)
    torch.testing.assert_close(walk.projected, seen[f"{attn}.c_proj"][1][0], **close)
    assert (walk.weights[~walk.mask] == 0).all()


def test_mask_demo_earlier_outputs_stay_with_the_mask_and_move_without():
    config = GPTConfig.from_preset("tiny", n_layer=3, n_head=4, n_embd=32)
    model = build(config)
    idx = torch.randint(0, config.vocab_size, (1, 7), generator=torch.Generator().manual_seed(1))
    for layer in range(config.n_layer):
        demo = mask_demo(model, idx, layer, head=layer)
        assert demo.position == 6 and demo.new_token == (demo.old_token + 1) % config.vocab_size
        assert (demo.change_with_mask[:6] == 0).all()
        assert (demo.change_without_mask[:6] > 0).all()
        assert demo.change_with_mask[6] > 0 and demo.change_with_mask[6] == demo.change_without_mask[6]


@pytest.mark.parametrize("head_size", [16, 64])
def test_scale_demo_follows_the_variance_argument(head_size):
    # q . k of unit-variance entries has variance head_size (Vaswani et al. 2017, footnote 4)
    demo = scale_demo(head_size, n_keys=6)
    assert demo.std_raw == pytest.approx(math.sqrt(head_size), rel=0.05)
    assert demo.std_scaled == pytest.approx(1.0, rel=0.05)
    assert demo.peak_raw > demo.peak_scaled


def test_inspection_leaves_the_model_alone():
    model = build(GPTConfig.from_preset("tiny"))
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    trace_forward(model, torch.randint(0, 64, (2, 5), generator=torch.Generator().manual_seed(1)))
    assert model.training and model.config.flash
    assert model.lm_head.weight is model.tok_emb.weight
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


# --- the PNG ----------------------------------------------------------------------------------------------------

def test_plot_is_a_real_png_with_one_panel_per_head(tmp_path):
    from matplotlib.image import imread

    from glassgpt.cli.attention import attention_figure
    from glassgpt.cli.plotting import save_png

    config = GPTConfig.from_preset("tiny", n_layer=3, n_head=2)
    idx = torch.randint(0, 64, (1, 5), generator=torch.Generator().manual_seed(1))
    weights = attention_weights(build(config), idx)[:, 0]
    figure = attention_figure(weights, [0, 1, 2], [0, 1], Messages("en"))
    panels = [axes for axes in figure.axes if axes.get_images()]
    assert len(panels) == 1 + 3 * 2  # the mask, then every head of every layer
    titles = {axes.get_title() for axes in panels}
    assert {f"layer {layer} · head {head}" for layer in range(3) for head in range(2)} < titles
    path = tmp_path / "attention.png"
    save_png(figure, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = figure.get_size_inches() * 100
    assert imread(path).shape[:2] == (round(height), round(width))
    assert [p.name for p in tmp_path.iterdir()] == ["attention.png"]  # no temporary file left behind
    one = attention_figure(weights, [1], [0], Messages("en"))
    assert len([axes for axes in one.axes if axes.get_images()]) == 2


def test_plot_panels_show_the_weights(tmp_path):
    from glassgpt.cli.attention import attention_figure

    config = GPTConfig.from_preset("tiny")
    idx = torch.randint(0, 64, (1, 4), generator=torch.Generator().manual_seed(1))
    weights = attention_weights(build(config), idx)[:, 0]
    figure = attention_figure(weights, [1], [1], Messages("en"))
    mask_panel, head_panel = [axes for axes in figure.axes if axes.get_images()]
    assert (head_panel.get_images()[0].get_array() == weights[1, 1].numpy()).all()
    assert (mask_panel.get_images()[0].get_array() == torch.ones(4, 4).tril().numpy()).all()


# --- the CLI, in process (fast enough for random configs) -------------------------------------------------------

ROW = re.compile(r"^( *)(\(?[\w.]+\)?)\s+(\([\d, ]*\)) -> (?:3 x )?(\([\d, ]*\))")


def run_in_process(*argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(list(argv))
    return status, out.getvalue()


@settings(max_examples=10, deadline=None)
@given(config=configs(), seed=st.integers(0, 1000))
def test_components_shows_the_shapes_hooks_see(config, seed):
    argv = ["components", "--lang", "en", "--seed", str(seed), "--vocab-size", str(config.vocab_size),
            "--block-size", str(config.block_size), "--n-layer", str(config.n_layer), "--n-head",
            str(config.n_head), "--n-embd", str(config.n_embd), "--bias" if config.bias else "--no-bias"]
    status, out = run_in_process(*argv)
    assert status == 0
    shown, path = {}, []
    for line in out.splitlines():
        match = ROW.match(line)
        if not match:
            continue
        depth, name = len(match[1]) // 2, match[2]
        path = path[:depth] + [name]
        shown[".".join(path)] = (match[3], match[4])
    B, T = eval(shown["tok_emb"][0])  # the input the CLI chose; every shape must follow from it
    shown_config = GPTConfig(vocab_size=config.vocab_size, block_size=config.block_size, n_layer=config.n_layer,
                             n_head=config.n_head, n_embd=config.n_embd, bias=config.bias, flash=False)
    seen = hooked(build(shown_config, seed), torch.zeros(B, T, dtype=torch.long))
    nh, hs, d = config.n_head, config.head_size, config.n_embd
    derived = {"(split_heads)": ((B, T, 3 * d), (B, nh, T, hs)), "(scores)": ((B, nh, T, hs), (B, nh, T, T)),
               "(mask)": ((B, nh, T, T), (B, nh, T, T)), "(softmax)": ((B, nh, T, T), (B, nh, T, T)),
               "(weighted_sum)": ((B, nh, T, T), (B, nh, T, hs)), "(merge_heads)": ((B, nh, T, hs), (B, T, d))}
    # every module but the hook points, which the rows in ( ) show as the steps of attention
    expected = {name: (str(tuple(x.shape)), str(tuple(y.shape))) for name, (x, y) in seen.items()
                if name and not re.match(r"blocks\.[1-9]", name) and ".hook_" not in name}
    for name, shapes in derived.items():
        expected[f"blocks.0.attn.{name}"] = tuple(map(str, shapes))
    assert shown == expected
    if config.n_layer > 1:  # the other blocks are summarised; the summary must be true
        for layer in range(1, config.n_layer):
            for name, (x, y) in seen.items():
                if name.startswith(f"blocks.{layer}."):
                    twin = seen[name.replace(f"blocks.{layer}.", "blocks.0.", 1)]
                    assert (x.shape, y.shape) == (twin[0].shape, twin[1].shape)


def test_every_component_has_a_description():
    trace = trace_forward(build(GPTConfig.from_preset("tiny")), torch.zeros(1, 3, dtype=torch.long))
    assert sorted(s.role for s in trace.steps if f"components.what.{s.role}" not in MESSAGES) == ["gpt"]


def test_every_message_key_my_modes_use_exists():
    source = "".join((ROOT / "src" / "glassgpt" / name).read_text(encoding="utf-8") for name in MY_MODULES)
    used = set(re.findall(r'\bt\(\s*"([\w.]+)"', source)) | set(re.findall(r'labels\(\s*"([\w.]+)"', source))
    assert used and sorted(used - set(MESSAGES)) == []


def test_inspection_imports_no_cli_and_prints_nothing():
    source = (ROOT / "src" / "glassgpt" / "inspection.py").read_text(encoding="utf-8")
    assert "print(" not in source and "cli" not in re.findall(r"^from \.+(\w+)", source, re.M)
    model_source = (ROOT / "src" / "glassgpt" / "model.py").read_text(encoding="utf-8")
    assert "inspection" not in re.findall(r"^(?:from|import) \S+", model_source, re.M)


# --- the CLI through its real entry point -----------------------------------------------------------------------

def run(*args, lang="en"):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env["LANG"] = "zh_CN.UTF-8" if lang == "zh" else "C.UTF-8"
    return subprocess.run([sys.executable, "model.py", *args], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=300)


_outputs = {}


def output_of(mode, lang):
    """`python model.py --mode MODE` with LANG set for `lang` (run once per test session)."""
    if (mode, lang) not in _outputs:
        _outputs[mode, lang] = run("--mode", mode, lang=lang)
    return _outputs[mode, lang]


@pytest.mark.parametrize("mode", ["components", "full", "attention", "all"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_mode_through_the_entry_point(mode, lang):
    result = output_of(mode, lang)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert max(display_width(line) for line in lines) <= 80
    assert "\033" not in result.stdout  # no colour when the output is not a terminal
    assert bool(re.search(r"[\u4e00-\u9fff]", result.stdout)) == (lang == "zh")


@pytest.mark.parametrize("mode", ["components", "full", "attention"])
def test_numbers_are_identical_in_both_languages(mode):
    def numbers(text):
        return Counter(re.findall(r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:e[+-]\d+)?", text))

    en, zh = output_of(mode, "en").stdout, output_of(mode, "zh").stdout
    assert numbers(en) == numbers(zh)


def test_all_runs_the_modes_in_the_courses_order():
    out = output_of("all", "en").stdout
    modes = ("components", "full", "attention", "params")
    titles = [out.index(output_of(mode, "en").stdout.splitlines()[0]) for mode in modes]
    assert titles == sorted(titles)


def test_printed_walkthrough_is_the_models_own_attention():
    """End to end: the weights step 5 prints equal the model's own, rebuilt here from the same seed and tokens."""
    result = run("attention", "--preset", "tiny", "--layer", "1", "--head", "1", "--seed", "7")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    tokens = eval(re.search(r"tokens (\[[\d, ]+\])", result.stdout)[1])
    T = len(tokens)
    step = next(i for i, line in enumerate(lines) if line.startswith("5."))
    header = next(i for i in range(step, len(lines)) if lines[i].split() == [f"t{j}" for j in range(T)])
    printed = torch.tensor([[float(v) for v in lines[header + 1 + i].split()[1:]] for i in range(T)])
    weights, _ = textbook_attention(build(GPTConfig.from_preset("tiny"), seed=7), torch.tensor([tokens]))
    weights = weights[1, 0, 1].float()  # layer 1, the one sequence, head 1
    assert torch.equal(printed == 0, weights == 0)  # masked entries print as an exact 0
    torch.testing.assert_close(printed, weights, atol=5e-4, rtol=0)


def test_plot_option_writes_a_png(tmp_path):
    from matplotlib.image import imread

    path = tmp_path / "weights.png"
    result = run("attention", "--preset", "tiny", "--plot", str(path), lang="zh")
    assert result.returncode == 0, result.stderr
    assert str(path) in result.stdout
    assert imread(path).ndim == 3
    assert [p.name for p in tmp_path.iterdir()] == ["weights.png"]


@pytest.mark.parametrize("args, needle, lang", [
    (["--layer", "2"], "--layer 2", "en"),
    (["--head", "-1"], "--head -1", "zh"),
    (["--plot", "weights.pdf"], "weights.pdf", "zh"),
    (["--plot", "/nonexistent/folder/w.png"], "/nonexistent/folder", "en"),
])
def test_bad_attention_options_exit_2_with_one_line(args, needle, lang):
    result = run("attention", "--preset", "tiny", *args, lang=lang)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and needle in result.stderr
    assert "Traceback" not in result.stderr
