"""Checkpoints: written in Hugging Face GPT-2 format (transformers is the oracle), read back exactly, written
atomically, and every damaged, truncated, missing or mismatched checkpoint is a clear error naming file and tensor.
"""

import json
import os
import subprocess
import sys
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
    random_model().save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["model_type"] == "gpt2" and config["architectures"] == ["GPT2LMHeadModel"]
    assert config["n_positions"] == config["n_ctx"] == 24
    assert config["bos_token_id"] is None and config["eos_token_id"] is None  # GPT-2's 50256 is not in a 97 vocab
    gpt2 = json.loads(json.dumps(checkpoints.config_to_hf(GPTConfig.from_preset("gpt2"), torch.float32)))
    assert gpt2["eos_token_id"] == 50256 and gpt2["activation_function"] == "gelu_new"


# --- reading back: exact ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("overrides", [*VARIANTS.values(), dict(attention="manual", dropout=0.1, layer_norm_eps=1e-6)],
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


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_round_trip_keeps_dtype(tmp_path, dtype):
    model = random_model().to(dtype)
    model.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["dtype"] == str(dtype).removeprefix("torch.")
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


@pytest.mark.parametrize("failing", ["weights", "config"])
def test_crash_mid_write_leaves_old_checkpoint_intact(tmp_path, monkeypatch, failing):
    old = random_model(seed=0)
    old.save_pretrained(tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)}

    if failing == "weights":
        monkeypatch.setattr(checkpoints, "save_file", _save_file_failing_halfway)
    else:
        real_write_text = Path.write_text

        def write_text(self, *args, **kwargs):
            if self.parent == tmp_path:
                self.write_bytes(b"{partial")
                raise OSError(28, "No space left on device")
            return real_write_text(self, *args, **kwargs)
        monkeypatch.setattr(Path, "write_text", write_text)
    with pytest.raises(OSError, match="No space"):
        random_model(seed=1, n_layer=3).save_pretrained(tmp_path)
    monkeypatch.undo()

    assert {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)} == before  # no temp files left
    idx = tokens(old.config)
    with torch.no_grad():
        assert torch.equal(GPT.from_pretrained(tmp_path)(idx)[0], old(idx)[0])


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


def test_missing_folder(tmp_path):
    _expect(tmp_path / "nowhere", "checkpoint_not_dir", "")


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


@pytest.mark.parametrize("content, key", [
    ("[1, 2]", "checkpoint_damaged"),
    ('{"n_layer": "two", "n_head": 3, "n_embd": 24, "vocab_size": 97, "n_positions": 24}', "config_not_int"),
])
def test_config_of_wrong_form(saved, content, key):
    (saved / "config.json").write_text(content)
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(saved)
    assert error.value.key == key


def test_config_lacking_a_field(saved):
    config = json.loads((saved / "config.json").read_text())
    del config["n_layer"]
    (saved / "config.json").write_text(json.dumps(config))
    _expect(saved, "checkpoint_config_field", "config.json")


def test_missing_tensor(saved):
    _rewrite_tensors(saved, lambda t: t.pop("transformer.h.1.mlp.c_fc.weight"))
    _expect(saved, "checkpoint_missing_tensor", "model.safetensors", "transformer.h.1.mlp.c_fc.weight")


def test_unexpected_tensor(saved):
    _rewrite_tensors(saved, lambda t: t.update({"transformer.h.2.ln_1.weight": torch.ones(24)}))
    _expect(saved, "checkpoint_unexpected_tensor", "model.safetensors", "transformer.h.2.ln_1.weight")


def test_shape_mismatch(saved):
    _rewrite_tensors(saved, lambda t: t.update({"transformer.wpe.weight": torch.zeros(16, 24)}))
    _expect(saved, "checkpoint_shape", "model.safetensors", "transformer.wpe.weight")


def test_config_that_does_not_fit_the_weights(saved):
    config = json.loads((saved / "config.json").read_text())
    config["n_embd"] = 48
    (saved / "config.json").write_text(json.dumps(config))
    _expect(saved, "checkpoint_shape", "model.safetensors", "transformer.wte.weight")  # the first it meets


def test_integer_tensor(saved):
    _rewrite_tensors(saved, lambda t: t.update({"transformer.ln_f.weight": torch.ones(24, dtype=torch.int64)}))
    _expect(saved, "checkpoint_dtype", "model.safetensors", "transformer.ln_f.weight")


def test_nonzero_bias_in_a_bias_free_checkpoint(tmp_path):
    """Zero biases stand for "no bias"; a learned one must not be dropped silently."""
    random_model(bias=False).save_pretrained(tmp_path)
    _rewrite_tensors(tmp_path, lambda t: t["transformer.h.0.mlp.c_fc.bias"].fill_(0.5))
    _expect(tmp_path, "checkpoint_unexpected_tensor", "model.safetensors", "transformer.h.0.mlp.c_fc.bias")


def test_save_with_a_foreign_state_dict_is_refused(tmp_path):
    model = random_model()
    state = {"module." + k: v for k, v in model.state_dict().items()}  # what a DDP wrapper's state_dict says
    with pytest.raises(GlassGPTError) as error:
        model.save_pretrained(tmp_path, state_dict=state)
    assert error.value.key == "state_dict_mismatch" and "module.blocks.0.attn.c_attn.weight" in str(error.value)
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
