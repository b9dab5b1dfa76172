"""What a training run recorded over time, and the phase change found in it.

Olsson et al. 2022 ("In-context Learning and Induction Heads") argue from co-occurrence: early in training there is
a short window in which induction heads form *and* in-context learning improves. `glassgpt train` records what it
takes to see that window in every run (`Recorder`, called by training.py), and `phase_change` finds it.

A point is recorded every `every` steps (the run's steps / TARGET_POINTS, at least 1), and at the first and last
step. Each point holds:
- train_loss: the mean training loss of the steps since the previous point (None at the run's first point);
- in_context: the held-out in-context measure, on a fixed held-out batch of the rows being trained on at that
  step (the same batch every time, drawn with its own seed, never trained on):
  induction task, "copy_loss": the mean loss on tokens whose earlier occurrence is in the context (the tokens
  that can be copied; every other target is left out, as in training);
  text task, "icl_score": Olsson's in-context learning score, the mean loss at the last quarter of the positions
  minus the mean loss at the first eighth (negative: later tokens, with more context, are predicted better);
  lower is better for both;
- scores: every head's four analysis.head_scores (previous-token, first-token, duplicate-token, induction);
  null when a model is too small to score (fewer than 8 positions, or fewer than 4 token ids);
- probe_pattern: every head's attention pattern on one fixed probe sequence (a held-out row of the task).

On disk, beside the model in the run folder (written in the same atomic save):
    timeline.json          {"format": "glassgpt-timeline", "version": 1, "task", "measure", "every", "vocab_size",
                            "n_layer", "n_head", "score_names", "probe_ids": [T_p ids],
                            "steps": [P], "train_loss": [P, null at the first], "in_context": [P],
                            "held_out": [P] (which held-out batch: 0, 1 once the rows change kind),
                            "scores": {name: [P][n_layer][n_head]}}
    timeline.safetensors   "probe_pattern": float32 (P, n_layer, n_head, T_p, T_p)
`read_timeline(folder)` loads both (None for a folder without them: older runs, Hugging Face folders). Resuming
a run (`glassgpt train --resume`) extends its timeline.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from .analysis import DEFAULT_MIN_PERIOD, DEFAULT_SCORE_LENGTH, SCORE_NAMES, head_scores
from .errors import GlassGPTError
from .inspection import attention_weights, evaluating
from .model import GPT

TIMELINE_JSON, TIMELINE_TENSORS = "timeline.json", "timeline.safetensors"
FORMAT, VERSION = "glassgpt-timeline", 1
MEASURES = {"induction": "copy_loss", "text": "icl_score"}
TARGET_POINTS = 80  # points in a run (plus the first): every run's steps // 80 steps, at least 1
HELD_OUT_SEED = 0x5EED_0F_4E1D  # the held-out batch and the probe: never the training generator's seed stream
SCORE_SEQUENCES = 16  # repeated random sequences each point's head scores are measured on
RISE = (0.1, 0.9)  # the phase change: the best induction score's rise from 10% to 90% of the way
MIN_RISE = 0.2  # a rise smaller than this is no phase change
IMPROVED = 0.5  # the in-context measure "improved in the window" when at least this share of its fall is there


@dataclass(frozen=True)
class Timeline:
    """A run's recording: P points, each a step (see the module's docstring)."""

    task: str  # "induction" or "text"
    measure: str  # "copy_loss" or "icl_score"
    every: int  # steps between points
    vocab_size: int  # the model's: the in-context measure's chance level is log(vocab_size)
    steps: list[int]  # (P,)
    train_loss: list[float | None]  # (P,)
    in_context: list[float]  # (P,)
    held_out: list[int]  # (P,) which held-out batch each point measured on: 0, then 1 after the rows changed kind
    scores: dict[str, torch.Tensor]  # name -> (P, n_layer, n_head)
    probe_ids: list[int]  # (T_p,)
    probe_pattern: torch.Tensor  # (P, n_layer, n_head, T_p, T_p)

    def best(self, name: str) -> list[float | None]:
        """The highest `name` score over every head, at each point (None where the model was too small to score)."""
        return [None if math.isnan(v) else v for v in self.scores[name].flatten(1).amax(dim=1).tolist()]


@dataclass(frozen=True)
class PhaseChange:
    """The window in which the best induction score rises, and what the in-context measure did meanwhile."""

    start: int  # the step of the last point before the rise (best score still within 10% of its way up)
    end: int  # the step of the first point past 90% of the way up
    score_before: float  # best induction score at `start`
    score_after: float  # at `end`
    measure_before: float  # the in-context measure at `start`
    measure_after: float  # at `end`
    share: float  # the window's share of the measure's whole fall over the run (first point to its lowest)
    fastest: tuple[int, int]  # the two steps between which the measure fell fastest (per step)
    improved: bool  # share >= IMPROVED


# --- measuring one point ---------------------------------------------------------------------------------------------

def held_out(batches, step: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The fixed held-out batch of the rows trained on at `step`: `batches(step, generator)` (training.py's task)
    drawn from a generator of its own seed, so every call gives the same rows for the same kind of row."""
    return batches(step, torch.Generator().manual_seed(HELD_OUT_SEED))


