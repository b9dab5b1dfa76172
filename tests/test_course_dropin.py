"""glassgpt as the course's step-2 model: the root model.py copied to `step2_gpt_model/model.py`, then used by a
script written here the way the course's later steps use it (step 3 pretraining and its checkpoint, step 4's
-100-labelled SFT batches and LoRA wrappers, step 6's walk through the model's parts), in a fresh process with
glassgpt installed, from a folder that is not this checkout.
"""

import copy
import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from glassgpt import GPT, MLP, CausalSelfAttention, GPTConfig, LayerNorm, TransformerBlock

ROOT = Path(__file__).resolve().parent.parent

COURSE_SCRIPT = textwrap.dedent('''
    import math

    import torch
    import torch.nn as nn

    from step2_gpt_model.model import GPT, GPTConfig, CausalSelfAttention, MLP, TransformerBlock, LayerNorm

    torch.manual_seed(0)
    text = "To be, or not to be: that is the question. 学而时习之，不亦说乎？" * 8
    chars = sorted(set(text))
    char_to_idx = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([char_to_idx[c] for c in text])
    config = GPTConfig(vocab_size=len(chars), block_size=32, n_embd=32, n_head=4, n_layer=2, dropout=0.1,
                       bias=False)

    # the course's tests: every part from the config alone, called as part(x)
    x = torch.randn(2, 8, config.n_embd)
    for part in (LayerNorm(config.n_embd), LayerNorm(config.n_embd, bias=False), CausalSelfAttention(config),
                 MLP(config), TransformerBlock(config)):
        assert part.eval()(x).shape == x.shape, type(part).__name__
    attn = CausalSelfAttention(config).eval()
    fused = attn(x)
    attn.flash = False  # the written-out path of this one module
    assert torch.allclose(attn(x), fused, atol=1e-5)

    # step 3: pretraining
    model = GPT(config).to("cpu")
    assert model.tok_emb.weight is model.lm_head.weight
    print("parameters", model.get_num_params())
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)

    def batch(size=4):
        starts = torch.randint(0, len(data) - config.block_size - 1, (size,))
        xb = torch.stack([data[s:s + config.block_size] for s in starts])
        yb = torch.stack([data[s + 1:s + config.block_size + 1] for s in starts])
        return xb, yb

    model.train()
    losses = []
    for step in range(30):
        xb, yb = batch()
        logits, loss = model(xb, targets=yb)
        assert logits.shape == (4, config.block_size, config.vocab_size)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0], losses

    # bf16 autocast, as the course does on a GPU (CPU here)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        _, loss = model(*batch())
    loss.backward()

    # the course's checkpoint, read back with a plain torch.load (weights_only=True since torch 2.6)
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "config": config, "epoch": 1,
                "vocab": char_to_idx}, "model_epoch1.pt")
    checkpoint = torch.load("model_epoch1.pt")
    assert checkpoint["config"] == config and checkpoint["epoch"] == 1
    restored = GPT(checkpoint["config"])
    restored.load_state_dict(checkpoint["model"])
    restored.eval()
    start = torch.tensor([[char_to_idx["T"]]])
    out = restored.generate(start, max_new_tokens=20, temperature=0.8, top_k=5)
    assert out.shape == (1, 21)
    idx_to_char = {i: c for c, i in checkpoint["vocab"].items()}
    print("sample", "".join(idx_to_char[i] for i in out[0].tolist()))

    # steps 4 and 5: the prompt part of each chat is labelled -100 and must not count
    xb, yb = batch()
    labels = yb.clone()
    labels[:, :20] = -100
    model.eval()
    logits, loss = model(xb, targets=labels)
    expected = nn.functional.cross_entropy(logits[:, 20:].reshape(-1, config.vocab_size), yb[:, 20:].reshape(-1))
    assert torch.allclose(loss, expected), (loss, expected)

    # step 4, LoRA: every Linear named c_attn or c_proj wrapped, set on its parent
    class LoRALinear(nn.Module):
        def __init__(self, base, rank=4):
            super().__init__()
            self.base = base
            self.a = nn.Parameter(torch.randn(rank, base.in_features) * 0.01)
            self.b = nn.Parameter(torch.zeros(base.out_features, rank))

        def forward(self, x):
            return self.base(x) + x @ self.a.T @ self.b.T

    for name, module in list(model.named_modules()):
        if isinstance(module, nn.Linear) and ("c_attn" in name or "c_proj" in name):
            parent_name, _, child = name.rpartition(".")
            setattr(model.get_submodule(parent_name), child, LoRALinear(module))
    wrapped = sum(isinstance(m, LoRALinear) for m in model.modules())
    assert wrapped == 3 * config.n_layer, wrapped
    logits_lora, loss = model(xb, targets=yb)
    assert torch.allclose(logits_lora, model(xb)[0])
    loss.backward()
    assert all(m.b.grad is not None for m in model.modules() if isinstance(m, LoRALinear))
    assert model.generate(start, max_new_tokens=5, temperature=0).shape == (1, 6)

    # step 6: a vision-language model walks the language model's parts itself
    llm = restored
    T = xb.size(1)
    h = llm.drop(llm.tok_emb(xb) + llm.pos_emb(torch.arange(T)))
    for block in llm.blocks:
        h = block(h)
    logits = llm.lm_head(llm.ln_f(h))
    assert torch.allclose(logits, llm(xb)[0], atol=1e-5)
    print("COURSE OK")
''')


