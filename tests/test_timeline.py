"""The timeline a run records (glassgpt.timeline): what each point holds is what the model at that step computes,
it costs the training nothing (same weights, bit for bit), a resumed run extends it, and the phase change is
found where it is.

Oracles: the saved final model's own loss, head scores and attention weights (analysis, inspection), recomputed
here; hand-made curves whose window is known."""

import json
import math

import pytest
import torch

from glassgpt import GPT, GlassGPTError
from glassgpt.analysis import SCORE_NAMES, head_scores
from glassgpt.inspection import attention_weights
from glassgpt.timeline import (HELD_OUT_SEED, SCORE_SEQUENCES, TIMELINE_JSON, TIMELINE_TENSORS, Timeline, contains,
                               phase_change, read_timeline)
from glassgpt.training import TrainSettings, held_out_batch, resume, train

SMALL = dict(steps=8, batch_size=4, seq_len=16, n_layer=2, n_head=2, n_embd=16, vocab_size=12, min_period=3,
             max_period=7, warmup_steps=2)


def same_weights(a, b) -> bool:
    a, b = GPT.from_pretrained(a).state_dict(), GPT.from_pretrained(b).state_dict()
    return all(torch.equal(a[k], b[k]) for k in a)


def test_recording_changes_nothing_in_the_training(tmp_path):
    settings = TrainSettings(**SMALL)
    train(settings, tmp_path / "with")
    train(settings, tmp_path / "without", record=False)
    assert same_weights(tmp_path / "with", tmp_path / "without")
    assert read_timeline(tmp_path / "without") is None and read_timeline(tmp_path / "with") is not None


def test_a_run_records_at_least_40_points_from_its_first_step_to_its_last(tmp_path):
    train(TrainSettings(**{**SMALL, "steps": 100}), tmp_path / "run")
    timeline = read_timeline(tmp_path / "run")
    assert len(timeline.steps) >= 40 and timeline.steps[0] == 0 and timeline.steps[-1] == 100
    assert timeline.steps == sorted(set(timeline.steps))
    assert timeline.train_loss[0] is None and all(math.isfinite(x) for x in timeline.train_loss[1:])
    document = json.loads((tmp_path / "run" / TIMELINE_JSON).read_text(encoding="utf-8"))
    assert document["format"] == "glassgpt-timeline" and document["version"] == 1


def test_each_point_is_what_the_model_of_that_step_computes(tmp_path):
    """The last point, against the saved final model: the held-out copy loss is the model's own loss on the
    held-out batch, the scores are analysis.head_scores, the probe pattern is inspection.attention_weights."""
    settings = TrainSettings(**SMALL)
    train(settings, tmp_path / "run")
    timeline, model = read_timeline(tmp_path / "run"), GPT.from_pretrained(tmp_path / "run").eval()
    idx, targets = held_out_batch(settings)
    with torch.no_grad():
        assert timeline.in_context[-1] == pytest.approx(float(model(idx, targets)[1]), rel=1e-5)
    scores = head_scores(model, n_sequences=SCORE_SEQUENCES, seed=HELD_OUT_SEED)
    for name in SCORE_NAMES:
        torch.testing.assert_close(timeline.scores[name][-1], getattr(scores, name))
    probe = torch.tensor([timeline.probe_ids])
    torch.testing.assert_close(timeline.probe_pattern[-1], attention_weights(model, probe)[:, 0])
    assert timeline.probe_ids == idx[0].tolist()  # the probe is a held-out row
    rows = timeline.probe_pattern.sum(dim=-1)
    torch.testing.assert_close(rows, torch.ones_like(rows))
    assert (timeline.probe_pattern.triu(diagonal=1) == 0).all()


def test_the_held_out_batch_is_not_the_training_batch_and_follows_the_rows_of_the_step():
    settings = TrainSettings(**{**SMALL, "random_start_step": 4})
    early, late = held_out_batch(settings, 0), held_out_batch(settings, 5)
    assert torch.equal(held_out_batch(settings, 1)[0], early[0])  # fixed
    assert not torch.equal(early[0], late[0])  # aligned rows, then rows that start repeating anywhere
    # the copyable targets of an aligned row start right after its first period; a random-start row's later
    assert (early[1][:, 0] == -1).all()


