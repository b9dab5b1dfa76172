"""GPT.from_pretrained builds on the meta device and takes the file's tensors as its parameters: the same model as
building a random one and copying the weights in (the way before), one copy of the weights in memory."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from glassgpt import GPT, GPTConfig

CONFIG = GPTConfig(vocab_size=37, block_size=16, n_layer=2, n_head=2, n_embd=16, dropout=0.0)


def copied_in(folder):
    """The way before: a randomly initialised model, then load_state_dict copying the saved tensors into it."""
    saved = GPT.from_pretrained(folder)  # only for its tensors and config
    model = GPT(saved.config)
    model.load_state_dict({k: v.clone() for k, v in saved.state_dict().items()})
    return model.to(saved.tok_emb.weight.dtype).eval()


@pytest.mark.parametrize("tie_weights", [True, False])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_loaded_logits_equal_the_copied_in_models_exactly(tmp_path, tie_weights, dtype):
    torch.manual_seed(0)
    GPT(CONFIG.replace(tie_weights=tie_weights)).to(dtype).save_pretrained(tmp_path)
    loaded, before = GPT.from_pretrained(tmp_path), copied_in(tmp_path)
    idx = torch.randint(0, CONFIG.vocab_size, (2, 11), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert torch.equal(loaded(idx)[0], before(idx)[0])
    assert not any(t.is_meta for t in [*loaded.parameters(), *loaded.buffers()])
    assert list(loaded.buffers()) == []  # nothing to rebuild: the causal mask is made by each call
    assert (loaded.lm_head.weight is loaded.tok_emb.weight) == tie_weights  # one tensor, not a copy
    assert {p.dtype for p in loaded.parameters()} == {dtype} and not loaded.training


# VmHWM, this process's own high-water mark: ru_maxrss would start from the parent's, inherited through fork
MEASURE = """
import json, sys
import torch
import glassgpt
def high_water():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
base = high_water()
modules = len(sys.modules)
model = glassgpt.GPT.from_pretrained(sys.argv[1])
peak = high_water()
weights = sum(p.numel() * p.element_size() for p in model.parameters())
print(json.dumps({"above": peak - base, "weights": weights, "modules": len(sys.modules) - modules}))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from Linux's /proc")
def test_loading_holds_the_weights_once(tmp_path):
    """GPT-2 small, random, 475 MiB of float32: the process's peak rises by at most 1.1x the weights' bytes while
    loading (above a process that has imported torch and glassgpt), and building on the meta device imports nothing
    large."""
    torch.manual_seed(0)
    GPT(GPTConfig.from_preset("gpt2")).save_pretrained(tmp_path)
    result = subprocess.run([sys.executable, "-c", MEASURE, str(tmp_path)], capture_output=True, text=True,
                            check=True, timeout=300)
    measured = json.loads(result.stdout)
    assert measured["above"] <= 1.1 * measured["weights"], measured
    assert measured["modules"] < 100, measured  # not torch._dynamo and sympy (about 800 modules)
