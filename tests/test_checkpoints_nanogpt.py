"""nanoGPT's checkpoints, without the network: a small model laid out the way nanoGPT's model.py lays its GPT out
(module names, nn.Linear weights, the erf GELU, the bias flag, the head tied to wte), saved as nanoGPT's train.py
saves `ckpt.pt`, read by glassgpt: logits equal, and its meta.pkl characters found as nanoGPT's sample.py finds
them. Hostile files (a meta.pkl or a ckpt.pt that would run code) are refused without running anything."""

import json
import math
import os
import pickle

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from torch import nn

from glassgpt import GPT, GPTConfig, GlassGPTError
from glassgpt.checkpoints import checkpoint_config, config_to_hf, find_tokenizer, hf_tensors, load_tokenizer
from glassgpt.text import CharTokenizer, PaddedTokenizer

MODEL_ARGS = dict(n_layer=2, n_head=2, n_embd=16, block_size=12, bias=True, vocab_size=11, dropout=0.0)
CHARS = "\n !,.abcdeh"  # 11 characters, the ids 0..10 (nanoGPT's prepare.py: sorted(set(text)))


# --- a GPT laid out as nanoGPT lays it out ---------------------------------------------------------------------

class NanoLayerNorm(nn.Module):
    def __init__(self, d, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class NanoAttention(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.c_attn = nn.Linear(a["n_embd"], 3 * a["n_embd"], bias=a["bias"])
        self.c_proj = nn.Linear(a["n_embd"], a["n_embd"], bias=a["bias"])
        self.n_head = a["n_head"]

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                   for t in self.c_attn(x).split(C, dim=2))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(C // self.n_head)
        scores = scores.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
        y = scores.softmax(dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).reshape(B, T, C))


class NanoMLP(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.c_fc = nn.Linear(a["n_embd"], 4 * a["n_embd"], bias=a["bias"])
        self.gelu = nn.GELU()  # the exact erf GELU
        self.c_proj = nn.Linear(4 * a["n_embd"], a["n_embd"], bias=a["bias"])

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class NanoBlock(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.ln_1, self.attn = NanoLayerNorm(a["n_embd"], a["bias"]), NanoAttention(a)
        self.ln_2, self.mlp = NanoLayerNorm(a["n_embd"], a["bias"]), NanoMLP(a)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class NanoGPT(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(a["vocab_size"], a["n_embd"]), wpe=nn.Embedding(a["block_size"], a["n_embd"]),
            drop=nn.Dropout(a["dropout"]), h=nn.ModuleList(NanoBlock(a) for _ in range(a["n_layer"])),
            ln_f=NanoLayerNorm(a["n_embd"], a["bias"])))
        self.lm_head = nn.Linear(a["n_embd"], a["vocab_size"], bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # tied, as nanoGPT ties them
        for p in self.parameters():  # random everywhere (biases and gains too), so that nothing is a default
            nn.init.normal_(p, std=0.3)

    def forward(self, idx):
        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(idx.size(1)))
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))


def nanogpt_run(root, compiled=False, **overrides):
    """A nanoGPT working folder: out-shakespeare-char/ckpt.pt as train.py saves it, data/shakespeare_char/meta.pkl
    as prepare.py writes it. -> (ckpt path, the nanoGPT model)."""
    args = {**MODEL_ARGS, **overrides}
    torch.manual_seed(0)
    model = NanoGPT(args).eval()
    optimizer = torch.optim.AdamW(model.parameters())
    model(torch.zeros(1, 2, dtype=torch.long)).sum().backward()
    optimizer.step()
    state = model.state_dict()
    if compiled:
        state = {"_orig_mod." + k: v for k, v in state.items()}
    training = {"out_dir": "out-shakespeare-char", "dataset": "shakespeare_char", "eval_interval": 250,
                "learning_rate": 1e-3, "compile": compiled, "device": "cpu"}
    (root / "out-shakespeare-char").mkdir(parents=True, exist_ok=True)
    file = root / "out-shakespeare-char" / "ckpt.pt"
    torch.save({"model": state, "optimizer": optimizer.state_dict(), "model_args": args, "iter_num": 100,
                "best_val_loss": torch.tensor(2.25), "config": training}, file)
    (root / "data" / "shakespeare_char").mkdir(parents=True, exist_ok=True)
    meta = {"vocab_size": len(CHARS), "itos": dict(enumerate(CHARS)), "stoi": {c: i for i, c in enumerate(CHARS)}}
    with open(root / "data" / "shakespeare_char" / "meta.pkl", "wb") as f:
        pickle.dump(meta, f)
    return file, model


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("compiled", [False, True])
def test_a_nanogpt_checkpoint_gives_nanogpts_logits(tmp_path, bias, compiled):
    file, theirs = nanogpt_run(tmp_path, compiled=compiled, bias=bias)
    ours = GPT.from_pretrained(file)
    assert ours.config.gelu_approximate == "none" and ours.config.bias is bias and ours.config.tie_weights
    assert ours.lm_head.weight is ours.tok_emb.weight  # one tensor, as in nanoGPT
    idx = torch.randint(0, MODEL_ARGS["vocab_size"], (3, MODEL_ARGS["block_size"]))
    with torch.no_grad():
        torch.testing.assert_close(ours(idx)[0], theirs(idx), atol=1e-6, rtol=0)


