"""The short trainer (glassgpt.training): it grows the structure it promises, and it saves, stops and resumes
honestly."""

import math

import pytest
import torch

from glassgpt import GPT, GlassGPTError
from glassgpt.analysis import head_scores
from glassgpt.checkpoints import find_tokenizer
from glassgpt.text import CharTokenizer
from glassgpt.training import (
    TRAINING_STATE, TrainSettings, induction_batch, learning_rate, resume, text_batch, train,
)

# a model small enough that a handful of steps takes well under a second
SMALL = dict(steps=8, batch_size=4, seq_len=16, n_layer=2, n_head=2, n_embd=16, vocab_size=12, min_period=3,
             max_period=7, warmup_steps=2)


def weights(folder) -> dict[str, torch.Tensor]:
    return GPT.from_pretrained(folder).state_dict()


def same_weights(a, b) -> bool:
    a, b = weights(a), weights(b)
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_the_default_induction_run_grows_an_induction_head_and_the_previous_token_head_before_it(induction_run):
    """The goal of issue 11: with the defaults, an induction head (score >= 0.5) and, in an earlier layer, a
    previous-token head (>= 0.4). Scored on fresh sequences whose period varies, not on training batches."""
    scores = head_scores(GPT.from_pretrained(induction_run), seed=1234)
    induction = scores.top("induction")[0]
    assert induction.score >= 0.5
    assert induction.layer >= 1
    previous = scores.top("previous_token", before_layer=induction.layer)[0]
    assert previous.score >= 0.4


@pytest.mark.parametrize("random_start", [False, True])
def test_induction_batches_repeat_and_leave_what_cannot_be_predicted_out_of_the_loss(random_start):
    settings = TrainSettings(**SMALL)
    idx, targets = induction_batch(settings, torch.Generator().manual_seed(0), random_start)
    assert idx.shape == targets.shape == (4, 16)
    starts = []
    for row, target in zip(idx.tolist(), targets.tolist()):
        # the first target is the token after the first token seen before; P back from it is its earlier copy
        first = next(t for t in range(16) if target[t] != -1)
        assert all(target[t] != -1 for t in range(first, 16))
        period = first - max(j for j in range(first) if row[j] == row[first])
        assert settings.min_period <= period <= settings.max_period
        assert all(row[t] == row[t - period] for t in range(first, 16))  # periodic from its start on
        assert len(set(row[first - period:first])) == period  # a period of distinct tokens
        assert all(token not in row[first - period:first] for token in row[:first - period])  # filler is apart
        assert all(target[t] == row[t + 1] for t in range(first, 15))
        assert target[15] == row[16 - period]  # the last target continues the period too
        starts.append(first - period)
    assert (max(starts) > 0) == random_start


def test_text_batches_are_windows_of_the_text_and_their_next_characters():
    data = torch.arange(100)
    idx, targets = text_batch(data, TrainSettings(**SMALL, task="text", data="x"), torch.Generator().manual_seed(0))
    assert idx.shape == targets.shape == (4, 16)
    assert torch.equal(targets, idx + 1)
    assert torch.equal(idx[:, 1:], idx[:, :-1] + 1)


def test_learning_rate_warms_up_then_decays_to_a_tenth():
    settings = TrainSettings(learning_rate=1e-3, warmup_steps=10, steps=110)
    assert learning_rate(0, settings) == pytest.approx(1e-4)
    assert learning_rate(9, settings) == pytest.approx(1e-3)
    assert learning_rate(60, settings) == pytest.approx(0.55e-3)
    assert learning_rate(110, settings) == pytest.approx(1e-4)
    rates = [learning_rate(s, settings) for s in range(10, 111)]
    assert rates == sorted(rates, reverse=True)


def test_a_seed_makes_a_run_repeatable(tmp_path):
    train(TrainSettings(**SMALL, seed=3), tmp_path / "a")
    train(TrainSettings(**SMALL, seed=3), tmp_path / "b")
    train(TrainSettings(**SMALL, seed=4), tmp_path / "c")
    assert same_weights(tmp_path / "a", tmp_path / "b")
    assert not same_weights(tmp_path / "a", tmp_path / "c")


def test_training_leaves_the_callers_random_state_alone(tmp_path):
    torch.manual_seed(99)
    expected = torch.rand(3)
    torch.manual_seed(99)
    train(TrainSettings(**SMALL), tmp_path / "run")
    assert torch.equal(torch.rand(3), expected)


