"""Seeing inside a GPT: what every module receives and returns, and the attention weights.

Everything here watches a real forward pass through forward hooks (no shape is typed in by hand) and returns
plain data; the CLI renders it (cli/components.py, cli/full.py, cli/attention.py). Nothing here prints.

Notable:
- The fused SDPA kernel never materialises the attention weights, so inspection runs a *manual-attention twin*:
  a GPT built from the same config with `attention="manual"` whose parameters are the original's tensors (shared
  through `load_state_dict(assign=True)`, not copied, and the original is never modified). The two paths compute
  the same function (tests/test_model_properties.py); on the manual one, the output of each block's
  `attn.softmax` module *is* that layer's attention weights (B, nh, T, T).
- Splitting Q, K, V into heads happens inside `CausalSelfAttention.forward`, where no hook can see it, so it is
  redone here (`split_heads`) on the tensor the `c_attn` hook captured. tests/test_inspection.py checks that
  merging the heads back gives exactly what the model's own `c_proj` received.
- Everything runs in eval mode under `torch.no_grad()`: dropout is inactive and nothing is trained.
"""

import math
from dataclasses import dataclass

import torch

from .model import GPT, causal_mask


@dataclass(frozen=True)
class Step:
    """One step of the forward pass: a module (or a step inside attention) and what went in and came out."""

    name: str  # module path, e.g. "blocks.0.attn.c_attn"; "" is the whole GPT; steps inside attention that
    #            are no module get a made-up last part: "split_heads", "weighted_sum", "merge_heads"
    role: str  # the name without "blocks.N.": "attn.c_attn"; "block" for a block itself, "gpt" for the model
    layer: int | None  # N for steps inside blocks.N, else None
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    n_params: int  # parameters of the module and everything inside it, each tensor once
    tied_to: str | None  # the module whose weight this one shares (a tied LM head: "tok_emb"), else None
    output_std: float  # spread of the output's numbers (population standard deviation)


@dataclass(frozen=True)
class ForwardTrace:
    steps: tuple[Step, ...]  # in the order the forward pass runs them, a parent before its children
    logits: torch.Tensor  # (B, T, vocab_size)
    loss: torch.Tensor | None  # cross-entropy against targets, None without targets


@dataclass(frozen=True)
class HeadWalkthrough:
    """One attention head on one sequence, every intermediate tensor of the manual attention maths."""

    layer: int
    head: int
    tokens: torch.Tensor  # (T,) token ids
    x: torch.Tensor  # (T, d) what the attention layer reads: LayerNorm ln_1 of the block's input
    q: torch.Tensor  # (T, hs) this head's queries
    k: torch.Tensor  # (T, hs) keys
    v: torch.Tensor  # (T, hs) values
    scores: torch.Tensor  # (T, T) q @ k.T: how well query i matches key j
    scale: float  # 1 / sqrt(hs)
    mask: torch.Tensor  # (T, T) bool, True where query i may look at key j (j <= i)
    masked: torch.Tensor  # (T, T) scores * scale, -inf where the mask forbids
    weights: torch.Tensor  # (T, T) softmax of each row of `masked`: the attention weights
    out: torch.Tensor  # (T, hs) weights @ v: for each token, a weighted average of the values
    merged: torch.Tensor  # (T, d) every head's `out` side by side (this head in columns head*hs .. head*hs+hs-1)
    projected: torch.Tensor  # (T, d) c_proj(merged): what attention adds to the residual stream
    model_weights: torch.Tensor  # (T, T) the model's own weights for this head (hook on attn.softmax)
    model_merged: torch.Tensor  # (T, d) what the model's own c_proj received (hook)


@dataclass(frozen=True)
class MaskDemo:
    """Change the last token; how much does one head's output move at each position, with and without the mask?"""

    layer: int
    head: int
    position: int  # the position whose token was changed (the last one)
    old_token: int
    new_token: int
    change_with_mask: torch.Tensor  # (T,) largest |change| of the head's output vector at each position
    change_without_mask: torch.Tensor  # (T,) the same when every token may look at every other one


@dataclass(frozen=True)
class ScaleDemo:
    """Why scores are divided by sqrt(hs), measured on random unit-variance queries and keys."""

    head_size: int
    n_keys: int
    std_raw: float  # spread of q . k: grows like sqrt(hs)
    std_scaled: float  # spread of q . k / sqrt(hs): about 1 for any hs
    peak_raw: float  # average largest softmax weight over n_keys raw scores (near 1: one-hot, saturated)
    peak_scaled: float  # the same with scaled scores (spread over several keys)