def in_context_measure(model: GPT, task: str, idx: torch.Tensor, targets: torch.Tensor) -> float:
    """The task's in-context measure of `model` on (idx, targets), each (B, T): see the module's docstring."""
    with torch.no_grad():
        logits, _ = model(idx)  # (B, T, V)
    loss = F.cross_entropy(logits.float().transpose(1, 2), targets.clamp(min=0), reduction="none")  # (B, T)
    if task == "induction":
        return float(loss[targets >= 0].mean())
    T = idx.size(1)
    early, late = max(1, T // 8), max(1, T // 4)
    return float(loss[:, T - late:].mean() - loss[:, :early].mean())


class Recorder:
    """Records a Timeline while training.py trains: `begin` before the first step, `after_step` after each,
    `files()` for the save. It runs the model in eval mode under no_grad and touches no random state the
    training uses, so a run trains exactly the same with it or without it."""

    def __init__(self, task: str, batches, steps: int, previous: Timeline | None = None):
        self.task, self.batches = task, batches
        self.every = previous.every if previous else max(1, steps // TARGET_POINTS)
        self.points = [] if previous is None else _points_of(previous)
        self.probe = held_out(batches, 0)[0][:1]  # (1, T_p): one held-out row of the task's first kind
        self.batches_seen = [] if previous is None else [  # each held-out batch once, in the order first seen
            held_out(batches, previous.steps[previous.held_out.index(i)])[0] for i in range(max(previous.held_out) + 1)]
        self.losses, self.vocab_size = [], None

    def begin(self, model: GPT, step: int) -> None:
        self.points = [p for p in self.points if p["step"] <= step]  # resumed: the points up to where it stopped
        self.record(model, step)

    def after_step(self, model: GPT, step: int, loss: float, last: bool) -> None:
        self.losses.append(loss)
        if step % self.every == 0 or last:
            self.record(model, step)

    def record(self, model: GPT, step: int) -> None:
        if self.points and self.points[-1]["step"] == step:
            return
        device = next(model.parameters()).device
        self.vocab_size = model.config.vocab_size
        with evaluating(model):
            idx, targets = held_out(self.batches, step)
            batch = next((i for i, seen in enumerate(self.batches_seen) if seen.shape == idx.shape
                          and torch.equal(seen, idx)), None)
            if batch is None:
                batch = len(self.batches_seen)
                self.batches_seen.append(idx)
            measure = in_context_measure(model, self.task, idx.to(device), targets.to(device))
            scores = _scores(model)
            pattern = attention_weights(model, self.probe.to(device))[:, 0].float().cpu()  # (L, nh, T_p, T_p)
        loss = sum(self.losses) / len(self.losses) if self.losses else None
        self.losses = []
        self.points.append({"step": step, "train_loss": loss, "in_context": measure, "held_out": batch,
                            "scores": scores,
                            "pattern": pattern})

    def timeline(self) -> Timeline:
        p = self.points
        return Timeline(self.task, MEASURES[self.task], self.every, self.vocab_size, [x["step"] for x in p],
                        [x["train_loss"] for x in p], [x["in_context"] for x in p], [x["held_out"] for x in p],
                        {name: torch.stack([x["scores"][name] for x in p]) for name in SCORE_NAMES},
                        self.probe[0].tolist(), torch.stack([x["pattern"] for x in p]))

    def files(self) -> dict:
        """{file name: writer(path)} for CheckpointMixin.save_pretrained(files=...)."""
        return timeline_files(self.timeline()) if self.points else {}


def _scores(model: GPT) -> dict[str, torch.Tensor]:
    """analysis.head_scores, {name: (n_layer, n_head)}; NaN where they cannot be measured (a model whose block or
    vocabulary is too small to hold a repeating sequence: under 2 x 4 tokens, or under 4 ids)."""
    config = model.config
    if min(config.block_size, DEFAULT_SCORE_LENGTH) < 2 * DEFAULT_MIN_PERIOD or config.vocab_size < DEFAULT_MIN_PERIOD:
        return {name: torch.full((config.n_layer, config.n_head), math.nan) for name in SCORE_NAMES}
    scores = head_scores(model, n_sequences=SCORE_SEQUENCES, seed=HELD_OUT_SEED)
    return {name: value.clone() for name, value in scores.by_name().items()}


def _points_of(timeline: Timeline) -> list[dict]:
    return [{"step": s, "train_loss": loss, "in_context": m, "held_out": timeline.held_out[i],
             "scores": {name: timeline.scores[name][i] for name in SCORE_NAMES},
             "pattern": timeline.probe_pattern[i]}
            for i, (s, loss, m) in enumerate(zip(timeline.steps, timeline.train_loss, timeline.in_context))]


# --- on disk ---------------------------------------------------------------------------------------------------------

def timeline_files(timeline: Timeline) -> dict:
    from safetensors.torch import save_file

    n_layer, n_head = timeline.probe_pattern.shape[1:3]
    document = {"format": FORMAT, "version": VERSION, "task": timeline.task, "measure": timeline.measure,
                "every": timeline.every, "vocab_size": timeline.vocab_size, "n_layer": n_layer, "n_head": n_head,
                "score_names": list(SCORE_NAMES),
                "probe_ids": timeline.probe_ids, "steps": timeline.steps, "train_loss": timeline.train_loss,
                "in_context": timeline.in_context, "held_out": timeline.held_out,
                "scores": {name: [[[None if math.isnan(v) else v for v in row] for row in point]
                           for point in timeline.scores[name].tolist()] for name in SCORE_NAMES}}
    text = json.dumps(document, allow_nan=False) + "\n"
    return {TIMELINE_JSON: lambda path: Path(path).write_text(text, encoding="utf-8"),
            TIMELINE_TENSORS: lambda path: save_file({"probe_pattern": timeline.probe_pattern.contiguous()},
                                                     str(path), metadata={"format": FORMAT, "version": str(VERSION)})}


def read_timeline(folder) -> Timeline | None:
    """The timeline a run recorded in `folder`; None when there is none (an older run, a Hugging Face folder, a
    file rather than a folder)."""
    folder = Path(folder)
    document_file, tensor_file = folder / TIMELINE_JSON, folder / TIMELINE_TENSORS
    if not document_file.is_file():
        return None
    from safetensors.torch import load_file

    try:
        document = json.loads(document_file.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT or document.get("version") != VERSION:
            raise GlassGPTError("timeline_damaged", file=str(document_file),
                                reason=f"format {document.get('format')!r} version {document.get('version')!r}, "
                                       f"expected {FORMAT!r} version {VERSION}")
        pattern = load_file(str(tensor_file))["probe_pattern"]
        P, shape = len(document["steps"]), (document["n_layer"], document["n_head"])
        timeline = Timeline(document["task"], document["measure"], int(document["every"]),
                            int(document["vocab_size"]), [int(s) for s in document["steps"]], document["train_loss"],
                            [float(m) for m in document["in_context"]], [int(b) for b in document["held_out"]],
                            {name: torch.tensor([[[math.nan if v is None else v for v in row] for row in point]
                                                 for point in document["scores"][name]]).reshape(P, *shape)
                             for name in SCORE_NAMES},
                            [int(i) for i in document["probe_ids"]], pattern)
        T_p = len(timeline.probe_ids)
        if pattern.shape != (P, *shape, T_p, T_p) or any(s.shape != (P, *shape) for s in timeline.scores.values()) \
                or len(timeline.train_loss) != P or len(timeline.in_context) != P or len(timeline.held_out) != P:
            raise ValueError("the arrays disagree in length or shape")
    except GlassGPTError:
        raise
    except Exception as e:  # a damaged file fails in many ways; all mean the same
        raise GlassGPTError("timeline_damaged", file=str(document_file), reason=f"{type(e).__name__}: {e}") from e
    return timeline


# --- the phase change ------------------------------------------------------------------------------------------------

def phase_change(timeline: Timeline) -> PhaseChange | None:
    """The window in which the best induction score rises, and whether the in-context measure improved in it.

    The rise: from `low` (the lowest best score before its peak) to `high` (its peak). The window runs from the
    last point still within RISE[0] of the way up to the first point past RISE[1] of it (so it spans whole
    recorded intervals). None when the score never rises by MIN_RISE: no phase change to speak of.
    In the window, the measure's fall is compared with its whole fall on the first held-out batch (from the first
    point to its lowest), and its fastest fall is looked for there too (a change of held-out rows is no fall)."""
    score, measure, steps = timeline.best("induction"), timeline.in_context, timeline.steps
    if len(steps) < 2 or None in score:
        return None
    same = [i for i, batch in enumerate(timeline.held_out) if batch == timeline.held_out[0]]
    peak = max(range(len(score)), key=score.__getitem__)
    low, high = min(score[:peak + 1]), score[peak]
    if high - low < MIN_RISE:
        return None
    a = max(i for i in range(peak + 1) if score[i] <= low + RISE[0] * (high - low))
    b = next(i for i in range(a + 1, peak + 1) if score[i] >= low + RISE[1] * (high - low))
    # the measure is compared only between points on the same held-out batch: the first one (the induction task
    # changes its rows, and so its held-out batch, at random_start_step; the measure jumps there)
    fall = measure[0] - min(measure[i] for i in same)
    share = (measure[a] - measure[b]) / fall if fall > 0 and b in same else 0.0
    intervals = [i for i in same if i + 1 in same]
    fastest = max(intervals, key=lambda i: (measure[i] - measure[i + 1]) / (steps[i + 1] - steps[i]))
    return PhaseChange(steps[a], steps[b], score[a], score[b], measure[a], measure[b], share,
                       (steps[fastest], steps[fastest + 1]), share >= IMPROVED)


def contains(change: PhaseChange, interval: tuple[int, int]) -> bool:
    """Whether the phase-change window holds the whole interval (start, end) of steps."""
    return change.start <= interval[0] and interval[1] <= change.end


def chance(vocab_size: int) -> float:
    """The loss of a uniform guess over the vocabulary: log V."""
    return math.log(vocab_size)