def test_the_checkpoint_holds_the_model_its_tokenizer_and_a_weights_only_training_state(tmp_path):
    result = train(TrainSettings(**SMALL), tmp_path / "run")
    model = GPT.from_pretrained(tmp_path / "run")
    assert model.config.vocab_size == 12 and model.config.block_size == 16 and model.config.n_layer == 2
    tokenizer = find_tokenizer(tmp_path / "run")
    assert isinstance(tokenizer, CharTokenizer) and tokenizer.vocab_size == 12
    assert tokenizer.decode(range(12)) == "abcdefghijkl"
    state = torch.load(tmp_path / "run" / TRAINING_STATE, weights_only=True)
    assert state["step"] == result.step == 8
    assert state["settings"]["seed"] == 0 and "state" in state["optimizer"]


def test_progress_is_reported_after_every_step(tmp_path):
    seen = []
    result = train(TrainSettings(**SMALL), tmp_path / "run", progress=seen.append)
    assert [p.step for p in seen] == list(range(1, 9))
    assert all(p.steps == 8 and math.isfinite(p.loss) and p.tokens_per_second > 0 for p in seen)
    assert result.loss == seen[-1].loss and result.tokens_per_second > 0


def test_ctrl_c_saves_what_it_has_and_resume_continues_exactly_the_same_run(tmp_path):
    """Interrupted at step 5 of 12 (KeyboardInterrupt from the progress callback, as Ctrl-C would raise it),
    saved, resumed: the same weights, bit for bit, as 12 steps without a stop."""
    settings = TrainSettings(**{**SMALL, "steps": 12})
    train(settings, tmp_path / "straight")

    def stop_at_5(progress):
        if progress.step == 5:
            raise KeyboardInterrupt

    stopped = train(settings, tmp_path / "stopped", progress=stop_at_5)
    assert stopped.interrupted and stopped.step == 5
    assert torch.load(tmp_path / "stopped" / TRAINING_STATE, weights_only=True)["step"] == 5
    GPT.from_pretrained(tmp_path / "stopped")  # a complete checkpoint
    resumed = resume(tmp_path / "stopped")
    assert not resumed.interrupted and resumed.step == 12
    assert same_weights(tmp_path / "straight", tmp_path / "stopped")


def test_resume_can_go_further_than_the_run_first_planned(tmp_path):
    train(TrainSettings(**SMALL), tmp_path / "run")
    before = weights(tmp_path / "run")
    result = resume(tmp_path / "run", steps=11)
    assert result.step == 11 and result.settings.steps == 11
    assert not torch.equal(weights(tmp_path / "run")["tok_emb.weight"], before["tok_emb.weight"])
    assert resume(tmp_path / "run", steps=11).loss is None  # nothing left to do


def test_character_level_training_on_a_chinese_text(tmp_path):
    text = "床前明月光，疑是地上霜。举头望明月，低头思故乡。\n" * 20
    (tmp_path / "poem.txt").write_text(text, encoding="utf-8")
    losses = []
    settings = TrainSettings(**{**SMALL, "steps": 40, "warmup_steps": 5}, task="text", data=str(tmp_path / "poem.txt"))
    train(settings, tmp_path / "run", progress=lambda p: losses.append(p.loss))
    tokenizer = find_tokenizer(tmp_path / "run")
    assert tokenizer.vocab_size == len(set(text))
    assert tokenizer.decode(tokenizer.encode("明月光")) == "明月光"
    assert GPT.from_pretrained(tmp_path / "run").config.vocab_size == len(set(text))
    assert sum(losses[-5:]) / 5 < math.log(len(set(text)))  # better than guessing: it learned something
    assert resume(tmp_path / "run", steps=42).step == 42  # the text is read again and encoded the same way


@pytest.mark.parametrize("changes, match", [
    (dict(task="music"), "task"),
    (dict(task="text"), "text file"),
    (dict(steps=0), "steps"),
    (dict(batch_size=2.0), "batch_size"),
    (dict(learning_rate=0.0), "learning_rate"),
    (dict(weight_decay=float("nan")), "weight_decay"),
    (dict(max_period=40, vocab_size=32), "max_period"),
    (dict(min_period=30), "min_period"),
])
def test_bad_settings_are_refused_with_a_sentence(changes, match):
    with pytest.raises(GlassGPTError, match=match):
        TrainSettings(**changes)


