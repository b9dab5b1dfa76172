"""nanoGPT's train.py and sample.py on glassgpt: the root model.py copied in as nanoGPT's `model.py`, and a script
written here that makes train.py's calls in train.py's order (from scratch, resume, `init_from='gpt2'` with
override_args through a hub cache laid out in the test, crop_block_size, configure_optimizers, estimate_mfu, the
checkpoint dict it saves), then sample.py's. Each nanoGPT method is also checked against an oracle: a model laid
out as nanoGPT's (tests/test_checkpoints_nanogpt.py) in both directions of state-dict names, transformers' GPT-2
with the erf GELU, torch's FlopCounterMode, nanoGPT's published 6N + 12LHQT formula.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from conftest import random_hf_gpt2
from glassgpt import GPT, GPTConfig, GlassGPTError
from test_checkpoints_nanogpt import MODEL_ARGS, NanoGPT
from test_hub import lay_out_hub_cache, offline_env

ROOT = Path(__file__).resolve().parent.parent
HUB_GPT2 = dict(vocab_size=50257, n_positions=64, n_layer=2, n_head=2, n_embd=16)  # GPT-2's vocabulary, small

# train.py's calls, in train.py's order, with its variable names; then sample.py's
TRAIN_PY = textwrap.dedent('''
    import json, math, os, pickle, sys, time
    import numpy as np
    import torch
    from model import GPTConfig, GPT

    out_dir, dataset, init_from = "out-shakespeare-char", "shakespeare_char", sys.argv[1]
    n_layer, n_head, n_embd, block_size, bias, dropout = 2, 2, 32, 32, False, 0.0
    batch_size, gradient_accumulation_steps, max_iters = 8, 2, int(sys.argv[2])
    learning_rate, weight_decay, beta1, beta2, grad_clip = 1e-2, 1e-1, 0.9, 0.99, 1.0
    device, device_type = "cpu", "cpu"
    config = {"out_dir": out_dir, "dataset": dataset, "init_from": init_from, "compile": False, "device": device}
    torch.manual_seed(1337)
    data_dir = os.path.join("data", dataset)

    def get_batch(split):
        data = np.memmap(os.path.join(data_dir, f"{split}.bin"), dtype=np.uint16, mode="r")
        ix = torch.randint(len(data) - block_size, (batch_size,))
        x = torch.stack([torch.from_numpy((data[i:i+block_size]).astype(np.int64)) for i in ix])
        y = torch.stack([torch.from_numpy((data[i+1:i+1+block_size]).astype(np.int64)) for i in ix])
        return x.to(device), y.to(device)

    iter_num, best_val_loss = 0, 1e9
    with open(os.path.join(data_dir, "meta.pkl"), "rb") as f:
        meta = pickle.load(f)
    meta_vocab_size = meta["vocab_size"]
    model_args = dict(n_layer=n_layer, n_head=n_head, n_embd=n_embd, block_size=block_size, bias=bias,
                      vocab_size=None, dropout=dropout)
    report = {}
    if init_from == "scratch":
        model_args["vocab_size"] = meta_vocab_size
        model = GPT(GPTConfig(**model_args))
    elif init_from == "resume":
        checkpoint = torch.load(os.path.join(out_dir, "ckpt.pt"), map_location=device)
        for k in ["n_layer", "n_head", "n_embd", "block_size", "bias", "vocab_size"]:
            model_args[k] = checkpoint["model_args"][k]
        model = GPT(GPTConfig(**model_args))
        state_dict = checkpoint["model"]
        for k, v in list(state_dict.items()):
            if k.startswith("_orig_mod."):
                state_dict[k[len("_orig_mod."):]] = state_dict.pop(k)
        model.load_state_dict(state_dict)
        iter_num, best_val_loss = checkpoint["iter_num"], checkpoint["best_val_loss"]
    elif init_from.startswith("gpt2"):
        model = GPT.from_pretrained(init_from, dict(dropout=dropout))
        for k in ["n_layer", "n_head", "n_embd", "block_size", "bias", "vocab_size"]:
            model_args[k] = getattr(model.config, k)
        report["from_pretrained"] = {"training": model.training, "config": model.config.to_dict()}
    if block_size < model.config.block_size:
        model.crop_block_size(block_size)
        model_args["block_size"] = block_size
    model.to(device)
    optimizer = model.configure_optimizers(weight_decay, learning_rate, (beta1, beta2), device_type)
    if init_from == "resume":
        optimizer.load_state_dict(checkpoint["optimizer"])
    checkpoint = None
    raw_model = model

    @torch.no_grad()
    def estimate_loss():
        model.eval()
        torch.manual_seed(0)  # the same batches at every evaluation, so that losses compare
        out = {split: torch.stack([model(*get_batch(split))[1] for _ in range(4)]).mean().item()
               for split in ("train", "val")}
        model.train()
        return out

    report["start"] = estimate_loss()
    X, Y = get_batch("train")
    t0, mfus = time.time(), []
    for _ in range(max_iters):
        for micro_step in range(gradient_accumulation_steps):
            logits, loss = model(X, Y)
            loss = loss / gradient_accumulation_steps
            X, Y = get_batch("train")
            loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        t1 = time.time()
        dt, t0 = t1 - t0, t1
        mfus.append(raw_model.estimate_mfu(batch_size * gradient_accumulation_steps, max(dt, 1e-6)))
        iter_num += 1
    report["end"] = estimate_loss()
    report["mfu_positive"] = all(m > 0 for m in mfus)
    checkpoint = {"model": raw_model.state_dict(), "optimizer": optimizer.state_dict(), "model_args": model_args,
                  "iter_num": iter_num, "best_val_loss": report["end"]["val"], "config": config}
    torch.save(checkpoint, os.path.join(out_dir, "ckpt.pt"))
    report["iter_num"] = iter_num

    # sample.py
    checkpoint = torch.load(os.path.join(out_dir, "ckpt.pt"), map_location=device)
    model = GPT(GPTConfig(**checkpoint["model_args"]))
    model.load_state_dict(checkpoint["model"])
    model.eval()
    stoi, itos = meta["stoi"], meta["itos"]
    x = torch.tensor([stoi[c] for c in "\\n"], dtype=torch.long, device=device)[None, ...]
    with torch.no_grad():
        y = model.generate(x, 20, temperature=0.8, top_k=200)
    report["sample"] = "".join(itos.get(i, "?") for i in y[0].tolist())
    idx = torch.randint(0, model_args["vocab_size"], (2, block_size))
    torch.save({"idx": idx, "logits": model(idx)[0].detach(), "gelu": model.config.gelu_approximate}, "logits.pt")
    print(json.dumps(report))
''')

TEXT = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
        "First Citizen:\nYou are all resolved rather to die than to famish?\n\n") * 40


def nanogpt_folder(root: Path) -> Path:
    """A nanoGPT checkout as a learner has it: model.py (here glassgpt's root model.py), the training script,
    data/shakespeare_char/{train,val}.bin and meta.pkl as its prepare.py writes them."""
    import pickle

    import numpy as np

    shutil.copy(ROOT / "model.py", root / "model.py")
    (root / "train.py").write_text(TRAIN_PY)
    data = root / "data" / "shakespeare_char"
    data.mkdir(parents=True)
    chars = sorted(set(TEXT))
    stoi = {c: i for i, c in enumerate(chars)}
    ids = np.array([stoi[c] for c in TEXT], dtype=np.uint16)
    cut = int(0.9 * len(ids))
    ids[:cut].tofile(data / "train.bin")
    ids[cut:].tofile(data / "val.bin")
    with open(data / "meta.pkl", "wb") as f:
        pickle.dump({"vocab_size": len(chars), "itos": dict(enumerate(chars)), "stoi": stoi}, f)
    (root / "out-shakespeare-char").mkdir()
    return root


def run_train_py(folder: Path, init_from: str, iters: int, env: dict | None = None) -> dict:
    env = {**(env or os.environ), "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT / "src")])}
    result = subprocess.run([sys.executable, "train.py", init_from, str(iters)], cwd=folder, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = nanogpt_folder(tmp_path_factory.mktemp("nanogpt"))
    return folder, run_train_py(folder, "scratch", 30)


def test_train_py_from_scratch_learns_and_sample_py_samples(trained):
    folder, report = trained
    assert report["end"]["train"] < report["start"]["train"] - 0.5 and report["end"]["val"] < report["start"]["val"]
    assert report["mfu_positive"] and report["iter_num"] == 30
    assert len(report["sample"]) == 21 and set(report["sample"]) <= set(TEXT)


def test_train_py_resumes_from_its_checkpoint(trained):
    folder, first = trained
    resumed = run_train_py(folder, "resume", 10)
    assert resumed["iter_num"] == 40  # iter_num came back from the checkpoint
    assert resumed["start"]["val"] == pytest.approx(first["end"]["val"], abs=1e-5)  # the same weights came back
    assert resumed["end"]["train"] < resumed["start"]["train"]


def test_glassgpt_reads_what_train_py_saved_with_the_trained_models_logits(trained):
    """ckpt.pt's model_args say nothing of the GELU: glassgpt reads it as nanoGPT's (erf), which is what the root
    model.py's GPTConfig gives."""
    folder, _ = trained
    saved = torch.load(folder / "logits.pt", weights_only=True)
    if saved["gelu"] != "none":
        pytest.xfail("the root model.py's GPTConfig() does not give nanoGPT's erf GELU yet")
    model = GPT.from_pretrained(folder / "out-shakespeare-char" / "ckpt.pt")
    assert saved["gelu"] == model.config.gelu_approximate == "none"
    with torch.no_grad():
        torch.testing.assert_close(model(saved["idx"])[0], saved["logits"], atol=1e-6, rtol=0)


def test_nanogpts_own_model_reads_what_train_py_saved_through_nanogpt_state_dict(trained):
    folder, _ = trained
    ckpt = torch.load(folder / "out-shakespeare-char" / "ckpt.pt", weights_only=True)
    theirs = NanoGPT({**ckpt["model_args"]}).eval()
    theirs.load_state_dict(GPT.nanogpt_state_dict(ckpt["model"]))  # strict: every name and shape
    ours = GPT.from_pretrained(folder / "out-shakespeare-char" / "ckpt.pt")
    for block in ours.blocks:
        block.attn.flash = False  # the written-out attention, as NanoGPT here computes it: the same rounding
    idx = torch.randint(0, ckpt["model_args"]["vocab_size"], (2, ckpt["model_args"]["block_size"]))
    with torch.no_grad():
        torch.testing.assert_close(ours(idx)[0], theirs(idx), atol=1e-6, rtol=0)


@pytest.fixture(scope="module")
def gpt2_hub(tmp_path_factory):
    staging = tmp_path_factory.mktemp("gpt2")
    random_hf_gpt2(staging, **HUB_GPT2, seed=5)
    cache = tmp_path_factory.mktemp("hub")
    lay_out_hub_cache(cache, "gpt2", {name: staging / name for name in ("config.json", "model.safetensors")})
    return cache


def test_train_py_fine_tunes_gpt2_from_the_hub_with_override_args(tmp_path, gpt2_hub):
    folder = nanogpt_folder(tmp_path)
    env = offline_env(gpt2_hub)
    # the characters' ids are GPT-2 token ids too, so the char data serves as (odd) GPT-2 text
    report = run_train_py(folder, "gpt2", 10, env)
    pretrained = report["from_pretrained"]
    assert pretrained["training"] and pretrained["config"]["gelu_approximate"] == "none"  # nanoGPT's GPT-2
    assert pretrained["config"]["block_size"] == HUB_GPT2["n_positions"]  # cropped to 32 after
    assert report["end"]["train"] < report["start"]["train"]
    ckpt = torch.load(folder / "out-shakespeare-char" / "ckpt.pt", weights_only=True)
    assert ckpt["model_args"]["block_size"] == 32 and ckpt["model_args"]["vocab_size"] == 50257
    assert ckpt["model"]["pos_emb.weight"].shape == (32, HUB_GPT2["n_embd"])


FROM_PRETRAINED_ORACLE = """
import json, torch
from transformers import GPT2LMHeadModel
from glassgpt import GPT
ours = GPT.from_pretrained("gpt2", dict(dropout=0.25))
theirs = GPT2LMHeadModel.from_pretrained("gpt2", activation_function="gelu").eval()  # erf, as nanoGPT's GELU
idx = torch.randint(0, 50257, (2, 24))
with torch.no_grad():
    diff = (ours.eval()(idx)[0] - theirs(idx).logits).abs().max().item()
print(json.dumps({"diff": diff, "dropout": ours.config.dropout, "drop": ours.drop.p}))
"""


def test_from_pretrained_with_override_args_is_gpt2_with_nanogpts_gelu(gpt2_hub):
    env = {**offline_env(gpt2_hub), "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run([sys.executable, "-c", FROM_PRETRAINED_ORACLE], env=env, capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["diff"] <= 1e-5 and out["dropout"] == out["drop"] == 0.25


def test_override_args_change_only_dropout(tmp_path):
    model = GPT(GPTConfig.from_preset("tiny"))
    model.save_pretrained(tmp_path / "m")
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(tmp_path / "m", dict(n_layer=3, bias=False))
    assert error.value.key == "nanogpt_override_args"
    assert error.value.fields == {"unknown": "'n_layer', 'bias'", "known": "dropout"}
    assert GPT.from_pretrained(tmp_path / "m", override_args={}).training  # nanoGPT's: ready to train
    assert not GPT.from_pretrained(tmp_path / "m").training  # glassgpt's: ready to look inside
    with pytest.raises(TypeError, match=r"^override_args must be a dict such as dict\(dropout=0.1\), got list$"):
        GPT.from_pretrained(tmp_path / "m", override_args=["dropout"])


def test_nanogpts_from_pretrained_is_the_file_with_the_erf_gelu_and_the_dropout_asked_for(tmp_path):
    """In process, what the GPT-2 oracle above checks in a child: the weights of the file, nanoGPT's erf GELU
    (PyTorch's own F.gelu stands in for nanoGPT's nn.GELU()), the dropout asked for, and a config passed beside
    override_args still held against the file's."""
    torch.manual_seed(0)
    saved = GPT(GPTConfig.from_preset("tiny", bias=True))
    saved.save_pretrained(tmp_path / "m")
    ours = GPT.from_pretrained(tmp_path / "m", dict(dropout=0.25))
    assert ours.config.gelu_approximate == "none" and ours.config.dropout == ours.drop.p == 0.25
    erf = GPT(saved.config.replace(gelu_approximate="none")).eval()
    erf.load_state_dict(saved.state_dict())
    idx = torch.randint(0, saved.config.vocab_size, (2, 16))
    with torch.no_grad():
        torch.testing.assert_close(ours.eval()(idx)[0], erf(idx)[0], atol=0, rtol=0)
        assert not torch.allclose(erf(idx)[0], saved.eval()(idx)[0])  # the GELU did change: tanh is not erf
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(tmp_path / "m", saved.config.replace(n_layer=3), override_args={})
    assert error.value.key == "checkpoint_config_conflict" and error.value.fields["field"] == "n_layer"


# --- each method against an oracle ---------------------------------------------------------------------------

@pytest.mark.parametrize("bias", [True, False])
def test_load_state_dict_takes_nanogpts_names_and_a_compiled_models_prefix(bias):
    args = {**MODEL_ARGS, "bias": bias}
    theirs = NanoGPT(args).eval()
    ours = GPT(GPTConfig(**args, gelu_approximate="none")).eval()
    ours.load_state_dict({"_orig_mod." + k: v for k, v in theirs.state_dict().items()})
    assert ours.lm_head.weight is ours.tok_emb.weight
    idx = torch.randint(0, args["vocab_size"], (3, args["block_size"]))
    with torch.no_grad():
        torch.testing.assert_close(ours(idx)[0], theirs(idx), atol=1e-6, rtol=0)
    ours.load_state_dict(ours.state_dict())  # glassgpt's own names still load


def test_load_state_dict_is_strict_unless_told():
    ours = GPT(GPTConfig(**MODEL_ARGS, gelu_approximate="none"))
    partial = {k: v for k, v in NanoGPT(MODEL_ARGS).state_dict().items() if k != "transformer.ln_f.weight"}
    with pytest.raises(RuntimeError, match="ln_f.weight"):  # strict, as nn.Module's is by default
        ours.load_state_dict(partial)
    assert ours.load_state_dict(partial, strict=False).missing_keys == ["ln_f.weight"]


def test_nanogpt_state_dict_loads_strictly_into_nanogpts_layout():
    ours = GPT(GPTConfig(**MODEL_ARGS, gelu_approximate="none")).eval()
    theirs = NanoGPT(MODEL_ARGS).eval()
    theirs.load_state_dict(GPT.nanogpt_state_dict(ours.state_dict()))
    assert set(GPT.nanogpt_state_dict(ours.state_dict())) == set(theirs.state_dict())
    idx = torch.randint(0, MODEL_ARGS["vocab_size"], (2, MODEL_ARGS["block_size"]))
    with torch.no_grad():
        torch.testing.assert_close(ours(idx)[0], theirs(idx), atol=1e-6, rtol=0)


def test_configure_optimizers_decays_exactly_the_tensors_of_two_or_more_dimensions():
    model = GPT(GPTConfig.from_preset("tiny"))
    model.ln_f.weight.requires_grad_(False)
    optimizer = model.configure_optimizers(0.1, 3e-4, (0.9, 0.95), "cpu")
    decay, no_decay = optimizer.param_groups
    names = {id(p): n for n, p in model.named_parameters()}  # a tied head appears once
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert {names[id(p)] for p in decay["params"]} == {n for n, p in model.named_parameters() if p.dim() >= 2}
    assert {names[id(p)] for p in no_decay["params"]} == {n for n, p in model.named_parameters()
                                                          if p.dim() < 2 and n != "ln_f.weight"}
    assert decay["lr"] == 3e-4 and decay["betas"] == (0.9, 0.95) and not decay["fused"]
    # nanoGPT's rule: PyTorch's fused AdamW where the device type is CUDA (this torch also fuses on the CPU, where
    # the parameters are here, so asking for "cuda" shows the choice without a GPU)
    fused = model.configure_optimizers(0.1, 3e-4, (0.9, 0.95), "cuda")
    assert all(group["fused"] is True for group in fused.param_groups)


@pytest.mark.parametrize("bias", [True, False])
def test_estimate_mfu_counts_what_flopcountermode_counts_and_differs_from_6n_by_the_1d_parameters(bias):
    config = GPTConfig(vocab_size=50, block_size=16, n_layer=2, n_head=2, n_embd=32, bias=bias, flash=False)
    model = GPT(config)
    B, dt, peak = 3, 0.5, 1e9
    idx = torch.randint(0, 50, (B, config.block_size))
    with FlopCounterMode(display=False) as counter:
        model(idx, idx)[1].backward()
    assert model.estimate_mfu(B, dt, peak) * dt * peak == pytest.approx(counter.get_total_flops(), rel=1e-12)
    # nanoGPT's estimate: 6N + 12 * L * H * Q * T per token, N = get_num_params() (non-embedding in its sense)
    L, T, d = config.n_layer, config.block_size, config.n_embd
    nanogpt_per_token = 6 * model.get_num_params() + 12 * L * d * T
    one_d = sum(p.numel() for p in model.parameters() if p.dim() == 1)  # biases, LayerNorm gains and shifts
    ours_per_token = model.estimate_mfu(1, 1.0, 1.0) / T
    assert nanogpt_per_token - ours_per_token == pytest.approx(6 * one_d, rel=1e-12)
    for bad_dt, bad_peak in ((0.0, peak), (dt, 0.0), (-1.0, peak)):
        with pytest.raises(GlassGPTError) as error:
            model.estimate_mfu(B, bad_dt, bad_peak)
        assert error.value.key == "mfu_positive" and error.value.fields == {"dt": bad_dt, "peak_flops": bad_peak}


def test_crop_block_size_keeps_the_first_positions_and_the_logits():
    model = GPT(GPTConfig.from_preset("tiny")).eval()
    idx = torch.randint(0, 64, (2, 8))
    with torch.no_grad():
        before = model(idx)[0]
    model.crop_block_size(8)
    assert model.config.block_size == 8 and model.pos_emb.weight.shape == (8, model.config.n_embd)
    with torch.no_grad():
        torch.testing.assert_close(model(idx)[0], before, atol=0, rtol=0)
    with pytest.raises(GlassGPTError):
        model(torch.zeros(1, 9, dtype=torch.long))
    assert model.pos_emb.num_embeddings == 8
    model.crop_block_size(8)  # to the size it has: nothing changes
    model.crop_block_size(1)  # the smallest block there is
    assert model.pos_emb.weight.shape == (1, model.config.n_embd) and model.pos_emb.num_embeddings == 1
    for size in (0, 2):
        with pytest.raises(GlassGPTError) as error:
            model.crop_block_size(size)
        assert error.value.key == "crop_block_size" and error.value.fields == {"block_size": size, "current": 1}
    for size, name in ((2.0, "float"), (True, "bool")):
        with pytest.raises(TypeError, match=f"^block_size must be an int, got {name}$"):
            model.crop_block_size(size)


def test_set_dropout_reaches_every_dropout():
    model = GPT(GPTConfig.from_preset("tiny"))
    model.set_dropout(0.3)
    assert model.config.dropout == 0.3
    assert all(m.p == 0.3 for m in model.modules() if isinstance(m, torch.nn.Dropout))
    assert all(block.attn.dropout == 0.3 for block in model.blocks)