def manual_attention_twin(model: GPT) -> GPT:
    """The same GPT on the manual attention path: the same parameter tensors (shared, not copied), eval mode."""
    with torch.device("meta"):  # no memory and no initialisation: every tensor is replaced just below
        twin = GPT(model.config.replace(attention="manual"))
    twin.load_state_dict(model.state_dict(), assign=True)
    return twin.eval()


def split_heads(qkv: torch.Tensor, n_head: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """c_attn's output (B, T, 3d) -> q, k, v, each (B, nh, T, hs): the split CausalSelfAttention.forward does."""
    B, T, three_d = qkv.shape
    d = three_d // 3
    q, k, v = qkv.split(d, dim=2)  # 3 x (B, T, d)
    return tuple(part.view(B, T, n_head, d // n_head).transpose(1, 2) for part in (q, k, v))  # (B, nh, T, hs)


def merge_heads(y: torch.Tensor) -> torch.Tensor:
    """(B, nh, T, hs) -> (B, T, d): the heads side by side again, as c_proj receives them."""
    B, nh, T, hs = y.shape
    return y.transpose(1, 2).reshape(B, T, nh * hs)


def _role(name: str) -> tuple[str, int | None]:
    """"blocks.2.attn.c_attn" -> ("attn.c_attn", 2); "blocks.2" -> ("block", 2); "" -> ("gpt", None)."""
    if not name:
        return "gpt", None
    parts = name.split(".")
    if parts[0] == "blocks" and len(parts) > 1:
        return (".".join(parts[2:]) or "block"), int(parts[1])
    return name, None


def _capture(model: GPT, idx: torch.Tensor, targets: torch.Tensor | None = None, names=None):
    """Run the manual twin once on idx and record, for each module (those in `names`, or all), its first
    tensor input and its output, in the order the forward pass enters them. -> (order, inputs, outputs, result)"""
    twin = manual_attention_twin(model)
    order, inputs, outputs = [], {}, {}

    def before(name):
        def hook(module, args):
            if name not in inputs:  # a module called twice keeps its first call
                order.append(name)
                inputs[name] = args[0]
        return hook

    def after(name):
        def hook(module, args, output):
            outputs.setdefault(name, output[0] if isinstance(output, tuple) else output)  # GPT: (logits, loss)
        return hook

    handles = []
    for name, module in twin.named_modules():
        if names is None or name in names:
            handles += [module.register_forward_pre_hook(before(name)), module.register_forward_hook(after(name))]
    try:
        with torch.no_grad():
            result = twin(idx, targets)
    finally:
        for handle in handles:
            handle.remove()
    return order, inputs, outputs, result


def _std(tensor: torch.Tensor) -> float:
    return tensor.float().std(correction=0).item()


def trace_forward(model: GPT, idx: torch.Tensor, targets: torch.Tensor | None = None) -> ForwardTrace:
    """Every module of `model` with the shapes it really received and returned on `idx` (B, T), in the order
    the forward pass runs them; inside attention also the head split, weighted sum and merge that no module
    performs. Parameter counts and tying come from `model` itself."""
    order, inputs, outputs, (logits, loss) = _capture(model, idx, targets)
    owner = {}  # id(parameter) -> the first module that holds it directly
    for name, module in model.named_modules():
        for p in module.parameters(recurse=False):
            owner.setdefault(id(p), name)

    def module_step(name):
        module = model.get_submodule(name)
        shared = [owner[id(p)] for p in module.parameters(recurse=False) if owner[id(p)] != name]
        role, layer = _role(name)
        return Step(name, role, layer, tuple(inputs[name].shape), tuple(outputs[name].shape),
                    sum(p.numel() for p in module.parameters()), shared[0] if shared else None,
                    _std(outputs[name]))

    def derived_step(attn_name, last, given, made):
        name = f"{attn_name}.{last}"
        role, layer = _role(name)
        return Step(name, role, layer, tuple(given.shape), tuple(made.shape), 0, None, _std(made))

    steps = []
    for name in order:
        steps.append(module_step(name))
        role, _ = _role(name)
        attn_name = name.rpartition(".")[0]
        if role == "attn.c_attn":  # (B, T, 3d) -> q, k, v (B, nh, T, hs)
            q, _, _ = split_heads(outputs[name], model.get_submodule(attn_name).n_head)
            steps.append(derived_step(attn_name, "split_heads", outputs[name], q))
        elif role == "attn.attn_dropout":  # weights (B, nh, T, T) @ v (B, nh, T, hs)
            _, _, v = split_heads(outputs[f"{attn_name}.c_attn"], model.get_submodule(attn_name).n_head)
            y = outputs[name] @ v  # (B, nh, T, hs)
            steps.append(derived_step(attn_name, "weighted_sum", outputs[name], y))
            steps.append(derived_step(attn_name, "merge_heads", y, inputs[f"{attn_name}.c_proj"]))
    return ForwardTrace(tuple(steps), logits, loss)


def attention_weights(model: GPT, idx: torch.Tensor) -> torch.Tensor:
    """Every layer's attention weights on idx (B, T): (n_layer, B, nh, T, T); each row sums to 1 and entries
    above the diagonal (later tokens) are exactly 0."""
    names = [f"blocks.{i}.attn.softmax" for i in range(model.config.n_layer)]
    _, _, outputs, _ = _capture(model, idx, names=set(names))
    return torch.stack([outputs[name] for name in names])


def walk_through_head(model: GPT, idx: torch.Tensor, layer: int, head: int) -> HeadWalkthrough:
    """Attention of one head of one layer on the first sequence of idx (B, T), written out step by step."""
    attn_name = f"blocks.{layer}.attn"
    names = {attn_name, f"{attn_name}.c_attn", f"{attn_name}.softmax", f"{attn_name}.c_proj"}
    _, inputs, outputs, _ = _capture(model, idx, names=names)
    n_head = model.config.n_head
    q, k, v = (part[0] for part in split_heads(outputs[f"{attn_name}.c_attn"], n_head))  # 3 x (nh, T, hs)
    T, hs = q.size(1), q.size(2)
    scale = 1.0 / math.sqrt(hs)
    mask = causal_mask(T, T, q.device)  # (T, T)
    scores = q @ k.transpose(-2, -1)  # (nh, T, T)
    masked = (scores * scale).masked_fill(~mask, float("-inf"))  # (nh, T, T)
    weights = torch.softmax(masked, dim=-1)  # (nh, T, T)
    out = weights @ v  # (nh, T, hs)
    merged = merge_heads(out.unsqueeze(0))[0]  # (T, d)
    with torch.no_grad():
        projected = model.get_submodule(f"{attn_name}.c_proj")(merged)  # (T, d)
    return HeadWalkthrough(
        layer=layer, head=head, tokens=idx[0], x=inputs[attn_name][0], q=q[head], k=k[head], v=v[head],
        scores=scores[head], scale=scale, mask=mask, masked=masked[head], weights=weights[head], out=out[head],
        merged=merged, projected=projected, model_weights=outputs[f"{attn_name}.softmax"][0, head],
        model_merged=inputs[f"{attn_name}.c_proj"][0],
    )


def mask_demo(model: GPT, idx: torch.Tensor, layer: int, head: int) -> MaskDemo:
    """Change the last token of the first sequence of idx (B, T) to the next id, then compare one head's output
    at every position before and after: computed with the causal mask, and again without it."""
    tokens = idx[:1]
    changed = tokens.clone()
    position = tokens.size(1) - 1
    changed[0, position] = (tokens[0, position] + 1) % model.config.vocab_size
    name = f"blocks.{layer}.attn.c_attn"
    outputs = [_capture(model, sequence, names={name})[2][name] for sequence in (tokens, changed)]

    def head_output(qkv, use_mask):
        q, k, v = (part[0, head] for part in split_heads(qkv, model.config.n_head))  # 3 x (T, hs)
        scores = (q @ k.T) / math.sqrt(q.size(-1))  # (T, T)
        if use_mask:
            scores = scores.masked_fill(~causal_mask(q.size(0), k.size(0), q.device), float("-inf"))
        return torch.softmax(scores, dim=-1) @ v  # (T, hs)

    def change(use_mask):
        before, after = (head_output(qkv, use_mask) for qkv in outputs)
        return (after - before).abs().amax(dim=-1)  # (T,)

    return MaskDemo(layer, head, position, int(tokens[0, position]), int(changed[0, position]),
                    change(True), change(False))


def scale_demo(head_size: int, n_keys: int, samples: int = 20000, seed: int = 0) -> ScaleDemo:
    """Draw queries and keys with unit-variance entries and measure the spread of their dot products, and how
    peaked a softmax over `n_keys` of them is, before and after dividing by sqrt(head_size) (Vaswani et al.
    2017, section 3.2.1: q . k has variance head_size)."""
    generator = torch.Generator().manual_seed(seed)
    q = torch.randn(samples, n_keys, head_size, generator=generator)
    k = torch.randn(samples, n_keys, head_size, generator=generator)
    raw = (q * k).sum(-1)  # (samples, n_keys)
    scaled = raw / math.sqrt(head_size)
    return ScaleDemo(
        head_size, n_keys, _std(raw), _std(scaled),
        torch.softmax(raw, -1).amax(-1).mean().item(), torch.softmax(scaled, -1).amax(-1).mean().item(),
    )
