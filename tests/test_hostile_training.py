"""Training under attack, as a careless or hostile user would run it: data that is not a file or has no end, an
--out that holds someone's own files or sits on a disk that will not take it, a damaged or foreign training state,
SIGTERM in the middle of a run. Each ends as one error (one line and exit 2 from the CLI), with every file that was
there before byte for byte intact, and no step of training done in vain."""

import json
import math
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
import torch

from glassgpt import GPT, GlassGPTError, GPTConfig
from glassgpt.analysis import largest_period, repeated_random_tokens
from glassgpt.config import MAX_SEED, Replaceable
from glassgpt.training import (
    MAX_DATA_BYTES, TRAINING_STATE, TrainSettings, load_task, read_text, resume, train,
)

SMALL = dict(steps=6, batch_size=4, seq_len=16, n_layer=2, n_head=2, n_embd=16, vocab_size=12, min_period=3,
             max_period=7, warmup_steps=2)
TEXT = "the quick brown fox jumps over the lazy dog\n" * 4


def files_of(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))}


def run_cli(*args, timeout=120, **popen):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[1] / "src"), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "glassgpt", *map(str, args)], capture_output=True, text=True,
                          env={**env, "LANG": "C.UTF-8"}, timeout=timeout, **popen)


def one_line(result) -> str:
    assert result.returncode == 2 and not result.stdout, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


# --- the data: read once, regular files only, bounded ----------------------------------------------------------

def test_a_fifo_as_training_data_is_refused_at_once(tmp_path):
    fifo = tmp_path / "data.txt"
    os.mkfifo(fifo)  # no writer: a blocking open would wait forever
    line = one_line(run_cli("train", "--data", fifo, "--out", tmp_path / "run", "--steps", 2, timeout=60))
    assert "not a regular file" in line
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom", "."])
def test_dev_zero_as_training_data_is_refused_without_reading_it(path):
    with pytest.raises(GlassGPTError) as error:
        read_text(path)
    assert error.value.key == "train_data_not_file"


