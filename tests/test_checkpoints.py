"""Checkpoints: written in Hugging Face GPT-2 format (transformers is the oracle), read back exactly, written
atomically, and every damaged, truncated, missing or mismatched checkpoint is a clear error naming file and tensor.
"""

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

import glassgpt.checkpoints as checkpoints
from conftest import random_hf_gpt2
from glassgpt import GPT, GPTConfig, GlassGPTError

ROOT = Path(__file__).resolve().parents[1]


def random_model(seed=0, **overrides) -> GPT:
    """A small glassgpt model with every parameter random (LayerNorm gains near 1), so that a transposed, swapped
    or dropped tensor changes the logits. n_embd 24 with 3 heads keeps every weight matrix non-square."""
    config = GPTConfig.from_preset("tiny", vocab_size=97, block_size=24, n_embd=24, n_head=3, **overrides)
    torch.manual_seed(seed)
    model = GPT(config)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(1 + 0.3 * torch.randn_like(p) if name.endswith(".weight") and "ln" in name
                    else 0.3 * torch.randn_like(p))
    return model.eval()


def tokens(config, B=2, T=11, seed=1):
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, config.vocab_size, (B, min(T, config.block_size)), generator=generator)


VARIANTS = {
    "gpt2": dict(),
    "untied": dict(tie_weights=False),
    "no-bias": dict(bias=False),
    "no-bias-untied-erf": dict(bias=False, tie_weights=False, gelu_approximate="none"),
}


# --- writing: transformers reads what we write --------------------------------------------------------------------

@pytest.mark.parametrize("overrides", VARIANTS.values(), ids=VARIANTS.keys())
def test_transformers_loads_saved_model_with_equal_logits(tmp_path, overrides):
    from transformers import GPT2LMHeadModel

    model = random_model(**overrides)
    model.save_pretrained(tmp_path)
    hf, info = GPT2LMHeadModel.from_pretrained(tmp_path, output_loading_info=True)
    assert not any(info.values()), info  # no missing, unexpected or mismatched tensor
    assert (hf.lm_head.weight is hf.transformer.wte.weight) == model.config.tie_weights
    idx = tokens(model.config)
    with torch.no_grad():
        torch.testing.assert_close(hf.eval()(idx).logits, model(idx)[0], atol=1e-5, rtol=0)


def test_saved_tensors_equal_what_transformers_writes(tmp_path):
    """transformers' own file -> glassgpt -> our file: the same names, shapes and values, bit for bit."""
    random_hf_gpt2(tmp_path / "hf")
    GPT.from_pretrained(tmp_path / "hf").save_pretrained(tmp_path / "ours")
    theirs, ours = load_file(tmp_path / "hf" / "model.safetensors"), load_file(tmp_path / "ours" / "model.safetensors")
    assert sorted(ours) == sorted(theirs)
    for name in theirs:
        assert torch.equal(ours[name], theirs[name]), name


def test_config_json_has_what_transformers_needs(tmp_path):
    from safetensors import safe_open

    random_model().save_pretrained(tmp_path)
    text = (tmp_path / "config.json").read_text()
    config = json.loads(text)
    assert text == json.dumps(config, indent=2) + "\n"  # laid out as transformers lays out its own, a key a line
    assert config["model_type"] == "gpt2" and config["architectures"] == ["GPT2LMHeadModel"]
    assert config["n_positions"] == config["n_ctx"] == 24
    assert config["bos_token_id"] is None and config["eos_token_id"] is None  # GPT-2's 50256 is not in a 97 vocab
    gpt2 = json.loads(json.dumps(checkpoints.config_to_hf(GPTConfig.from_preset("gpt2"), torch.float32)))
    assert gpt2["eos_token_id"] == 50256 and gpt2["activation_function"] == "gelu_new"
    one_short = checkpoints.config_to_hf(GPTConfig.from_preset("gpt2", vocab_size=50256), torch.float32)
    assert one_short["eos_token_id"] is None  # ids 0..50255: <|endoftext|> (50256) is not one of them
    with safe_open(tmp_path / "model.safetensors", framework="pt") as f:
        assert f.metadata() == {"format": "pt"}  # transformers 4 (and its Flax loader) refuse a file without it


# GPT2Config's own fields, less those of GPT2DoubleHeadsModel's classifier (summary_*), of generation (use_cache,
# pad_token_id) and of cross-attention: everything that says what network GPT2LMHeadModel builds
GPT2_FIELDS = ("vocab_size", "n_positions", "n_embd", "n_layer", "n_head", "n_inner", "activation_function",
               "resid_pdrop", "embd_pdrop", "attn_pdrop", "layer_norm_epsilon", "initializer_range",
               "scale_attn_weights", "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn",
               "tie_word_embeddings", "bos_token_id", "eos_token_id")


def test_config_json_states_every_gpt2_field_as_transformers_does(tmp_path):
    """Every field is written out, with the value transformers' GPT2Config gives it for the same sizes: a reader
    that does not know transformers' defaults (or a transformers with other defaults) builds the same network.
    glassgpt's one dropout is GPT-2's three (embeddings, attention, residual); 0.25 is none of their defaults."""
    from transformers import GPT2Config

    model = random_model(dropout=0.25, layer_norm_eps=1e-6)
    model.save_pretrained(tmp_path)
    ours = json.loads((tmp_path / "config.json").read_text())
    theirs = GPT2Config(vocab_size=97, n_positions=24, n_embd=24, n_layer=2, n_head=3, resid_pdrop=0.25,
                        embd_pdrop=0.25, attn_pdrop=0.25, layer_norm_epsilon=1e-6, bos_token_id=None,
                        eos_token_id=None).to_dict()
    loaded = GPT2Config.from_pretrained(tmp_path)  # and what transformers reads back
    for field in GPT2_FIELDS:
        assert field in ours and ours[field] == theirs[field] == getattr(loaded, field), field


# --- reading back: exact ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("overrides", [*VARIANTS.values(), dict(flash=False, dropout=0.1, layer_norm_eps=1e-6)],
                         ids=[*VARIANTS.keys(), "manual-dropout-eps"])