def test_unreadable_or_too_short_text_is_refused(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("café".encode("latin-1") * 50)
    (tmp_path / "short.txt").write_text("hello", encoding="utf-8")
    for name, match in (("missing.txt", "UTF-8"), ("latin1.txt", "UTF-8"), ("short.txt", "at least 17")):
        with pytest.raises(GlassGPTError, match=match):
            train(TrainSettings(**SMALL, task="text", data=str(tmp_path / name)), tmp_path / "run")


def test_resume_without_a_saved_run_says_so(tmp_path):
    with pytest.raises(GlassGPTError, match="no run to resume"):
        resume(tmp_path)
    (tmp_path / TRAINING_STATE).write_bytes(b"not a pickle")
    with pytest.raises(GlassGPTError, match="damaged"):
        resume(tmp_path)


# --- the train mode of the CLI -----------------------------------------------------------------------------------

def test_train_mode_runs_the_librarys_defaults(tmp_path, cli):
    status, out, err = cli("train", "--out", tmp_path / "cli", "--steps", "5")
    assert status == 0, err
    assert "Saved to" in out and "Induction head: layer" in out
    assert "tokens/s" in err and "5/5" in err  # the progress bar, on stderr
    train(TrainSettings(steps=5), tmp_path / "library")
    assert same_weights(tmp_path / "cli", tmp_path / "library")


def test_heads_and_lens_find_what_the_default_run_grew(induction_run, cli):
    """`heads` names the circuit; `lens` shows the model predicting the repeated half of a text it never saw."""
    import json

    status, out, _ = cli("heads", "--checkpoint", induction_run)
    assert status == 0 and "Found an induction circuit: layer 1" in out
    status, out, _ = cli("heads", "--checkpoint", induction_run, "--json")
    assert status == 0
    report = json.loads(out)
    circuit = report["induction_circuit"]
    assert circuit["induction"]["layer"] == 1 and circuit["induction"]["score"] >= 0.5
    assert circuit["previous_token"]["layer"] == 0 and circuit["previous_token"]["score"] >= 0.4
    assert all(len(values) == 2 and len(values[0]) == 2 for values in report["scores"].values())

    text = "qwertyuqwertyu"
    status, out, _ = cli("lens", "--checkpoint", induction_run, "--text", text, "--json")
    assert status == 0
    last = json.loads(out)["predictions"][-1]  # after the last block: positions x top-k
    # in the repeated half, the likeliest next character is the right one: induction at work
    assert [last[i][0]["text"] for i in range(7, 13)] == list(text[8:14])


def test_train_mode_in_chinese_on_a_chinese_text_then_resume(tmp_path, cli):
    poem = tmp_path / "静夜思.txt"
    poem.write_text("床前明月光，疑是地上霜。举头望明月，低头思故乡。\n" * 20, encoding="utf-8")
    status, out, err = cli("train", "--data", poem, "--out", tmp_path / "poem", "--steps", "12", "--lang", "zh")
    assert status == 0, err
    assert "任务：预测" in out and "已保存到" in out and "归纳头" not in out
    assert "第 12/12 步" in err
    status, out, err = cli("train", "--out", tmp_path / "poem", "--resume", "--steps", "15")
    assert status == 0, err
    assert "from step 12 to step 15" in " ".join(out.split())  # the sentence may wrap around the long path
    assert torch.load(tmp_path / "poem" / TRAINING_STATE, weights_only=True)["step"] == 15
    status, out, _ = cli("train", "--out", tmp_path / "poem", "--resume", "--steps", "15")
    assert status == 0 and "already done 15 steps" in " ".join(out.split())


def test_ctrl_c_in_train_mode_saves_and_says_how_to_go_on(tmp_path, cli, monkeypatch):
    from glassgpt.cli import train as train_mode

    def interrupt_at_3(self, progress):
        if progress.step == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(train_mode.ProgressBar, "__call__", interrupt_at_3)
    status, out, _ = cli("train", "--out", tmp_path / "run", "--steps", "50")
    assert status == 130
    assert "Interrupted at step 3 of 50" in out and "--resume" in out
    assert torch.load(tmp_path / "run" / TRAINING_STATE, weights_only=True)["step"] == 3


@pytest.mark.parametrize("argv, match", [
    (["--data", "missing.txt"], "UTF-8"),
    (["--data", "x.txt", "--task", "induction"], "--data"),
    (["--task", "text"], "text file"),
    (["--steps", "0"], "steps"),
    (["--seed", "-1"], "seed"),
    (["--resume"], "no run to resume"),
    (["--resume", "--seed", "3"], "--resume"),
])
def test_bad_train_options_exit_2_with_one_line(tmp_path, cli, argv, match):
    status, out, err = cli("train", "--out", tmp_path / "run", *argv)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and match in err and "Traceback" not in err