def test_training_data_past_the_bound_is_refused(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(MAX_DATA_BYTES + 1)  # sparse: nothing written, nothing read
    with pytest.raises(GlassGPTError) as error:
        read_text(big)
    assert error.value.key == "train_data_too_big" and str(MAX_DATA_BYTES) in str(error.value)
    exact = tmp_path / "exact.txt"
    exact.write_bytes(b"a" * 1000)
    assert read_text(exact) == "a" * 1000


def test_an_empty_data_file_says_it_is_empty(tmp_path, cli):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(GlassGPTError) as error:
        train(TrainSettings(**SMALL, task="text", data=str(empty)), tmp_path / "run")
    assert error.value.key == "train_data_empty"
    status, out, err = cli("train", "--data", empty, "--out", tmp_path / "run")
    assert status == 2 and "empty" in err and "vocab_size" not in err and len(err.strip().splitlines()) == 1


def test_train_mode_reads_the_data_once(tmp_path, cli, monkeypatch):
    import glassgpt.training as training

    data = tmp_path / "poem.txt"
    data.write_text(TEXT, encoding="utf-8")
    reads = []
    real = training.read_text
    monkeypatch.setattr(training, "read_text", lambda file: reads.append(file) or real(file))
    status, out, err = cli("train", "--data", data, "--out", tmp_path / "run", "--steps", 2)
    assert status == 0, err
    assert len(reads) == 1
    task = load_task(TrainSettings(**SMALL, task="text", data=str(data)))
    assert task.text == TEXT and task.tokenizer.vocab_size == len(set(TEXT))


# --- one replace, one validation style, one seed -------------------------------------------------------------

def test_one_replace_for_every_settings_class():
    assert GPTConfig.replace is TrainSettings.replace is Replaceable.replace
    for value, owner in ((GPTConfig(), "GPTConfig"), (TrainSettings(), "TrainSettings")):
        with pytest.raises(GlassGPTError) as error:
            value.replace(nonsense=1)
        assert error.value.key == "unknown_field" and owner in str(error.value)


@pytest.mark.parametrize("field", ["n_layer", "steps", "seq_len"])
@pytest.mark.parametrize("value,key", [(0, "config_not_positive"), (2.0, "config_not_int"), (True, "config_not_int")])
def test_whole_numbers_are_checked_the_same_way_in_both(field, value, key):
    owner = GPTConfig if field == "n_layer" else TrainSettings
    with pytest.raises(GlassGPTError) as error:
        owner().replace(**{field: value})
    assert error.value.key == key


def test_the_period_bound_is_one_formula_and_every_period_it_allows_can_be_drawn():
    settings = TrainSettings(**SMALL)
    largest = largest_period(settings.seq_len + 1, settings.vocab_size, random_start=True)
    settings = settings.replace(max_period=largest)  # allowed
    for random_start in (False, True):  # what training draws at that bound works in both phases
        rows = repeated_random_tokens(8, settings.seq_len + 1, settings.vocab_size, largest, largest,
                                      torch.Generator().manual_seed(0), random_start)
        assert rows.idx.shape == (8, settings.seq_len + 1)
    with pytest.raises(GlassGPTError) as error:
        settings.replace(max_period=largest + 1)
    assert error.value.key == "repeat_periods"


@pytest.mark.parametrize("seed", ["-1", str(MAX_SEED + 1), "x"])
def test_a_bad_seed_is_the_same_error_in_train_as_in_every_other_mode(seed, tmp_path, cli):
    results = [cli(mode, "--seed", seed, *extra) for mode, extra in (
        ("train", ("--out", tmp_path / "run")), ("generate", ()), ("attention", ()))]
    errors = {err for _, _, err in results}
    assert all(status == 2 for status, _, _ in results) and len(errors) == 1, results
    assert not (tmp_path / "run").exists()


# --- --out checked before any step --------------------------------------------------------------------------

def test_a_folder_of_the_users_own_files_is_refused_before_the_first_step(tmp_path, cli):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "todo.txt").write_text("mine")
    before, steps = files_of(folder), []
    with pytest.raises(GlassGPTError) as error:
        train(TrainSettings(**SMALL), folder, progress=steps.append)
    assert error.value.key == "checkpoint_folder_foreign" and steps == []
    start = time.perf_counter()
    status, out, err = cli("train", "--out", folder, "--steps", 100000)  # would take minutes if it trained first
    assert status == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert time.perf_counter() - start < 30
    assert files_of(folder) == before