def test_round_trip_is_bit_for_bit(tmp_path, overrides):
    model = random_model(**overrides)
    model.save_pretrained(tmp_path)
    loaded = GPT.from_pretrained(tmp_path)
    assert loaded.config == model.config  # glassgpt's own fields (bias, attention) survive
    assert (loaded.lm_head.weight is loaded.tok_emb.weight) == model.config.tie_weights  # one tensor, not a copy
    expected = model.state_dict()
    assert loaded.state_dict().keys() == expected.keys()
    for name, tensor in loaded.state_dict().items():
        assert torch.equal(tensor, expected[name]), name


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_round_trip_keeps_dtype(tmp_path, dtype, bias):
    model = random_model(bias=bias).to(dtype)
    model.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["dtype"] == str(dtype).removeprefix("torch.")
    # every tensor in the file has the dtype config.json states, the zero biases of a bias-free model too
    assert {tensor.dtype for tensor in load_file(tmp_path / "model.safetensors").values()} == {dtype}
    loaded = GPT.from_pretrained(tmp_path)
    for name, tensor in loaded.state_dict().items():
        assert tensor.dtype == dtype and torch.equal(tensor, model.state_dict()[name]), name


def test_save_overwrites_and_creates_folders(tmp_path):
    folder = tmp_path / "a" / "b"
    random_model(seed=0).save_pretrained(folder)
    second = random_model(seed=1, tie_weights=False)
    second.save_pretrained(folder)
    assert sorted(os.listdir(folder)) == ["config.json", "model.safetensors"]
    assert torch.equal(GPT.from_pretrained(folder).lm_head.weight, second.lm_head.weight)


def test_pytorch_model_bin_folder_loads(tmp_path):
    hf = random_hf_gpt2(tmp_path, tie_word_embeddings=False)
    torch.save(hf.state_dict(), tmp_path / "pytorch_model.bin")
    (tmp_path / "model.safetensors").unlink()
    model = GPT.from_pretrained(tmp_path)
    idx = tokens(model.config)
    with torch.no_grad():
        torch.testing.assert_close(model(idx)[0], hf(idx).logits, atol=1e-5, rtol=0)


class _RunsCode:
    """A pickle that would create a file when unpickled: what an unsafe torch.load would execute."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")  # torch notes the protocol; refusing is the point
def test_pytorch_model_bin_that_runs_code_is_refused(tmp_path):
    import pickle

    random_hf_gpt2(tmp_path)
    (tmp_path / "model.safetensors").unlink()
    marker = tmp_path / "code-ran"
    with open(tmp_path / "pytorch_model.bin", "wb") as f:
        pickle.dump({"transformer.wte.weight": _RunsCode(marker)}, f)
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(tmp_path)
    assert error.value.key == "checkpoint_damaged" and "pytorch_model.bin" in str(error.value)
    assert not marker.exists()


# --- atomic writing ----------------------------------------------------------------------------------------------

def _save_file_failing_halfway(tensors, filename, metadata=None):
    """safetensors' save_file, as it behaves when the disk fills up: part of the file, then an error."""
    Path(filename).write_bytes(b"partial")
    raise OSError(28, "No space left on device")


def _entries(folder):
    """Every name in the folder and beside it (where a save's temporary siblings would be)."""
    return sorted(os.listdir(folder.parent)), sorted(os.listdir(folder))


@pytest.mark.parametrize("failing", ["weights", "config", "tokenizer"])
def test_crash_mid_write_leaves_old_checkpoint_intact(tmp_path, monkeypatch, failing):
    folder = tmp_path / "ckpt"
    old = random_model(seed=0)
    old.save_pretrained(folder)
    before = {name: (folder / name).read_bytes() for name in os.listdir(folder)}
    entries = _entries(folder)

    class FailingTokenizer:
        def save(self, where):
            (where / "tokenizer.json").write_text("{partial")
            raise OSError(28, "No space left on device")

    tokenizer = None
    if failing == "weights":
        monkeypatch.setattr(checkpoints.saving, "save_file", _save_file_failing_halfway)
    elif failing == "config":
        real_write_text = Path.write_text

        def write_text(self, *args, **kwargs):
            if self.name == "config.json":
                real_write_text(self, "{partial")
                raise OSError(28, "No space left on device")
            return real_write_text(self, *args, **kwargs)
        monkeypatch.setattr(Path, "write_text", write_text)
    else:
        tokenizer = FailingTokenizer()
    with pytest.raises(GlassGPTError, match="No space") as error:  # one clear error, not an OSError traceback
        random_model(seed=1, n_layer=3).save_pretrained(folder, tokenizer=tokenizer)
    assert error.value.key == "checkpoint_save_failed"
    monkeypatch.undo()

    assert _entries(folder) == entries  # no temporary file or folder left, here or beside it
    assert {name: (folder / name).read_bytes() for name in os.listdir(folder)} == before
    idx = tokens(old.config)
    with torch.no_grad():
        assert torch.equal(GPT.from_pretrained(folder)(idx)[0], old(idx)[0])


def test_every_file_gets_the_same_ordinary_mode(tmp_path):
    from glassgpt.text import CharTokenizer

    old_umask = os.umask(0o027)  # an unusual umask, to see that it is the one followed
    try:
        random_model().save_pretrained(tmp_path / "ckpt", tokenizer=CharTokenizer.from_text("abc"))
    finally:
        os.umask(old_umask)
    modes = {name: (tmp_path / "ckpt" / name).stat().st_mode & 0o777 for name in os.listdir(tmp_path / "ckpt")}
    assert sorted(modes) == ["config.json", "model.safetensors", "tokenizer.json"]
    assert set(modes.values()) == {0o640}, modes  # 0666 less the umask, for every file
    assert (tmp_path / "ckpt").stat().st_mode & 0o777 == 0o750