def _env(folder):
    """The course folder first, then this checkout's src (the installed glassgpt may be another checkout's)."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT / "src")])}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course folder with glassgpt's model.py as its step-2 module, after running the script there."""
    folder = tmp_path_factory.mktemp("course")
    (folder / "step2_gpt_model").mkdir()
    shutil.copy(ROOT / "model.py", folder / "step2_gpt_model" / "model.py")
    (folder / "step3_pretrain.py").write_text(COURSE_SCRIPT, encoding="utf-8")
    env = _env(folder)
    result = subprocess.run([sys.executable, "step3_pretrain.py"], cwd=folder, env=env, capture_output=True,
                            text=True, timeout=300)
    return folder, result


def test_the_course_runs_on_glassgpt_as_its_step_2(course):
    _, result = course
    assert result.returncode == 0, result.stderr
    assert "COURSE OK" in result.stdout


def test_the_copied_model_py_exposes_the_courses_names(course):
    folder, _ = course
    probe = ("import step2_gpt_model.model as m, glassgpt; "
             "names = ['GPTConfig', 'GPT', 'CausalSelfAttention', 'MLP', 'TransformerBlock', 'LayerNorm']; "
             "assert all(getattr(m, n) is getattr(glassgpt, n) for n in names[1:]); "
             "assert issubclass(m.GPTConfig, glassgpt.GPTConfig); print('names ok')")
    result = subprocess.run([sys.executable, "-c", probe], cwd=folder, env=_env(folder),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "names ok" in result.stdout, result.stderr


def test_the_courses_checkpoint_opens_in_glassgpt(course):
    folder, result = course
    assert result.returncode == 0, result.stderr
    model = GPT.from_pretrained(folder / "model_epoch1.pt")
    checkpoint = torch.load(folder / "model_epoch1.pt")
    assert model.config == checkpoint["config"]
    for name, tensor in checkpoint["model"].items():
        assert torch.equal(model.state_dict()[name], tensor), name


def test_every_part_builds_from_the_config_alone_and_the_flash_switch_is_per_module():
    config = GPTConfig.from_preset("tiny", flash=True)
    torch.manual_seed(0)
    block = TransformerBlock(config).eval()
    x = torch.randn(3, 7, config.n_embd)
    fused = block(x)
    block.attn.flash = False
    seen = []
    block.attn.hook_pattern.register_forward_hook(lambda module, args, out: seen.append(out))
    written_out = block(x)
    assert len(seen) == 1, "the written-out path ran"
    torch.testing.assert_close(written_out, fused, atol=1e-6, rtol=1e-5)
    block.attn.flash = True
    block(x)
    assert len(seen) == 1, "the fused path ran: no pattern is materialised"
    assert isinstance(LayerNorm(16), torch.nn.LayerNorm) and LayerNorm(16).bias is None
    assert LayerNorm(16, bias=True).bias is not None
    assert MLP(config)(x).shape == x.shape and CausalSelfAttention(config)(x).shape == x.shape


def test_the_course_preset_is_the_courses_model():
    config = GPTConfig.from_preset("course")
    assert (config.vocab_size, config.block_size, config.n_layer, config.n_head, config.n_embd) == (6400, 512, 8, 8, 512)
    assert config.dropout == 0.1 and config.bias is False and config.tie_weights
    with torch.device("meta"):
        model = GPT(config)
    assert isinstance(model.blocks[0].mlp.gelu, torch.nn.GELU) and model.blocks[0].mlp.gelu.approximate == "none"
    # counted from the shapes: V*d + T*d + L*(12 d^2 + 2 d) + d, no biases, tied head
    V, T, L, d = 6400, 512, 8, 512
    assert sum(p.numel() for p in model.parameters()) == V * d + T * d + L * (12 * d * d + 2 * d) + d


@pytest.mark.parametrize("ignore", [-1, -100])
def test_ignored_targets_leave_positions_out_of_the_loss(ignore):
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_preset("tiny"))
    idx = torch.randint(0, 64, (2, 8))
    targets = torch.randint(0, 64, (2, 8))
    targets[0, :5] = ignore
    targets[1, 2] = ignore
    logits, loss = model(idx, targets)
    keep = targets != ignore
    expected = torch.nn.functional.cross_entropy(logits[keep], targets[keep])  # PyTorch on the kept positions
    torch.testing.assert_close(loss, expected)