@pytest.mark.parametrize("config,weights", [
    ('{"theme": "dark"}', b"my own bytes"),  # named like a checkpoint, by a settings program
    (None, b"my own bytes"),  # a real config.json, weights that are not a safetensors file
    (None, "other"),  # a real config.json, the weights of another model
])
def test_a_folder_is_replaced_only_when_it_is_a_checkpoint_by_its_contents(tmp_path, config, weights):
    folder, other = tmp_path / "run", tmp_path / "other"
    GPT(GPTConfig.from_preset("tiny")).save_pretrained(other)
    folder.mkdir()
    (folder / "config.json").write_bytes(config.encode() if config else (other / "config.json").read_bytes())
    if weights == "other":
        GPT(GPTConfig.from_preset("tiny", vocab_size=33)).save_pretrained(tmp_path / "third")
        weights = (tmp_path / "third" / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(weights)
    before, steps = files_of(folder), []
    with pytest.raises(GlassGPTError) as error:
        train(TrainSettings(**SMALL), folder, progress=steps.append)
    assert error.value.key == "checkpoint_folder_not_ours" and steps == []
    assert files_of(folder) == before


def test_a_run_saved_before_is_replaced(tmp_path):
    train(TrainSettings(**SMALL), tmp_path / "run")
    result = train(TrainSettings(**SMALL, seed=1), tmp_path / "run")
    assert result.step == SMALL["steps"] and (tmp_path / "run" / TRAINING_STATE).is_file()


def test_a_read_only_out_is_refused_before_the_first_step_and_the_old_run_is_whole(small_mount, cli):
    folder = small_mount / "run"
    train(TrainSettings(**SMALL), folder)
    before = files_of(folder)
    subprocess.run(["mount", "-o", "remount,ro", str(small_mount)], check=True)
    for call in (lambda progress: train(TrainSettings(**SMALL), folder, progress=progress),
                 lambda progress: resume(folder, steps=12, progress=progress)):
        steps = []
        with pytest.raises(GlassGPTError) as error:
            call(steps.append)
        assert error.value.key == "checkpoint_save_failed" and "Read-only" in str(error.value) and steps == []
    status, out, err = cli("train", "--out", folder / "new")
    assert status == 2 and "Read-only" in err and len(err.strip().splitlines()) == 1
    assert files_of(folder) == before


def test_a_full_disk_at_the_save_is_one_error_and_the_old_run_is_whole(small_mount, cli):
    folder = small_mount / "run"
    train(TrainSettings(**SMALL), folder)
    before = files_of(folder)
    big = dict(SMALL, n_embd=64, vocab_size=200, steps=1)  # ~0.5 MB of weights and AdamW state: past 256 KiB
    with pytest.raises(GlassGPTError) as error:
        train(TrainSettings(**big), folder)
    assert error.value.key == "checkpoint_save_failed"
    status, out, err = cli("train", "--out", folder, "--steps", 1)  # the default model: ~1 MB with its state
    lines = err.strip().splitlines()  # the progress bar, then the one error line
    assert status == 2 and "Traceback" not in err and "No space left" in lines[-1], err
    assert [line for line in lines if "error" in line] == lines[-1:]
    assert files_of(folder) == before
    assert [name for name in os.listdir(small_mount) if name.startswith(".glassgpt-")] == []


# --- --resume: a foreign or damaged training state is one error -----------------------------------------------

@pytest.fixture
def saved_run(tmp_path):
    folder = tmp_path / "run"
    train(TrainSettings(**SMALL), folder)
    return folder


def _tamper(folder: Path, change) -> None:
    state = torch.load(folder / TRAINING_STATE, weights_only=True)
    change(state)
    torch.save(state, folder / TRAINING_STATE)


def test_a_training_state_of_another_width_is_refused(saved_run, tmp_path, cli):
    wide = tmp_path / "wide"
    train(TrainSettings(**{**SMALL, "n_embd": 32}), wide)
    (saved_run / TRAINING_STATE).write_bytes((wide / TRAINING_STATE).read_bytes())
    with pytest.raises(GlassGPTError) as error:
        resume(saved_run, steps=12)
    assert error.value.key == "train_state_other_model"
    status, out, err = cli("train", "--out", saved_run, "--resume", "--steps", 12)
    assert status == 2 and len(err.strip().splitlines()) == 1 and "n_embd=32" in err


def test_optimizer_moments_of_other_shapes_are_refused(saved_run, tmp_path):
    wide = tmp_path / "wide"
    train(TrainSettings(**{**SMALL, "n_embd": 32}), wide)
    theirs = torch.load(wide / TRAINING_STATE, weights_only=True)["optimizer"]
    _tamper(saved_run, lambda state: state.update(optimizer=theirs))  # the settings still say this model's width
    with pytest.raises(GlassGPTError) as error:
        resume(saved_run, steps=12)
    assert error.value.key == "checkpoint_damaged"


@pytest.mark.parametrize("change", [
    lambda state: state.update(generator=torch.zeros(7, dtype=torch.uint8)),  # a damaged generator state
    lambda state: state.update(generator="seed"),
    lambda state: state.update(step=-1e12),
    lambda state: state.update(step=-10**12),
    lambda state: state.update(step=True),
    lambda state: state.update(optimizer="adam"),  # an optimizer state of the wrong type
    lambda state: state.update(optimizer=[1, 2, 3]),
    lambda state: state.update(optimizer={"state": {}, "param_groups": "x"}),
    lambda state: state.update(optimizer={"state": {0: {"step": 1}}, "param_groups": [{"params": [0]}]}),
    lambda state: state["settings"].update(seed=-5),
    lambda state: state["settings"].update(nonsense=1),
], ids=["generator-bytes", "generator-str", "step-float", "step-negative", "step-bool", "optimizer-str",
        "optimizer-list", "optimizer-groups", "optimizer-too-few", "settings-seed", "settings-field"])
def test_a_damaged_training_state_is_one_error_before_any_step(saved_run, change, cli):
    _tamper(saved_run, change)
    before, steps = files_of(saved_run), []
    with pytest.raises(GlassGPTError) as error:
        resume(saved_run, steps=12, progress=steps.append)
    assert error.value.key == "checkpoint_damaged" and steps == []
    status, out, err = cli("train", "--out", saved_run, "--resume", "--steps", 12)
    assert status == 2 and len(err.strip().splitlines()) == 1 and "damaged" in err
    assert files_of(saved_run) == before


# --- SIGTERM saves the run as Ctrl-C does ---------------------------------------------------------------------

@pytest.mark.parametrize("sent,status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_sigterm_during_training_saves_the_run_like_ctrl_c(tmp_path, sent, status):
    folder = tmp_path / "run"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[1] / "src"), env.get("PYTHONPATH", "")])
    child = subprocess.Popen([sys.executable, "-m", "glassgpt", "train", "--out", str(folder), "--steps", "100000"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**env, "LANG": "C.UTF-8"})
    try:
        first = child.stderr.readline()  # the progress bar's first line: training has begun
        assert "100000" in first, first
        child.send_signal(sent)
        out, err = child.communicate(timeout=120)
    finally:
        child.kill()
    assert child.returncode == status, (out, err)
    assert "Traceback" not in err
    state = torch.load(folder / TRAINING_STATE, weights_only=True)
    assert 1 <= state["step"] < 100000
    GPT.from_pretrained(folder)


