"""Knocking attention heads out, to test what they do: ablation through the hook points.

A head's output z (B, nh, T, hs) is all it adds to the residual stream: c_proj mixes the heads' outputs side by
side, so the columns head*hs .. head*hs + hs - 1 of c_proj's weight read head `head` and nothing else. Ablating a
head replaces its slice of `hook_z` while the model runs:
- zero ablation: by zeros. Exactly a model whose c_proj input columns of that head are zero (tests check it);
- mean ablation: by the head's mean output (one vector of hs numbers, averaged over every sequence and position
  of some reference data, `head_means`): the head still says what it says on average, only no longer what it
  says about *this* input. This is the standard choice, since a zero the head never outputs is itself a signal.
No weight is changed: hooks on the hook points do it, and they are removed afterwards, with each attention module's
fused/written-out choice put back (the hook points only fire on the written-out path).

What ablation measures here is a loss: on "copyable" tokens for the induction task (a target of -1 leaves a
position out, as in training.py), or on every token of a text. `ablate_heads` knocks out one set of heads;
`ablate_each_head` every head on its own; `find_circuit` reads the two (and joint ablations) as a circuit: heads
that matter alone, heads that matter only together (redundancy: each covers for the others), heads that do not.

Everything returns plain data; nothing prints (cli/ablate.py and the lab render it).
"""

import contextlib
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .errors import GlassGPTError
from .inspection import evaluating, flash_off, run_with_cache
from .model import GPT

HOW = ("zero", "mean")
MATTERS = 0.25  # a set of heads matters when knocking it out closes this share of the gap from loss to chance
FLOOR = 0.1  # ... and raises the loss by at least this much (nats), whatever the gap (none, above chance)


@dataclass(frozen=True)
class Ablation:
    """One set of heads knocked out, and what changed."""

    heads: tuple[tuple[int, int], ...]  # (layer, head) pairs
    how: str  # "zero" or "mean"
    loss_before: float  # mean loss over the counted tokens, model intact
    loss_after: float  # the same with the heads knocked out
    token_loss_before: torch.Tensor  # (B, T) per-token loss (nan where the target is left out)
    token_loss_after: torch.Tensor  # (B, T)
    top_before: torch.Tensor  # (B, T) the most likely next token at each position, intact
    top_after: torch.Tensor  # (B, T) the same, ablated
    prob_before: torch.Tensor  # (B, T) its probability
    prob_after: torch.Tensor  # (B, T)

    @property
    def change(self) -> float:
        return self.loss_after - self.loss_before


@dataclass(frozen=True)
class HeadAblations:
    """Every head knocked out on its own: the change in loss, (n_layer, n_head)."""

    how: str
    loss_before: float
    change: torch.Tensor  # (n_layer, n_head) loss with the head knocked out minus loss_before
    chance: float  # log(vocab_size): the loss of a uniform guess


@dataclass(frozen=True)
class Circuit:
    """The heads that carry the measured behaviour, found by ablation."""

    alone: tuple[tuple[int, int], ...]  # each one alone knocked out closes >= MATTERS of the gap to chance
    together: tuple[tuple[tuple[int, int], ...], ...]  # sets (one per layer) that matter only all together
    together_change: tuple[float, ...]  # each set's loss change when knocked out at once
    unused: tuple[tuple[int, int], ...]  # the rest: neither alone nor as part of a set
    threshold: float  # the loss change that counted as mattering (nats)


def parse_heads(text: str, n_layer: int, n_head: int) -> tuple[tuple[int, int], ...]:
    """"0.1,1.0" -> ((0, 1), (1, 0)): LAYER.HEAD pairs, each within the model."""
    heads = []
    for part in text.split(","):
        layer, dot, head = part.strip().partition(".")
        if not dot or not layer.isdigit() or not head.isdigit():
            raise GlassGPTError("ablate_heads_syntax", text=text)
        if int(layer) >= n_layer or int(head) >= n_head:
            raise GlassGPTError("ablate_head_range", head=part.strip(), n_layer=n_layer, n_head=n_head)
        heads.append((int(layer), int(head)))
    return tuple(dict.fromkeys(heads))


def _check(model: GPT, heads, how: str, means) -> None:
    if how not in HOW:
        raise GlassGPTError("config_choice", field="how", value=repr(how), choices=", ".join(HOW))
    if how == "mean" and means is None:
        raise GlassGPTError("ablate_needs_means")
    for layer, head in heads:
        if not (0 <= layer < model.config.n_layer and 0 <= head < model.config.n_head):
            raise GlassGPTError("ablate_head_range", head=f"{layer}.{head}", n_layer=model.config.n_layer,
                                n_head=model.config.n_head)