def test_a_new_save_replaces_the_whole_checkpoint(tmp_path):
    """Files of the old checkpoint that the new one does not write (its tokenizer) go with it: a stale tokenizer
    must not sit beside new weights."""
    from glassgpt.text import CharTokenizer

    random_model().save_pretrained(tmp_path, tokenizer=CharTokenizer.from_text("abc"))
    assert (tmp_path / "tokenizer.json").exists()
    random_model(seed=1).save_pretrained(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["config.json", "model.safetensors"]


def test_save_into_a_folder_with_other_files_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(GlassGPTError) as error:
        random_model().save_pretrained(tmp_path)
    assert error.value.key == "checkpoint_folder_foreign" and "notes.txt" in str(error.value)
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(GlassGPTError) as error:
        random_model().save_pretrained(tmp_path / "file")
    assert error.value.key == "checkpoint_save_is_file"


def test_extra_files_are_written_with_the_weights(tmp_path):
    model = random_model()
    optimizer = torch.optim.AdamW(model.parameters())
    model.save_pretrained(tmp_path, files={"optimizer.pt": lambda f: torch.save(optimizer.state_dict(), f)})
    assert sorted(os.listdir(tmp_path)) == ["config.json", "model.safetensors", "optimizer.pt"]
    assert torch.load(tmp_path / "optimizer.pt")["param_groups"][0]["lr"] == optimizer.param_groups[0]["lr"]


def test_save_through_a_symlink_replaces_its_target(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    model = random_model()
    model.save_pretrained(tmp_path / "link")
    assert (tmp_path / "link").is_symlink() and (tmp_path / "real" / "model.safetensors").is_file()
    assert GPT.from_pretrained(tmp_path / "link").config == model.config


# --- damaged, truncated, missing, mismatched ---------------------------------------------------------------------

@pytest.fixture
def saved(tmp_path):
    random_model().save_pretrained(tmp_path)
    return tmp_path


def _rewrite_tensors(folder, change):
    file = folder / "model.safetensors"
    tensors = load_file(file)
    change(tensors)
    save_file(tensors, file, metadata={"format": "pt"})


def _expect(folder, key, file, tensor=None):
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(folder)
    e = error.value
    assert e.key == key, str(e)
    assert e.fields["file"] == str(folder / file) and str(folder / file) in str(e)
    if tensor:
        assert e.fields["tensor"] == tensor and tensor in str(e)
    return e


@pytest.mark.parametrize("kind", [str, Path])
def test_missing_folder(tmp_path, monkeypatch, kind):
    """A path that does not exist and is no hub name is not looked for on the hub, given as a str or a Path."""
    monkeypatch.setattr(checkpoints.hub, "download_from_hub", lambda *a, **k: pytest.fail("looked for on the hub"))
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(kind(tmp_path / "nowhere"))
    assert error.value.key == "checkpoint_not_found" and str(tmp_path / "nowhere") in str(error.value)
    assert "gpt2" in str(error.value)  # says what else it could have been
    assert error.value.fields == {"file": str(tmp_path / "nowhere"), "names": "gpt2, gpt2-medium, gpt2-large, gpt2-xl"}


@pytest.mark.parametrize("file", ["config.json", "model.safetensors"])
def test_missing_file(saved, file):
    (saved / file).unlink()
    _expect(saved, "checkpoint_missing_file", file)


@pytest.mark.parametrize("file", ["config.json", "model.safetensors"])
def test_truncated_file(saved, file):
    data = (saved / file).read_bytes()
    (saved / file).write_bytes(data[: len(data) // 2])
    _expect(saved, "checkpoint_damaged", file)


def test_garbage_weights(saved):
    (saved / "model.safetensors").write_bytes(os.urandom(4096))
    _expect(saved, "checkpoint_damaged", "model.safetensors")


def test_truncated_pytorch_model_bin(saved):
    (saved / "model.safetensors").unlink()
    torch.save({"transformer.wte.weight": torch.zeros(97, 24)}, saved / "pytorch_model.bin")
    data = (saved / "pytorch_model.bin").read_bytes()
    (saved / "pytorch_model.bin").write_bytes(data[: len(data) // 2])
    _expect(saved, "checkpoint_damaged", "pytorch_model.bin")


@pytest.mark.parametrize("change, what", [
    ({"scale_attn_by_inverse_layer_idx": True}, "attention scaling"),  # scores / (layer + 1) as well
    ({"scale_attn_weights": False}, "attention scaling"),  # no 1 / sqrt(head size)
    ({"n_inner": 4 * 24 + 1}, "n_inner=97"),  # an MLP that is not 4x wide
    ({"activation_function": "relu"}, "activation relu"),
])
def test_a_gpt2_config_glassgpt_cannot_compute_is_refused_naming_what(saved, change, what):
    """transformers' GPT2Config has these switches; a model built while ignoring them would compute other logits."""
    config = json.loads((saved / "config.json").read_text())
    (saved / "config.json").write_text(json.dumps({**config, **change}))
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(saved)
    assert error.value.key == "checkpoint_unsupported" and error.value.fields == {"what": what}


def test_a_gpt2_config_that_states_gpt2s_own_choices_loads(saved):
    """The same switches at GPT-2's own values (what transformers writes for GPT-2) are fine."""
    config = json.loads((saved / "config.json").read_text())
    for change in ({"n_inner": 4 * 24}, {"n_inner": None}, {"scale_attn_weights": True},
                   {"scale_attn_by_inverse_layer_idx": False}, {"activation_function": "gelu_new"}):
        (saved / "config.json").write_text(json.dumps({**config, **change}))
        assert GPT.from_pretrained(saved).config.n_embd == 24


@pytest.mark.parametrize("content", [[1, 2], {}, {"transformer.wte.weight": 3}, {0: torch.zeros(2)}],
                         ids=["list", "empty", "not-a-tensor", "not-a-name"])
def test_pytorch_model_bin_that_is_no_state_dict_is_damaged(saved, content):
    """A pickle that loads (weights_only) but is not a dict of names to tensors."""
    (saved / "model.safetensors").unlink()
    torch.save(content, saved / "pytorch_model.bin")
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(saved)
    assert error.value.key == "checkpoint_damaged"
    assert error.value.fields == {"file": str(saved / "pytorch_model.bin")}


@pytest.mark.parametrize("content, key", [
    ("[1, 2]", "checkpoint_damaged"),
    ('{"n_layer": "two", "n_head": 3, "n_embd": 24, "vocab_size": 97, "n_positions": 24}', "config_not_int"),
])
def test_config_of_wrong_form(saved, content, key):
    (saved / "config.json").write_text(content)
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(saved)
    assert error.value.key == key
    if key == "checkpoint_damaged":  # what is wrong with it is the cause, for the traceback
        assert error.value.fields == {"file": str(saved / "config.json")}
        assert str(error.value.__cause__) == "the top level is a list, not an object"


def test_config_lacking_a_field(saved):
    config = json.loads((saved / "config.json").read_text())
    del config["n_layer"]
    (saved / "config.json").write_text(json.dumps(config))
    error = _expect(saved, "checkpoint_config_field", "config.json")
    assert error.fields == {"file": str(saved / "config.json"), "field": "n_layer"}


@pytest.mark.parametrize("field, expected", [
    ("n_positions", dict(block_size=24)),  # the context length under its older name, n_ctx, alone
    ("resid_pdrop", dict(dropout=0.1)),
    ("tie_word_embeddings", dict(tie_weights=True)),
    ("layer_norm_epsilon", dict(layer_norm_eps=1e-5)),
])
def test_a_config_json_lacking_an_optional_field_takes_its_default(tmp_path, field, expected):
    """The defaults are transformers' (GPT2Config read from the same JSON), but for the context length: under its
    older name, n_ctx, glassgpt still finds it, where transformers reads only n_positions (and takes 1024)."""
    from transformers import GPT2Config

    model = random_model(dropout=0.25, layer_norm_eps=1e-6)  # none of the defaults
    model.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    del config[field]
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert GPT.from_pretrained(tmp_path).config == model.config.replace(**expected)
    if field != "n_positions":
        assert getattr(GPT2Config(**config), field) == next(iter(expected.values()))


def test_missing_tensor(saved):
    _rewrite_tensors(saved, lambda t: t.pop("transformer.h.1.mlp.c_fc.weight"))
    _expect(saved, "checkpoint_missing_tensor", "model.safetensors", "transformer.h.1.mlp.c_fc.weight")


def test_unexpected_tensor(saved, monkeypatch):
    """A layer beyond the config's n_layer is found on the names, before the model is built."""
    monkeypatch.setattr(GPT, "__init__", lambda *a, **k: pytest.fail("the model was built"))
    _rewrite_tensors(saved, lambda t: t.update({"transformer.h.2.ln_1.weight": torch.ones(24)}))
    _expect(saved, "checkpoint_unexpected_tensor", "model.safetensors", "transformer.h.2.ln_1.weight")


def test_shape_mismatch(saved):
    _rewrite_tensors(saved, lambda t: t.update({"transformer.wpe.weight": torch.zeros(16, 24)}))
    error = _expect(saved, "checkpoint_shape", "model.safetensors", "transformer.wpe.weight")
    assert error.fields == {"file": str(saved / "model.safetensors"), "tensor": "transformer.wpe.weight",
                            "got": "(16, 24)", "expected": "(24, 24)"}


def test_config_that_does_not_fit_the_weights(saved):
    config = json.loads((saved / "config.json").read_text())
    config["n_embd"] = 48
    (saved / "config.json").write_text(json.dumps(config))
    _expect(saved, "checkpoint_shape", "model.safetensors", "transformer.wte.weight")  # the first it meets


def test_integer_tensor(saved):
    _rewrite_tensors(saved, lambda t: t.update({"transformer.ln_f.weight": torch.ones(24, dtype=torch.int64)}))
    error = _expect(saved, "checkpoint_dtype", "model.safetensors", "transformer.ln_f.weight")
    assert error.fields == {"file": str(saved / "model.safetensors"), "tensor": "transformer.ln_f.weight",
                            "dtype": "torch.int64"}


def test_nonzero_bias_in_a_bias_free_checkpoint(tmp_path):
    """Zero biases stand for "no bias"; a learned one must not be dropped silently."""
    random_model(bias=False).save_pretrained(tmp_path)
    _rewrite_tensors(tmp_path, lambda t: t["transformer.h.0.mlp.c_fc.bias"].fill_(0.5))
    _expect(tmp_path, "checkpoint_unexpected_tensor", "model.safetensors", "transformer.h.0.mlp.c_fc.bias")


FIRST_NAMES = "blocks.0.attn.c_attn.bias, blocks.0.attn.c_attn.weight, blocks.0.attn.c_proj.bias"  # sorted


@pytest.mark.parametrize("change, missing, unexpected", [
    # what a DDP wrapper's state_dict says: every name is missing and unexpected; the first three (sorted) of each
    (lambda state: {"module." + k: v for k, v in state.items()},
     FIRST_NAMES, ", ".join("module." + name for name in FIRST_NAMES.split(", "))),
    (lambda state: {**state, "blocks.2.ln_1.weight": torch.ones(24)}, "-", "blocks.2.ln_1.weight"),
    (lambda state: {k: v for k, v in state.items() if k != "ln_f.bias"}, "ln_f.bias", "-"),
], ids=["ddp-prefix", "one-more", "one-less"])
def test_save_with_a_foreign_state_dict_is_refused(tmp_path, change, missing, unexpected):
    model = random_model()
    with pytest.raises(GlassGPTError) as error:
        model.save_pretrained(tmp_path, state_dict=change(model.state_dict()))
    assert error.value.key == "state_dict_mismatch"
    assert error.value.fields == {"missing": missing, "unexpected": unexpected}
    assert not (tmp_path / "model.safetensors").exists()


# --- the command line: --checkpoint in every mode ------------------------------------------------------------------

def cli(*args):
    return subprocess.run([sys.executable, "model.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_every_mode_runs_from_a_checkpoint(tmp_path):
    random_model(n_layer=3).save_pretrained(tmp_path)
    result = cli("all", "--checkpoint", str(tmp_path), "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert "vocab_size=97 block_size=24 n_layer=3 n_head=3 n_embd=24" in result.stdout


@pytest.mark.parametrize("mode, lang", [("full", "en"), ("full", "zh"), ("all", "zh")])
def test_bad_checkpoint_is_one_line_and_exit_2(tmp_path, mode, lang):
    random_model().save_pretrained(tmp_path)
    data = (tmp_path / "model.safetensors").read_bytes()
    (tmp_path / "model.safetensors").write_bytes(data[:100])
    result = cli(mode, "--checkpoint", str(tmp_path), "--lang", lang)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert str(tmp_path / "model.safetensors") in result.stderr
    assert ("损坏" in result.stderr) == (lang == "zh")


# --- state_dict= is checked before anything is written ------------------------------------------------------------

def test_save_with_wrongly_shaped_state_dict_is_refused_before_writing(tmp_path):
    model = random_model()
    state = dict(model.state_dict())
    state["blocks.1.mlp.c_fc.weight"] = torch.zeros(96, 12)
    with pytest.raises(GlassGPTError) as error:
        model.save_pretrained(tmp_path / "ckpt", state_dict=state)
    assert error.value.key == "state_dict_shape" and "blocks.1.mlp.c_fc.weight" in str(error.value)
    assert "(96, 12)" in str(error.value) and "(96, 24)" in str(error.value)
    assert os.listdir(tmp_path) == []


def test_save_with_another_models_state_dict_writes_that_state(tmp_path):
    """In any order: sorted (as safetensors' load_file gives it), the tied lm_head.weight comes before ln_f,
    pos_emb and tok_emb, and must not end the writing there."""
    model, other = random_model(seed=0), random_model(seed=1)
    model.save_pretrained(tmp_path, state_dict=dict(sorted(other.state_dict().items())))
    for name, tensor in GPT.from_pretrained(tmp_path).state_dict().items():
        assert torch.equal(tensor, other.state_dict()[name]), name


def test_save_with_a_state_dict_holding_a_non_tensor_says_which(tmp_path):
    model = random_model()
    state = {**model.state_dict(), "ln_f.weight": [1.0] * 24}
    with pytest.raises(TypeError, match=r"^state_dict\['ln_f.weight'\] is a list, not a tensor$"):
        model.save_pretrained(tmp_path / "ckpt", state_dict=state)
    assert os.listdir(tmp_path) == []


def test_save_of_a_sharded_model_says_how_to_gather_it(tmp_path, monkeypatch):
    """FSDP2 (one process of gloo here) makes the parameters DTensors: refused, with the call that gathers them;
    and that call, made as the message says, gives a state dict that saves the model exactly."""
    import torch.distributed as dist
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    monkeypatch.setenv("GLOO_SOCKET_IFNAME", "lo")  # nothing beyond this machine
    model = random_model()
    expected = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
    try:
        fully_shard(model, mesh=init_device_mesh("cpu", (1,)))
        with pytest.raises(TypeError) as error:
            model.save_pretrained(tmp_path / "ckpt")
        message = str(error.value)
        assert "sharded (DTensor)" in message and not (tmp_path / "ckpt").exists()
        assert (" with torch.distributed.checkpoint.state_dict.get_model_state_dict(model, options="
                "StateDictOptions(full_state_dict=True, cpu_offload=True)) and pass it as state_dict") in message
        model.save_pretrained(tmp_path / "ckpt", state_dict=get_model_state_dict(
            model, options=StateDictOptions(full_state_dict=True, cpu_offload=True)))
    finally:
        dist.destroy_process_group()
    loaded = GPT.from_pretrained(tmp_path / "ckpt").state_dict()
    assert loaded.keys() == expected.keys() and all(torch.equal(loaded[k], expected[k]) for k in expected)


# --- loading: NaN weights, memory before building ------------------------------------------------------------------

@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_weight_is_refused_naming_the_tensor(saved, value):
    _rewrite_tensors(saved, lambda t: t["transformer.h.1.attn.c_proj.weight"].view(-1)[7].fill_(value))
    _expect(saved, "checkpoint_not_finite", "model.safetensors", "transformer.h.1.attn.c_proj.weight")


@pytest.mark.parametrize("changes", [dict(n_layer=100_000, n_embd=768), dict(n_embd=10_000_000),
                                     dict(vocab_size=10**15)], ids=["n_layer", "n_embd", "vocab_size"])
def test_a_config_too_big_for_memory_fails_before_building(saved, monkeypatch, changes):
    """The model is never built, not even on the meta device: it would take hours (or all memory)."""
    config = json.loads((saved / "config.json").read_text())
    config.update(changes, n_head=1)
    (saved / "config.json").write_text(json.dumps(config))
    monkeypatch.setattr(GPT, "__init__", lambda *a, **k: pytest.fail("the model was built"))
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(saved)
    assert error.value.key == "not_enough_memory", str(error.value)
    assert "available" in str(error.value)


def test_a_config_with_more_layers_than_the_weights_fails_fast(saved, monkeypatch):
    """n_layer 50,000 of width 24 fits in memory (tiny layers), but the weights hold 2: missing layer 2, at once,
    without building 50,000 blocks."""
    config = json.loads((saved / "config.json").read_text())
    config["n_layer"] = 50_000
    (saved / "config.json").write_text(json.dumps(config))
    monkeypatch.setattr(GPT, "__init__", lambda *a, **k: pytest.fail("the model was built"))
    _expect(saved, "checkpoint_missing_tensor", "model.safetensors", "transformer.h.2.ln_1.weight")


def test_a_tied_config_with_a_different_head_is_refused(tmp_path):
    model = random_model(tie_weights=False)
    model.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    config["tie_word_embeddings"] = True
    (tmp_path / "config.json").write_text(json.dumps(config))
    _expect(tmp_path, "checkpoint_unexpected_tensor", "model.safetensors", "lm_head.weight")


# --- course checkpoints (.pt) and plain state dicts ---------------------------------------------------------------

def _course_model(**overrides):
    config = GPTConfig.from_preset("course", vocab_size=40, block_size=32, n_layer=2, n_head=4, n_embd=32,
                                   **overrides)
    torch.manual_seed(0)
    return GPT(config).eval()


def _course_checkpoint(model, file, **extra):
    """What the course's step 3 saves after an epoch: model, optimizer, config, epoch and the char vocabulary."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    idx = torch.randint(0, model.config.vocab_size, (2, 8), generator=torch.Generator().manual_seed(0))
    model.train()
    model(idx, targets=idx)[1].backward()
    optimizer.step()
    model.eval()
    vocab = {c: i for i, c in enumerate(sorted(set("hello world, 你好")))}
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "config": model.config,
                "epoch": 3, "vocab": vocab, **extra}, file)
    return vocab


def test_params_takes_a_course_pt_file_and_reads_it_once(tmp_path, cli, monkeypatch):
    """`params --checkpoint model_epoch3.pt` counts the model the file holds, like every other mode."""
    import glassgpt.checkpoints.resolve as resolve
    from glassgpt.accounting import count_parameters

    model, file = _course_model(), tmp_path / "model_epoch3.pt"
    _course_checkpoint(model, file)
    status, out, err = cli("params", "--checkpoint", file, "--json")
    assert status == 0, err
    assert json.loads(out)["total"] == count_parameters(model.config).total == model.get_num_params(
        non_embedding=False)
    reads = []
    real = resolve.read_weights_file
    monkeypatch.setattr(resolve, "read_weights_file", lambda f: reads.append(f) or real(f))
    status, out, err = cli("components", "--checkpoint", file, "--text", "hello")
    assert status == 0 and len(reads) == 1, err  # the model and its vocabulary from one unpickling


def test_course_checkpoint_loads_with_plain_torch_load_and_from_pretrained(tmp_path):
    """torch >= 2.6 loads with weights_only=True by default: the GPTConfig in the file must be allow-listed."""
    from glassgpt.checkpoints import find_tokenizer
    from glassgpt.text import CharTokenizer

    model, file = _course_model(), tmp_path / "model_epoch3.pt"
    vocab = _course_checkpoint(model, file)
    plain = torch.load(file)  # exactly what the course does
    assert plain["config"] == model.config and isinstance(plain["config"], GPTConfig) and plain["epoch"] == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        plain["config"].n_layer = 5  # still the frozen dataclass, not a look-alike

    loaded = GPT.from_pretrained(file)
    assert loaded.config == model.config and not loaded.training
    for name, tensor in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], tensor), name
    tokenizer = find_tokenizer(file)
    assert isinstance(tokenizer, CharTokenizer) and tokenizer.char_to_id == vocab
    assert tokenizer.decode(tokenizer.encode("hello 你好")) == "hello 你好"


def test_course_checkpoint_of_a_compiled_model(tmp_path):
    """torch.compile's wrapper names every tensor `_orig_mod.<name>`; the course may save that state dict."""
    model = _course_model()
    state = {"_orig_mod." + k: v for k, v in model.state_dict().items()}
    torch.save({"model": state, "config": model.config}, tmp_path / "c.pt")
    assert torch.equal(GPT.from_pretrained(tmp_path / "c.pt").tok_emb.weight, model.tok_emb.weight)


def test_plain_state_dict_of_a_preset_shape_takes_the_preset(tmp_path):
    config = GPTConfig.from_preset("tiny")
    torch.manual_seed(0)
    model = GPT(config)
    torch.save(model.state_dict(), tmp_path / "sd.pt")
    assert GPT.from_pretrained(tmp_path / "sd.pt").config == config
    untied = GPT(config.replace(tie_weights=False))
    torch.save(untied.state_dict(), tmp_path / "untied.pt")
    assert GPT.from_pretrained(tmp_path / "untied.pt").config == config.replace(tie_weights=False)


@pytest.mark.parametrize("config", [
    GPTConfig.from_preset("course", vocab_size=40, block_size=24, n_layer=2, n_head=4, n_embd=32),
    GPTConfig.from_preset("tiny", bias=False),  # the sizes of "tiny", but "tiny" has biases
], ids=["sizes", "no-bias"])
def test_plain_state_dict_of_another_shape_needs_a_config(tmp_path, config):
    torch.manual_seed(0)
    model = GPT(config)
    torch.save(model.state_dict(), tmp_path / "sd.pt")
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(tmp_path / "sd.pt")
    assert error.value.key == "checkpoint_needs_config" and "config=GPTConfig" in str(error.value)
    shapes = f"vocab_size={config.vocab_size} n_embd={config.n_embd} block_size={config.block_size} n_layer=2"
    assert error.value.fields == {"file": str(tmp_path / "sd.pt"), "shapes": shapes}
    loaded = GPT.from_pretrained(tmp_path / "sd.pt", config=model.config)
    assert torch.equal(loaded.blocks[1].mlp.c_fc.weight, model.blocks[1].mlp.c_fc.weight)


def test_state_dict_in_hugging_face_names_as_a_pt_file(tmp_path):
    hf = random_hf_gpt2(tmp_path / "hf", vocab_size=64, n_positions=16, n_layer=2, n_head=2, n_embd=16)
    torch.save(hf.state_dict(), tmp_path / "hf.pt")  # the "tiny" preset's shapes
    model = GPT.from_pretrained(tmp_path / "hf.pt")
    idx = tokens(model.config)
    with torch.no_grad():
        torch.testing.assert_close(model(idx)[0], hf(idx).logits, atol=1e-5, rtol=0)


def _openai_names(model):
    """The model's tensors as OpenAI's original GPT-2 files name them: Hugging Face's, without `transformer.`."""
    return {k.removeprefix("transformer."): v for k, v in checkpoints.hf_tensors(model.config, model.state_dict()).items()}


def _without(state, name):
    return {k: v for k, v in state.items() if k != name}


@pytest.mark.parametrize("names, change, key, fields", [
    # glassgpt's names: a tensor is named as glassgpt names it
    ("glassgpt", lambda t: _without(t, "ln_f.bias"), "checkpoint_missing_tensor", {"tensor": "ln_f.bias"}),
    # glassgpt's names with one of Hugging Face's among them: not taken for glassgpt's pos_emb
    ("glassgpt", lambda t: {("wpe.weight" if k == "pos_emb.weight" else k): v for k, v in t.items()},
     "checkpoint_missing_tensor", {"tensor": "pos_emb.weight"}),
    # OpenAI's names: a tensor of the file is named as the file names it
    ("openai", lambda t: {**t, "wte.weight": torch.zeros(97, 12)}, "checkpoint_shape",
     {"tensor": "wte.weight", "got": "(97, 12)", "expected": "(97, 24)"}),
    ("openai", lambda t: {**t, "wte.weight": t["wte.weight"].long()}, "checkpoint_dtype",
     {"tensor": "wte.weight", "dtype": "torch.int64"}),
    # OpenAI's names are recognised by wte. alone (no block) and by h. alone (no embedding)
    ("openai", lambda t: {k: v for k, v in t.items() if k.startswith(("wte.", "wpe."))}, "checkpoint_missing_tensor",
     {"tensor": "h.0.ln_1.weight"}),
    ("openai", lambda t: _without(t, "wte.weight"), "checkpoint_missing_tensor", {"tensor": "wte.weight"}),
    # Hugging Face's names: a missing tensor is named with its `transformer.`
    ("hf", lambda t: _without(t, "transformer.wte.weight"), "checkpoint_missing_tensor",
     {"tensor": "transformer.wte.weight"}),
], ids=["glassgpt-missing", "glassgpt-with-a-hf-name", "openai-shape", "openai-dtype", "openai-no-blocks",
        "openai-no-wte", "hf-no-wte"])
def test_a_state_dict_file_names_a_bad_tensor_as_the_file_does(tmp_path, names, change, key, fields):
    model = random_model()
    state = {"glassgpt": model.state_dict, "openai": lambda: _openai_names(model),
             "hf": lambda: checkpoints.hf_tensors(model.config, model.state_dict())}[names]()
    torch.save(change(dict(state)), tmp_path / "sd.pt")
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(tmp_path / "sd.pt", config=model.config)
    assert error.value.key == key
    assert error.value.fields == {"file": str(tmp_path / "sd.pt"), **fields}


def test_a_pickle_saved_on_a_gpu_loads_onto_the_cpu(tmp_path, monkeypatch):
    """Its tensors are tagged with the device they were saved from; read here, they are all on the CPU (a GPU
    this machine lacks is no error)."""
    model = _course_model()
    with monkeypatch.context() as patch:
        patch.setattr(torch.serialization, "location_tag", lambda storage: "cuda:0")  # as torch.save on a GPU
        torch.save({"model": model.state_dict(), "config": model.config}, tmp_path / "gpu.pt")
    assert b"cuda:0" in (tmp_path / "gpu.pt").read_bytes()
    stored = checkpoints.read_weights_file(tmp_path / "gpu.pt")
    assert {tensor.device.type for tensor in stored["model"].values()} == {"cpu"}
    assert torch.equal(GPT.from_pretrained(tmp_path / "gpu.pt").tok_emb.weight, model.tok_emb.weight)


def test_a_pickle_named_safetensors_is_not_unpickled(tmp_path):
    """A .safetensors file is read as safetensors and nothing else: a torch.save pickle under that name (which
    torch.load would read) is damaged."""
    model = _course_model()
    torch.save({"model": model.state_dict(), "config": model.config}, tmp_path / "w.safetensors")
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(tmp_path / "w.safetensors")
    assert error.value.key == "checkpoint_damaged"
    assert error.value.fields == {"file": str(tmp_path / "w.safetensors")}


def test_safetensors_file_of_a_state_dict(tmp_path):
    model = _course_model()
    save_file({k: v.contiguous() for k, v in model.state_dict().items() if k != "lm_head.weight"},
              tmp_path / "w.safetensors")
    loaded = GPT.from_pretrained(tmp_path / "w.safetensors", config=model.config)
    assert torch.equal(loaded.lm_head.weight, model.lm_head.weight)


@pytest.mark.parametrize("read", [GPT.from_pretrained, checkpoints.checkpoint_config],
                         ids=["from_pretrained", "checkpoint_config"])
@pytest.mark.parametrize("kind", ["folder", "pt"])
def test_a_config_that_contradicts_the_file_is_refused(tmp_path, read, kind):
    model = _course_model()
    if kind == "folder":
        model.save_pretrained(tmp_path / "ckpt")
        path, file = tmp_path / "ckpt", tmp_path / "ckpt" / "config.json"
    else:
        torch.save({"model": model.state_dict(), "config": model.config}, tmp_path / "c.pt")
        path = file = tmp_path / "c.pt"
    with pytest.raises(GlassGPTError) as error:
        read(path, config=model.config.replace(n_head=8))
    assert error.value.key == "checkpoint_config_conflict"
    assert error.value.fields == {"file": str(file), "field": "n_head", "stored": "4", "given": "8"}


@pytest.mark.parametrize("content, found", [
    ([1, 2, 3], "list"),
    ({}, "{}"),
    ({"epoch": 3, "loss": 1.5}, "{'epoch': ..., 'loss': ...}"),
    (dict.fromkeys("abcde", 0), "{'a': ..., 'b': ..., 'c': ..., 'd': ..., 'e': ...}"),  # five keys: all of them
    (dict.fromkeys("abcdef", 0), "{'a': ..., 'b': ..., 'c': ..., 'd': ..., 'e': ..., ...}"),  # more: five
    ({"tok_emb.weight": 3, "pos_emb.weight": 4}, "{'tok_emb.weight': ..., 'pos_emb.weight': ...}"),  # no tensors
    # tensors, but not a GPT's: no token embedding, no position embedding, a position embedding that is no matrix
    ({"pos_emb.weight": torch.zeros(4, 2)}, "{'pos_emb.weight': ...}"),
    ({"tok_emb.weight": torch.zeros(4, 2)}, "{'tok_emb.weight': ...}"),
    ({"tok_emb.weight": torch.zeros(4, 2), "pos_emb.weight": torch.zeros(8)},
     "{'tok_emb.weight': ..., 'pos_emb.weight': ...}"),
], ids=["list", "empty-dict", "dict", "five-keys", "six-keys", "not-a-tensor", "no-tok-emb", "no-pos-emb",
        "1d-pos-emb"])
def test_pt_file_that_is_neither_is_one_clear_error(tmp_path, content, found):
    """What the file holds is said in Python's notation, which reads the same in both languages."""
    torch.save(content, tmp_path / "x.pt")
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(tmp_path / "x.pt")
    assert error.value.key == "checkpoint_pt_unknown"
    assert error.value.fields == {"file": str(tmp_path / "x.pt"), "found": found}
    assert str(error.value).endswith(f"it holds {found}") and error.value.message("zh").endswith(f"它包含 {found}")


def test_a_course_checkpoint_with_a_config_glassgpt_cannot_read_says_what_is_wrong_with_it(tmp_path):
    weights = {"tok_emb.weight": torch.zeros(2, 2)}
    torch.save({"model": weights, "config": "gpt2"}, tmp_path / "x.pt")
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(tmp_path / "x.pt")
    assert error.value.key == "checkpoint_pt_config_type"
    assert error.value.fields == {"file": str(tmp_path / "x.pt"), "type": "str"}
    torch.save({"model": weights, "config": {"n_layers": 2, "n_head": 2, "dropout_p": 0.1}}, tmp_path / "x.pt")
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(tmp_path / "x.pt")
    assert error.value.key == "checkpoint_pt_config_fields"
    assert error.value.fields == {"file": str(tmp_path / "x.pt"),
                                  "unknown": "'n_layers', 'dropout_p'",  # n_head is GPTConfig's: not named
                                  "known": ", ".join(f.name for f in dataclasses.fields(GPTConfig))}


def test_course_config_with_an_invalid_value_is_validated_again(tmp_path):
    """Unpickling sets a frozen dataclass's fields without __post_init__: GPTConfig's checks must run anyway."""
    model = _course_model()
    bad = model.config.replace()
    object.__setattr__(bad, "n_head", 5)  # 32 is not divisible by 5
    torch.save({"model": model.state_dict(), "config": bad}, tmp_path / "c.pt")
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(tmp_path / "c.pt")
    assert error.value.key == "config_heads_divide"


class LearnersOwnConfig:  # a class glassgpt does not know: weights_only must refuse it, not run it
    def __init__(self):
        self.n_layer = 2


class LearnersOwnSchedule:  # another one
    pass


def test_pt_file_with_an_unknown_class_is_refused_by_name(tmp_path):
    model = _course_model()
    torch.save({"model": model.state_dict(), "config": LearnersOwnConfig()}, tmp_path / "c.pt")
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(tmp_path / "c.pt")
    assert error.value.key == "checkpoint_unsafe_pickle" and "LearnersOwnConfig" in str(error.value)
    torch.save({"model": model.state_dict(), "config": LearnersOwnConfig(), "schedule": LearnersOwnSchedule()},
               tmp_path / "c.pt")
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(tmp_path / "c.pt")
    assert error.value.key == "checkpoint_unsafe_pickle"
    fields = error.value.fields
    assert fields.keys() == {"file", "names"} and fields["file"] == str(tmp_path / "c.pt")
    # both, sorted: torch's get_unsafe_globals_in_checkpoint gives them in no fixed order, the message in one
    assert fields["names"] == f"{__name__}.LearnersOwnConfig, {__name__}.LearnersOwnSchedule"


def test_damaged_pt_file(tmp_path):
    model = _course_model()
    _course_checkpoint(model, tmp_path / "c.pt")
    data = (tmp_path / "c.pt").read_bytes()
    (tmp_path / "c.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(tmp_path / "c.pt")
    assert error.value.key == "checkpoint_damaged" and str(tmp_path / "c.pt") in str(error.value)


def test_checkpoint_config_reads_no_weights(saved, tmp_path_factory):
    (saved / "model.safetensors").write_bytes(b"not read")
    assert checkpoints.checkpoint_config(saved) == random_model().config
    model, file = _course_model(), tmp_path_factory.mktemp("pt") / "c.pt"
    torch.save({"model": model.state_dict(), "config": model.config}, file)
    assert checkpoints.checkpoint_config(file) == model.config


def test_checkpoint_config_of_a_hub_name_downloads_config_json_alone(tmp_path, monkeypatch):
    """Not the weights (0.5 to 6 GB for GPT-2): of the repository's files, huggingface_hub's own pattern filter
    lets config.json alone through. The hub's "gpt2" is a folder here; snapshot_download copies what passes."""
    import huggingface_hub
    from huggingface_hub.utils import filter_repo_objects

    repository, fetched = tmp_path / "repository", []
    model = random_model()
    model.save_pretrained(repository)

    def snapshot_download(repo_id, *, allow_patterns=None, **kwargs):
        assert repo_id == "gpt2"
        snapshot = tmp_path / "snapshot"
        snapshot.mkdir()
        for name in filter_repo_objects(sorted(os.listdir(repository)), allow_patterns=allow_patterns):
            shutil.copyfile(repository / name, snapshot / name)
            fetched.append(name)
        return str(snapshot)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    monkeypatch.chdir(tmp_path)  # no folder ./gpt2 to take the name's place
    assert checkpoints.checkpoint_config("gpt2") == model.config
    assert fetched == ["config.json"]


@pytest.mark.parametrize("read", [checkpoints.checkpoint_config, lambda path: GPT.from_pretrained(path).config],
                         ids=["checkpoint_config", "from_pretrained"])
def test_a_reader_is_not_held_up_by_another_reader(saved, read):
    """Readers share the folder's lock: asking a checkpoint's config, or loading it, while another process loads
    it (holding the shared lock meanwhile) must not wait for that load to end."""
    from glassgpt.checkpoints.folders import folder_lock

    configs = []
    reader = threading.Thread(target=lambda: configs.append(read(saved)))
    with folder_lock(saved, exclusive=False):  # the other reader, mid-load
        reader.start()
        reader.join(timeout=10)  # a small model loads in well under a second
        waited = reader.is_alive()
    reader.join()
    assert not waited and configs == [random_model().config]


def test_nothing_turns_weights_only_off():
    """A pickle is only ever read with weights_only=True, anywhere in the package."""
    source = ROOT / "src" / "glassgpt"
    for path in source.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "weights_only=False" not in text and "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD" not in text, path


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_cli_takes_a_course_pt_file_and_says_what_is_wrong_with_a_bad_one(tmp_path, lang):
    model = _course_model()
    _course_checkpoint(model, tmp_path / "model_epoch3.pt")
    result = cli("full", "--checkpoint", str(tmp_path / "model_epoch3.pt"), "--lang", lang)
    assert result.returncode == 0, result.stderr
    assert "vocab_size=40 block_size=32 n_layer=2 n_head=4 n_embd=32" in result.stdout
    torch.save({"epoch": 3}, tmp_path / "not_a_checkpoint.pt")
    result = cli("full", "--checkpoint", str(tmp_path / "not_a_checkpoint.pt"), "--lang", lang)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert str(tmp_path / "not_a_checkpoint.pt") in result.stderr and "'epoch'" in result.stderr