def test_its_characters_are_found_as_sample_py_finds_them(tmp_path):
    file, _ = nanogpt_run(tmp_path)
    tokenizer = find_tokenizer(file, vocab_size=MODEL_ARGS["vocab_size"])
    assert isinstance(tokenizer, PaddedTokenizer) and isinstance(tokenizer.tokenizer, CharTokenizer)
    assert tokenizer.encode("head, cab") == [CHARS.index(c) for c in "head, cab"]
    assert load_tokenizer(tmp_path / "data" / "shakespeare_char" / "meta.pkl").decode([10, 5]) == "ha"


def test_a_padded_vocabulary_reads_ids_past_the_characters_as_ids(tmp_path):
    file, _ = nanogpt_run(tmp_path, vocab_size=16)  # nanoGPT pads; the characters stop at 10
    tokenizer = find_tokenizer(file, vocab_size=16)
    assert tokenizer.token_texts([10, 15]) == ["h", "<15>"]
    assert tokenizer.decode([10, 15, 5]) == "h<15>a"


def test_params_and_every_view_take_a_nanogpt_checkpoint(tmp_path, cli):
    file, _ = nanogpt_run(tmp_path)
    assert checkpoint_config(file).n_layer == 2
    status, out, err = cli("params", "--checkpoint", file, "--json")
    assert status == 0, err
    status, out, err = cli("attention", "--checkpoint", file, "--text", "ahead", "--head", "0")
    assert status == 0 and "h" in out, err