@contextlib.contextmanager
def ablated(model: GPT, heads, how: str = "zero", means: torch.Tensor | None = None):
    """Inside the block, `model` runs with `heads` ((layer, head) pairs) knocked out: their hook_z slice replaced
    by zeros, or by `means[layer, head]` (n_layer, n_head, hs: `head_means`). Written-out path throughout; every
    hook removed and every module's path choice restored afterwards."""
    _check(model, heads, how, means)
    by_layer: dict[int, list[int]] = {}
    for layer, head in heads:
        by_layer.setdefault(layer, []).append(head)

    def replace(layer, chosen):
        def hook(module, args, z):  # z (B, nh, T, hs)
            z = z.clone()
            for head in chosen:
                z[:, head] = 0.0 if how == "zero" else means[layer, head].to(z)
            return z
        return hook

    handles = [model.blocks[layer].attn.hook_z.register_forward_hook(replace(layer, chosen))
               for layer, chosen in by_layer.items()]
    try:
        with flash_off(model):
            yield model
    finally:
        for handle in handles:
            handle.remove()


def head_means(model: GPT, idx: torch.Tensor) -> torch.Tensor:
    """Each head's mean output over every sequence and position of idx (B, T): (n_layer, n_head, hs)."""
    names = [f"blocks.{layer}.attn.hook_z" for layer in range(len(model.blocks))]
    _, z = run_with_cache(model, idx, names, until=names[-1])  # no LM head: only the heads' outputs are needed
    return torch.stack([z[name].float().mean(dim=(0, 2)) for name in names])  # (B, nh, T, hs) -> (n_layer, nh, hs)


def _outcome(model: GPT, idx: torch.Tensor, targets: torch.Tensor):
    """(mean loss over counted tokens, per-token loss (B, T) with nan where left out, top ids, top probs)."""
    with torch.no_grad():
        logits, _ = model(idx)  # (B, T, V)
    logits = logits.float()
    counted = targets >= 0  # (B, T); -1 and -100 are left out, as in the model's loss
    if not counted.any():
        raise GlassGPTError("ablate_no_tokens")
    token_loss = F.cross_entropy(logits.transpose(1, 2), targets.clamp(min=0), reduction="none")  # (B, T)
    token_loss = token_loss.masked_fill(~counted, float("nan"))
    probs, top = logits.softmax(dim=-1).max(dim=-1)  # (B, T) each
    return float(token_loss[counted].mean()), token_loss.cpu(), top.cpu(), probs.cpu()


def ablate_heads(model: GPT, idx: torch.Tensor, targets: torch.Tensor, heads, how: str = "zero",
                 means: torch.Tensor | None = None) -> Ablation:
    """Loss and top predictions on idx (B, T) against targets (B, T) (-1: not counted), intact and with `heads`
    knocked out together. The model is run in eval mode and left as it was."""
    heads = tuple((int(layer), int(head)) for layer, head in heads)
    _check(model, heads, how, means)
    with evaluating(model):
        with flash_off(model):
            before = _outcome(model, idx, targets)
        with ablated(model, heads, how, means):
            after = _outcome(model, idx, targets)
    return Ablation(heads, how, before[0], after[0], before[1], after[1], before[2], after[2], before[3], after[3])


def ablate_each_head(model: GPT, idx: torch.Tensor, targets: torch.Tensor, how: str = "zero",
                     means: torch.Tensor | None = None) -> HeadAblations:
    """Every head knocked out on its own: the change in loss, (n_layer, n_head)."""
    config = model.config
    change = torch.zeros(config.n_layer, config.n_head)
    before = None
    for layer in range(config.n_layer):
        for head in range(config.n_head):
            result = ablate_heads(model, idx, targets, [(layer, head)], how, means)
            before = result.loss_before
            change[layer, head] = result.change
    return HeadAblations(how, before, change, math.log(config.vocab_size))


def find_circuit(model: GPT, idx: torch.Tensor, targets: torch.Tensor, each: HeadAblations,
                 means: torch.Tensor | None = None) -> Circuit:
    """Read the heads as a circuit. A set matters when knocking it out raises the loss by at least MATTERS of
    the gap between the intact loss and chance (log V), and by FLOOR at least. Heads that matter alone are named
    first. Among the others, each layer's heads are knocked out all together; when that matters, heads are dropped
    from the set one at a time while it still matters, leaving the heads that matter only together (redundancy
    across layers is not looked for). The rest are unused."""
    threshold = max(MATTERS * (each.chance - each.loss_before), FLOOR)
    n_layer, n_head = each.change.shape
    alone = tuple((l, h) for l in range(n_layer) for h in range(n_head) if each.change[l, h] >= threshold)
    together, together_change = [], []
    for layer in range(n_layer):
        group = [(layer, h) for h in range(n_head) if (layer, h) not in alone]
        if len(group) < 2:
            continue
        change = ablate_heads(model, idx, targets, group, each.how, means).change
        if change < threshold:
            continue
        for head in sorted(group, key=lambda lh: float(each.change[lh])):  # the least useful alone first
            rest = [lh for lh in group if lh != head]
            if len(rest) >= 2:
                rest_change = ablate_heads(model, idx, targets, rest, each.how, means).change
                if rest_change >= threshold:
                    group, change = rest, rest_change
        together.append(tuple(group))
        together_change.append(change)
    used = set(alone) | {lh for group in together for lh in group}
    unused = tuple((l, h) for l in range(n_layer) for h in range(n_head) if (l, h) not in used)
    return Circuit(alone, tuple(together), tuple(together_change), unused, threshold)
