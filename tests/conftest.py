"""Shared fixtures: small configs, random Hugging Face GPT-2 checkpoints to use as an oracle, and determinism.

Determinism: every test starts from the same global random state (torch and Python's `random`), and hypothesis
runs derandomized (the examples of a test follow from its name alone), so a red run replays exactly, on any
machine and under pytest-xdist. `HYPOTHESIS_PROFILE=explore` lets hypothesis search fresh examples instead, to look
for new failures; whatever it finds, it prints with a `@reproduce_failure` blob.
"""

import json
import os
import random
import subprocess

import pytest
import torch
from hypothesis import Phase, settings
from transformers import GPT2Config, GPT2LMHeadModel

from glassgpt import GPTConfig

# One thread per test process. pytest-xdist runs one worker per core, and PyTorch's OpenMP threads spin while they
# wait: with more threads than cores, a step gets 10-15x slower (measured: 440 ms against 25 ms under load).
# Child processes (the CLI through its entry point, the checker's sandbox, torchrun) inherit it from the environment.
os.environ.setdefault("OMP_NUM_THREADS", "1")
torch.set_num_threads(1)

# deadline=None: a 2-core CI machine shared with other jobs makes any per-example time limit flaky
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, print_blob=True)
# under mutation testing (mutmut sets MUTANT_UNDER_TEST) one failing example is enough: no time spent shrinking it
settings.register_profile("mutation", parent=settings.get_profile("ci"),
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "mutation" if "MUTANT_UNDER_TEST" in os.environ else "ci"))


def pytest_collection_modifyitems(items):
    """Under mutation testing, the quickest tests first: mutmut runs a mutant's tests with -x, so the first failure
    ends the run, and a mutant dies as early as it can (mutmut-stats.json, in mutmut's folder, has each test's time)."""
    if "MUTANT_UNDER_TEST" in os.environ and os.path.exists("mutmut-stats.json"):
        with open("mutmut-stats.json", encoding="utf-8") as f:
            seconds = json.load(f)["duration_by_test"]
        items.sort(key=lambda item: seconds.get(item.nodeid, 0.0))


@pytest.fixture(autouse=True)
def seeded_random_state():
    """The same global random state at the start of every test, whatever ran before it (in this process or not).
    Tests still seed what they draw themselves; this keeps the ones that forget (model init, say) replayable."""
    torch.manual_seed(0)
    random.seed(0)


def random_hf_gpt2(folder, *, vocab_size=97, n_positions=24, n_layer=2, n_head=2, n_embd=16,
                   tie_word_embeddings=True, activation_function="gelu_new", seed=0):
    """A transformers GPT2LMHeadModel with *every* parameter random (LayerNorm gains and biases too), saved to
    `folder` with its own save_pretrained. Returns the model in eval mode: the oracle nobody here wrote."""
    hf_config = GPT2Config(
        vocab_size=vocab_size, n_positions=n_positions, n_layer=n_layer, n_head=n_head, n_embd=n_embd,
        tie_word_embeddings=tie_word_embeddings, activation_function=activation_function,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
    )
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(hf_config)
    with torch.no_grad():
        for name, p in model.named_parameters():
            # gains near 1 keep activations in a sensible range; everything else plainly random
            p.copy_(1 + 0.3 * torch.randn_like(p) if name.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight"))
                    else 0.3 * torch.randn_like(p))
    model.save_pretrained(folder)
    return model.eval()


@pytest.fixture
def cli(capsys):
    """glassgpt's real main(argv), in this process -> (exit status, stdout, stderr)."""
    import glassgpt.cli as cli_module

    def run(*argv):
        status = cli_module.main([str(word) for word in argv])
        out, err = capsys.readouterr()
        return status, out, err
    return run


@pytest.fixture
def small_mount(tmp_path):
    """A 256 KiB tmpfs (root only): a disk that fills up, and that can be made read-only."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def tiny_config():
    return GPTConfig.from_preset("tiny")


@pytest.fixture(scope="session")
def induction_run(tmp_path_factory):
    """The default induction run (`glassgpt train --task induction`), seed 0, with its timeline: trained once per
    test process, looked at by several test files."""
    from glassgpt.training import TrainSettings, train

    folder = tmp_path_factory.mktemp("induction") / "run"
    result = train(TrainSettings(seed=0), folder)  # one thread, as this file sets for every worker
    assert not result.interrupted and result.step == TrainSettings().steps
    return folder