class Payload:
    """Unpickled, it would run a shell command that creates `marker`."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_hostile_meta_pkl_is_refused_without_running_it(tmp_path, cli):
    file, _ = nanogpt_run(tmp_path)
    marker = tmp_path / "ran"
    meta = tmp_path / "data" / "shakespeare_char" / "meta.pkl"
    meta.write_bytes(pickle.dumps({"stoi": {"a": 0}, "itos": {0: "a"}, "x": Payload(marker)}))
    with pytest.raises(GlassGPTError, match="system") as error:
        find_tokenizer(file)
    assert error.value.key == "plain_pickle_unsafe"
    status, out, err = cli("attention", "--checkpoint", file, "--tokenizer", meta, "--text", "a")
    assert status == 2 and len(err.strip().splitlines()) == 1 and "meta.pkl" in err and not out
    assert not marker.exists()


@pytest.mark.parametrize("meta", [{"stoi": {"a": 0, "b": 1}, "itos": {0: "a", 1: "c"}},  # not each other's inverse
                                  {"stoi": {"a": 0}}, ["a"], {"stoi": {"ab": 0}, "itos": {0: "ab"}}])
def test_a_meta_pkl_that_is_not_a_vocabulary_is_one_error(tmp_path, meta):
    (tmp_path / "meta.pkl").write_bytes(pickle.dumps(meta))
    with pytest.raises(GlassGPTError) as error:
        load_tokenizer(tmp_path / "meta.pkl")
    assert error.value.fields["file"] == str(tmp_path / "meta.pkl")


def rewrite(file, **changes):
    """Rewrite a ckpt.pt with some of its entries changed."""
    torch.save({**torch.load(file, weights_only=True), **changes}, file)


def test_model_args_that_are_not_nanogpts_are_one_error_naming_them(tmp_path):
    file, _ = nanogpt_run(tmp_path)
    rewrite(file, model_args=[2, 2, 16])
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(file)
    assert error.value.key == "checkpoint_pt_config_type"
    assert error.value.fields == {"file": str(file), "type": "list"}
    rewrite(file, model_args={**MODEL_ARGS, "n_inner": 64, "flash": True})
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(file)
    assert error.value.key == "checkpoint_pt_config_fields"
    assert error.value.fields == {"file": str(file), "unknown": "'n_inner', 'flash'",
                                  "known": "n_layer, n_head, n_embd, block_size, bias, vocab_size, dropout"}


def test_a_model_entry_that_is_not_a_state_dict_is_one_error(tmp_path):
    file, _ = nanogpt_run(tmp_path)
    rewrite(file, model={"transformer.wte.weight": [1.0, 2.0]})
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(file)
    assert error.value.key == "checkpoint_pt_unknown" and error.value.fields["file"] == str(file)
    assert "transformer.wte.weight" in error.value.fields["found"]


def test_a_config_passed_is_held_against_the_files_model_args(tmp_path):
    file, _ = nanogpt_run(tmp_path)
    stored = GPT.from_pretrained(file).config
    assert GPT.from_pretrained(file, stored).config == stored
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(file, stored.replace(n_embd=32))
    assert error.value.key == "checkpoint_config_conflict"
    assert error.value.fields == {"file": str(file), "field": "n_embd", "stored": "16", "given": "32"}


@pytest.mark.parametrize("training", ["shakespeare_char", ["dataset"], None])
def test_training_settings_that_are_not_a_dict_name_no_dataset(tmp_path, training):
    file, _ = nanogpt_run(tmp_path)
    rewrite(file, config=training)
    assert GPT.from_pretrained(file).config.n_layer == MODEL_ARGS["n_layer"]
    assert find_tokenizer(file) is None


@pytest.mark.parametrize("dataset", ["..", "../elsewhere", "/tmp", ".", 7])
def test_a_dataset_name_never_leaves_the_data_folder(tmp_path, dataset):
    """nanoGPT's sample.py reads data/<dataset>/meta.pkl; a dataset named as a path (or "..") finds nothing,
    though a meta.pkl lies where that path would lead."""
    file, _ = nanogpt_run(tmp_path)
    meta = (tmp_path / "data" / "shakespeare_char" / "meta.pkl").read_bytes()
    for folder in (tmp_path, tmp_path / "elsewhere", tmp_path / "data"):
        folder.mkdir(exist_ok=True)
        (folder / "meta.pkl").write_bytes(meta)
    rewrite(file, config={"dataset": dataset})
    assert find_tokenizer(file) is None


def test_meta_ids_past_the_models_vocabulary_are_refused(tmp_path):
    file, _ = nanogpt_run(tmp_path, vocab_size=8)  # 11 characters for 8 rows
    with pytest.raises(GlassGPTError) as error:
        find_tokenizer(file, vocab_size=8)
    assert error.value.key == "tokenizer_vocab_too_big"


def test_a_ckpt_pt_that_would_run_code_is_one_line(tmp_path, cli):
    file, _ = nanogpt_run(tmp_path)
    marker = tmp_path / "ran"
    stored = torch.load(file, weights_only=True)
    torch.save({**stored, "config": {"dataset": "shakespeare_char", "hook": Payload(marker)}}, file)
    status, out, err = cli("full", "--checkpoint", file)
    assert status == 2 and len(err.strip().splitlines()) == 1 and "system" in err and not out
    assert not marker.exists()


def test_a_shape_error_says_the_shape_the_file_holds(tmp_path):
    """A GPT-2 (Conv1D) file with one weight of the wrong width: the message gives the file's own shape."""
    model = GPT(GPTConfig.from_preset("tiny"))
    tensors = hf_tensors(model.config, model.state_dict())
    d = model.config.n_embd
    tensors["transformer.h.0.mlp.c_fc.weight"] = torch.zeros(d, 4 * d + 1)  # Conv1D: (in, out)
    (tmp_path / "m").mkdir()
    save_file(tensors, tmp_path / "m" / "model.safetensors")
    (tmp_path / "m" / "config.json").write_text(json.dumps(config_to_hf(model.config, torch.float32)))
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(tmp_path / "m")
    assert error.value.fields["got"] == str((d, 4 * d + 1)) and error.value.fields["expected"] == str((d, 4 * d))