def test_the_library_reports_which_signal_stopped_it(tmp_path):
    def stop_after_two(progress):
        if progress.step == 2:
            os.kill(os.getpid(), signal.SIGTERM)

    previous = signal.getsignal(signal.SIGTERM)
    result = train(TrainSettings(**{**SMALL, "steps": 50}), tmp_path / "run", progress=stop_after_two)
    assert result.interrupted and result.stop_signal == signal.SIGTERM and result.step == 2
    assert signal.getsignal(signal.SIGTERM) is previous  # the caller's handler is back
    assert resume(tmp_path / "run", steps=4).step == 4


# --- one name for the written-out / fused switch ------------------------------------------------------------

def test_flash_is_the_one_switch_and_attention_is_a_deprecated_alias(tmp_path):
    assert GPT(GPTConfig.from_preset("tiny", flash=False)).blocks[0].attn.flash is False
    with pytest.warns(DeprecationWarning, match="flash=False"):
        old = GPTConfig.from_preset("tiny", attention="manual")
    assert old == GPTConfig.from_preset("tiny", flash=False) and "attention" not in old.to_dict()
    with pytest.raises(GlassGPTError):
        GPTConfig(flash="no")
    # a folder an older glassgpt saved says "attention": read as flash, silently
    model = GPT(GPTConfig.from_preset("tiny", flash=False))
    model.save_pretrained(tmp_path / "old")
    config = json.loads((tmp_path / "old" / "config.json").read_text())
    assert config["glassgpt"]["flash"] is False
    config["glassgpt"] = {"bias": True, "attention": "manual"}
    (tmp_path / "old" / "config.json").write_text(json.dumps(config))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert GPT.from_pretrained(tmp_path / "old").config.flash is False


def test_the_attention_scale_is_written_once():
    config = GPTConfig.from_preset("tiny")
    assert config.attention_scale == 1 / math.sqrt(config.head_size)
    attn = GPT(config).blocks[0].attn
    q, k, v = (torch.randn(1, config.n_head, 5, config.head_size, generator=torch.Generator().manual_seed(i))
               for i in range(3))
    expected = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)  # PyTorch's own 1/√hs
    torch.testing.assert_close(attn.fused_attention(q, k, v), expected)
    torch.testing.assert_close(attn.written_out_attention(q, k, v), expected)
    source = "".join(p.read_text() for p in (Path(__file__).parents[1] / "src" / "glassgpt").rglob("*.py")
                     if p.name != "mistakes.py")  # the checker's table of wrong scales
    assert source.count("math.sqrt(head_size)") == 1 and "n_embd // config.n_head" not in source


