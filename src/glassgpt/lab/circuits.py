"""The lab page's "How it formed" and "Ablate" sections: their data, one part of the payload ("circuits").

- How it formed (only for a run that recorded a timeline, timeline.py): the curves, the phase-change window, and
  every head's attention on the run's probe sequence at every recorded step, for the slider. Attention weights
  travel as whole hundredths (0..100): the page prints them to two decimals, and a 48-token probe at 81 points of
  a 2 x 2 model is then about 1 MB.
- Ablate (any model with at most MAX_HEADS heads): every head knocked out on its own (zero ablation,
  interventions.py) on the page's own sequence: the change in its next-token loss, and the top prediction at each
  position with and without the head. A bigger model's section says it was left out and how to see it
  (`glassgpt ablate`), since it costs one forward pass per head.
"""

import math

import torch

from ..interventions import ablate_heads
from ..timeline import phase_change

MAX_HEADS = 48  # heads the page ablates one by one (one forward pass each)
DECIMALS = 5


def _round(values) -> list:
    """Numbers with DECIMALS places; one that is not finite (an overflow) becomes None: JSON has no NaN."""
    return _finite(torch.as_tensor(values, dtype=torch.float64).round(decimals=DECIMALS).tolist())


def _finite(value):
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value if value is None or math.isfinite(value) else None


def _optional(values: list) -> list:
    return [None if v is None else _finite(round(v, DECIMALS)) for v in values]


def formed(timeline, texts) -> dict:
    """The timeline's curves and the probe's attention at every point; `texts(ids)` gives each token's text."""
    change = phase_change(timeline)
    n_head = timeline.scores["induction"].size(-1)
    best = timeline.scores["induction"][-1].nan_to_num(-1.0).flatten().argmax()
    hundredths = (timeline.probe_pattern * 100).round().to(torch.int64)  # (P, L, nh, T_p, T_p)
    T_p = hundredths.size(-1)
    rows = [hundredths[..., i, :i + 1] for i in range(T_p)]  # the causal triangle, row by row
    return {
        "measure": timeline.measure, "steps": timeline.steps,
        "train_loss": [None if x is None else round(x, DECIMALS) for x in timeline.train_loss],
        "in_context": _round(timeline.in_context), "induction": _optional(timeline.best("induction")),
        "previous_token": _optional(timeline.best("previous_token")),
        "window": None if change is None else [change.start, change.end],
        "head": {"layer": int(best) // n_head, "head": int(best) % n_head},  # the slider's first: best induction
        "improved": None if change is None else change.improved,
        "probe": {"ids": timeline.probe_ids, "texts": texts(timeline.probe_ids)},
        # [point][layer][head][query] -> hundredths over keys 0..query
        "pattern": [[[[row[p, l, h].tolist() for row in rows] for h in range(hundredths.size(2))]
                     for l in range(hundredths.size(1))] for p in range(hundredths.size(0))],
    }


def ablation(model, idx: torch.Tensor) -> dict:
    """Every head knocked out on its own, on idx (1, T): next-token loss change and top predictions."""
    config = model.config
    inputs, targets = idx[:, :-1], idx[:, 1:]  # (1, T - 1) each
    grid, tops, probs, before = [], [], [], None
    for layer in range(config.n_layer):
        grid.append([]), tops.append([]), probs.append([])
        for head in range(config.n_head):
            result = ablate_heads(model, inputs, targets, [(layer, head)])
            before = result
            grid[-1].append(result.change)
            tops[-1].append(result.top_after[0].tolist())
            probs[-1].append(_round(result.prob_after[0]))
    return {"loss": _finite(before.loss_before), "change": _round(grid), "top_before": before.top_before[0].tolist(),
            "prob_before": _round(before.prob_before[0]), "top_after": tops, "prob_after": probs}


def circuits_payload(model, idx: torch.Tensor, timeline=None, tokenizer=None) -> dict:
    """{"formed": ... or None (no timeline), "ablation": ... or None, "ablation_left_out": why, or None,
    "id_texts": the text of every id the ablation names (None without a tokenizer)}."""
    heads = model.config.n_layer * model.config.n_head
    too_short = idx.size(1) < 2

    def texts(ids):
        return None if tokenizer is None else tokenizer.token_texts(list(ids))

    knocked = None if heads > MAX_HEADS or too_short else ablation(model, idx)
    named = sorted({i for i in (knocked or {}).get("top_before", [])} |
                   {i for layer in (knocked or {}).get("top_after", []) for row in layer for i in row})
    return {
        "formed": None if timeline is None else formed(timeline, texts),
        "ablation": knocked,
        "id_texts": None if tokenizer is None else dict(zip(map(str, named), texts(named) or [])),
        "ablation_left_out": "heads" if heads > MAX_HEADS else "short" if too_short else None,
        "max_heads": MAX_HEADS,
    }