def test_a_batch_with_every_target_ignored_is_a_clear_error_not_nan():
    model = GPT(GPTConfig.from_preset("tiny"))
    idx = torch.zeros(2, 4, dtype=torch.long)
    targets = torch.tensor([[-1, -100, -1, -100], [-100, -100, -1, -1]])
    with pytest.raises(ValueError, match="ignored"):
        model(idx, targets)
    with pytest.raises(ValueError, match="-1 or -100"):
        model(idx, torch.full((2, 4), -2))


def test_get_num_params_matches_the_published_gpt2_counts():
    with torch.device("meta"):
        model = GPT(GPTConfig.from_preset("gpt2"))
    assert model.get_num_params(non_embedding=False) == 124_439_808  # GPT-2 small, tied head counted once
    assert model.get_num_params() == 124_439_808 - 1024 * 768  # nanoGPT's "123.65M", position table left out


def _course_module():
    """The root model.py imported as a learner's copy would be, under a name of its own."""
    spec = importlib.util.spec_from_file_location("learners_model_copy", ROOT / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_course_module_has_the_courses_defaults_and_glassgpt_keeps_gpt2s():
    course = _course_module()
    config = course.GPTConfig()
    # the course's step-2 GPTConfig defaults, as its notebook states them
    shape = (config.vocab_size, config.block_size, config.n_layer, config.n_head, config.n_embd)
    assert shape == (6400, 512, 8, 8, 512)
    assert config.dropout == 0.1 and config.bias is False and config.gelu_approximate == "none"
    assert config == GPTConfig.from_preset("course") and isinstance(config, GPTConfig)
    gpt2 = GPTConfig()
    assert (gpt2.vocab_size, gpt2.block_size, gpt2.n_layer, gpt2.n_head, gpt2.n_embd) == (50257, 1024, 12, 12, 768)
    assert course.GPTConfig(n_embd=128).n_head == 8  # the course notebook's MLP cell
    with torch.device("meta"):
        model = course.GPT(course.GPTConfig(n_embd=128, n_head=4, n_layer=1))
    gelu = model.blocks[0].mlp.gelu
    x = torch.linspace(-4, 4, 101)
    torch.testing.assert_close(gelu.to_empty(device="cpu")(x), torch.nn.GELU()(x))  # nn.GELU(): erf, as the course


def test_a_course_config_pickles_as_glassgpts_and_loads_weights_only_under_either_name(tmp_path):
    course = _course_module()
    saved = {"course": course.GPTConfig(n_embd=128, n_head=4), "glassgpt": GPTConfig.from_preset("course", n_embd=128,
                                                                                                   n_head=4)}
    for name, config in saved.items():
        torch.save({"config": config, "model": {}}, tmp_path / f"{name}.pt")
        data = (tmp_path / f"{name}.pt").read_bytes()
        assert b"learners_model_copy" not in data, "the pickle must not depend on the learner's file"
        loaded = torch.load(tmp_path / f"{name}.pt", weights_only=True)["config"]
        assert type(loaded) is GPTConfig and loaded == config and hash(loaded) == hash(config)
        assert loaded.to_dict() == saved["glassgpt"].to_dict()
    assert saved["course"] == saved["glassgpt"] and saved["course"] != GPTConfig(n_embd=128, n_head=4)
    assert copy.deepcopy(saved["course"]) is saved["course"]  # frozen: a copy stays the course's class
    # a fresh process that imports what the course's step 3 imports (the model), never the learner's file
    probe = ("import torch; from glassgpt import GPT, GPTConfig; "
             f"c = torch.load({str(tmp_path / 'course.pt')!r}, weights_only=True)['config']; "
             "assert c == GPTConfig.from_preset('course', n_embd=128, n_head=4); print('loaded')")
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=_env(tmp_path), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and "loaded" in result.stdout, result.stderr