def test_views_put_the_models_mode_back(tmp_path):
    from glassgpt.analysis import lens_logits
    from glassgpt.lab.payload import build_payload

    model = GPT(GPTConfig.from_preset("tiny", dropout=0.1)).train()
    idx = torch.tensor([[1, 2, 3, 4]])
    lens_logits(model, idx)
    build_payload(model, idx)
    assert model.training


def test_a_config_pickled_by_an_older_glassgpt_reads_as_today(tmp_path):
    config = GPTConfig.from_preset("tiny", flash=False)
    old = GPTConfig.__new__(GPTConfig)
    old.__dict__.update({**config.to_dict(), "attention": "manual"})  # as 0.2 pickled it: no flash field
    del old.__dict__["flash"]
    torch.save({"config": old}, tmp_path / "old.pt")
    assert torch.load(tmp_path / "old.pt", weights_only=True)["config"] == config


# --- generation: the memory check where the cache is allocated, prompt ids checked ----------------------------

def test_generate_stream_refuses_what_would_not_fit_before_allocating(monkeypatch):
    import glassgpt.accounting as accounting

    model = GPT(GPTConfig.from_preset("tiny"))
    monkeypatch.setattr(accounting, "available_memory", lambda device="cpu": 20_000)
    idx = torch.zeros(4, 3, dtype=torch.long)
    with pytest.raises(GlassGPTError) as error:
        model.generate_stream(idx, 1000)  # the check runs at the call, before the first token
    assert error.value.key == "not_enough_memory" and "max_new_tokens=1000 batch_size=4" in str(error.value)
    # 4 rows x (8 bytes x 13 tokens + keys and values: 2 x 2 layers x 16 wide x 4 bytes x 14 slots) = 14,752 B
    assert model.generate(idx, 10, temperature=0).shape == (4, 13)


def test_cli_generate_has_no_memory_check_of_its_own():
    source = (Path(__file__).parents[1] / "src" / "glassgpt" / "cli" / "generate.py").read_text()
    assert "require_memory" not in source


@pytest.mark.parametrize("prompt", ["99999999999999999999999", "-99999999999999999999999", "1,64"])
def test_prompt_ids_no_model_has_are_one_line(prompt):
    line = one_line(run_cli("generate", "--preset", "tiny", "--prompt", prompt, timeout=120))
    assert "[0, 63]" in line


def test_random_input_draws_only_ids_the_tokenizer_has(tmp_path, cli):
    from argparse import Namespace

    from glassgpt.cli.generate import prompt_from_args
    from glassgpt.cli.options import drawable_ids, example_input, tokenizer_from_args
    from glassgpt.text import CharTokenizer

    CharTokenizer({"a": 0, "c": 2, "e": 4}).save(tmp_path)  # ids 1 and 3 are nobody's; 5.. pad the model's
    model = GPT(GPTConfig.from_preset("tiny", vocab_size=8))
    args = Namespace(tokenizer=str(tmp_path / "tokenizer.json"), checkpoint=None, seed=0, text=None, prompt=None)
    tokenizer = tokenizer_from_args(args, model)
    assert drawable_ids(model.config, tokenizer).tolist() == [0, 2, 4]
    assert set(example_input(args, model, 8, 16).idx.flatten().tolist()) == {0, 2, 4}
    assert set(prompt_from_args(args, tokenizer, model.config).flatten().tolist()) <= {0, 2, 4}
    assert drawable_ids(model.config, None).tolist() == list(range(8))  # no tokenizer: the draw is unchanged
    status, out, err = cli("ablate", "--preset", "tiny", "--vocab-size", "5", "--tokenizer", tmp_path / "tokenizer.json")
    assert status == 2 and len(err.strip().splitlines()) == 1  # 3 ids cannot make the repeating rows: said so