def test_the_text_task_records_olssons_score_late_minus_early_loss(tmp_path):
    (tmp_path / "t.txt").write_text("the cat sat on the mat and the dog sat on the log. " * 30, encoding="utf-8")
    settings = TrainSettings(**{**SMALL, "steps": 6}, task="text", data=str(tmp_path / "t.txt"))
    train(settings, tmp_path / "run")
    timeline, model = read_timeline(tmp_path / "run"), GPT.from_pretrained(tmp_path / "run").eval()
    assert timeline.measure == "icl_score"
    idx, targets = held_out_batch(settings)
    with torch.no_grad():
        loss = torch.nn.functional.cross_entropy(model(idx)[0].transpose(1, 2), targets, reduction="none")
    T = settings.seq_len
    assert timeline.in_context[-1] == pytest.approx(float(loss[:, T - T // 4:].mean() - loss[:, :T // 8].mean()),
                                                    abs=1e-5)


def test_a_resumed_run_extends_its_timeline_as_if_it_never_stopped(tmp_path):
    settings = TrainSettings(**{**SMALL, "steps": 12, "random_start_step": 8})  # the rows change after the stop
    train(settings, tmp_path / "straight")

    def stop_at_5(progress):
        if progress.step == 5:
            raise KeyboardInterrupt

    train(settings, tmp_path / "stopped", progress=stop_at_5)
    assert read_timeline(tmp_path / "stopped").steps == [0, 1, 2, 3, 4, 5]
    resume(tmp_path / "stopped")
    a, b = read_timeline(tmp_path / "straight"), read_timeline(tmp_path / "stopped")
    assert a.steps == b.steps == list(range(13))
    assert a.in_context == b.in_context and a.held_out == b.held_out == [0] * 8 + [1] * 5
    torch.testing.assert_close(a.probe_pattern, b.probe_pattern, atol=0, rtol=0)
    # the training loss of a point is the mean since the point before: the same, except where the stop fell
    assert a.train_loss[:5] == b.train_loss[:5] and a.train_loss[6:] == b.train_loss[6:]


def test_folders_without_a_timeline_have_none_and_damaged_ones_are_refused(tmp_path):
    assert read_timeline(tmp_path) is None
    train(TrainSettings(**SMALL), tmp_path / "run")
    (tmp_path / "run" / TIMELINE_TENSORS).write_bytes(b"not safetensors")
    with pytest.raises(GlassGPTError, match="not a timeline"):
        read_timeline(tmp_path / "run")
    (tmp_path / "run" / TIMELINE_JSON).write_text('{"format": "glassgpt-timeline", "version": 99}')
    with pytest.raises(GlassGPTError, match="version 99"):
        read_timeline(tmp_path / "run")


# --- the phase change ----------------------------------------------------------------------------------------------

def made_up(score: list[float], measure: list[float], held: list[int] | None = None) -> Timeline:
    P = len(score)
    induction = torch.tensor(score).reshape(P, 1, 1).expand(P, 2, 2).clone()
    induction[:, 0, 1] = 0.05
    scores = {name: torch.zeros(P, 2, 2) for name in SCORE_NAMES} | {"induction": induction}
    return Timeline("induction", "copy_loss", 10, 32, [10 * i for i in range(P)], [None] * P, measure,
                    held or [0] * P, scores, [0, 1], torch.zeros(P, 2, 2, 2, 2))


def test_the_window_is_the_rise_from_10_to_90_percent_of_the_way_up():
    score = [0.1, 0.1, 0.12, 0.2, 0.5, 0.8, 0.9, 0.92, 0.9]  # low 0.1, high 0.92: 10% 0.182, 90% 0.838
    measure = [3.0, 3.0, 2.9, 2.5, 1.2, 0.4, 0.3, 0.2, 0.2]
    change = phase_change(made_up(score, measure))
    assert (change.start, change.end) == (20, 60)
    assert change.fastest == (30, 40) and contains(change, change.fastest)
    assert change.share == pytest.approx((2.9 - 0.3) / (3.0 - 0.2)) and change.improved


def test_a_measure_that_improved_elsewhere_is_said_not_to_improve_in_the_window():
    score = [0.1, 0.1, 0.1, 0.1, 0.1, 0.6, 0.9, 0.9]
    measure = [3.0, 1.0, 0.5, 0.4, 0.4, 0.4, 0.35, 0.3]
    change = phase_change(made_up(score, measure))
    assert (change.start, change.end) == (40, 60) and not change.improved
    assert not contains(change, change.fastest)


def test_a_change_of_held_out_rows_is_no_fall_of_the_measure():
    """After the rows change kind (a new held-out batch), the measure jumps and falls again; that fall is not
    compared with the phase change's."""
    score = [0.1, 0.1, 0.5, 0.9, 0.9, 0.9, 0.9]
    measure = [3.0, 2.9, 1.5, 0.5, 2.5, 0.3, 0.2]
    change = phase_change(made_up(score, measure, [0, 0, 0, 0, 1, 1, 1]))
    assert change.fastest == (10, 20) or change.fastest == (20, 30)
    assert contains(change, change.fastest) and change.share == pytest.approx((2.9 - 0.5) / (3.0 - 0.5))


def test_no_rise_no_phase_change():
    assert phase_change(made_up([0.1, 0.15, 0.2, 0.18], [3.0, 2.0, 1.0, 0.5])) is None


def test_on_the_default_run_the_window_holds_the_fastest_fall_of_the_copy_loss(induction_run):
    """Issue 19, on one seed (benchmarks/bench_circuits.py runs five): the window timeline finds contains the
    interval where the held-out copy loss falls fastest, and most of its fall happens there."""
    timeline = read_timeline(induction_run)
    assert len(timeline.steps) >= 40
    change = phase_change(timeline)
    assert change is not None and contains(change, change.fastest) and change.improved
    assert change.score_after - change.score_before >= 0.5


# --- `glassgpt timeline` ----------------------------------------------------------------------------------------------

def test_timeline_mode_says_the_window_and_that_copying_improved_in_it(induction_run, cli, tmp_path):
    import json

    status, out, err = cli("timeline", "--checkpoint", induction_run, "--plot", tmp_path / "formed.png")
    assert status == 0, err
    change = phase_change(read_timeline(induction_run))
    flat = " ".join(out.split())
    assert f"between steps {change.start} and {change.end}" in flat and "improved exactly when" in flat
    assert (tmp_path / "formed.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    status, out, _ = cli("timeline", "--checkpoint", induction_run, "--json")
    report = json.loads(out)
    assert report["phase_change"]["start"] == change.start and report["phase_change"]["improved"] is True
    assert report["steps"] == read_timeline(induction_run).steps
    status, out, _ = cli("timeline", "--checkpoint", induction_run, "--lang", "zh")
    assert status == 0 and "上下文学习恰好在归纳头形成时变好" in "".join(out.split())


@pytest.mark.parametrize("lang, match", [("en", "only runs of `glassgpt train` record"),
                                         ("zh", "的训练会记录时间线")])
def test_a_folder_without_a_timeline_is_said_in_one_line(tmp_path, cli, capsys, lang, match):
    from conftest import random_hf_gpt2

    random_hf_gpt2(tmp_path / "hf")
    capsys.readouterr()  # what transformers said while writing it
    status, out, err = cli("timeline", "--checkpoint", tmp_path / "hf", "--lang", lang)
    assert status == 2 and out == "" and len(err.strip().splitlines()) == 1 and match in err
    status, _, err = cli("timeline")
    assert status == 2 and "--checkpoint" in err


def test_a_model_too_small_to_score_records_its_losses_and_null_scores(tmp_path, cli):
    """Two distinct characters cannot make a repeating sequence of 4 distinct tokens: no head score, and still a
    timeline and a `timeline` report."""
    (tmp_path / "ab.txt").write_text("abababbbaaababab" * 20, encoding="utf-8")
    settings = TrainSettings(**{**SMALL, "steps": 4}, task="text", data=str(tmp_path / "ab.txt"))
    train(settings, tmp_path / "run")
    timeline = read_timeline(tmp_path / "run")
    assert timeline.best("induction") == [None] * 5 and phase_change(timeline) is None
    assert all(math.isfinite(x) for x in timeline.in_context)
    status, out, err = cli("timeline", "--checkpoint", tmp_path / "run", "--json", "--plot", tmp_path / "t.png")
    assert status == 0, err
    assert json.loads(out)["best"]["induction"] == [None] * 5
