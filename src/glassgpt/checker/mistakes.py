"""The classic mistakes of each part, and glassgpt's own computation of that part with any of them made.

`CHOICES[role][knob]` lists the ways a learner writes one step of a part, the course's way first. `compute(role,
choice, module, x)` is glassgpt's `module` (carrying the learner's weights) run with `choice` = {knob: option}:
with every knob at the course's option it is exactly the module's own output (a test holds it to that), and the
attention variants all call the model's one `attention()` with another scale, fill, softmax axis or no mask.
`diagnose` finds the fewest mistakes that reproduce a learner's output exactly.
"""

import itertools

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..model import GPT, MLP, CausalSelfAttention, TransformerBlock, attention, causal_mask, merge_heads, split_heads

# how a block wraps each sub-layer f with its LayerNorm; pre_norm is GPT-2's
WIRINGS = ("pre_norm", "post_norm", "no_residual", "residual_from_norm", "no_norm")
CHOICES = {
    "layer_norm": {
        "variance": ("biased", "unbiased"),  # divide by n (LayerNorm) or by n - 1 (torch.var's default)
        "axis": ("features", "positions"),  # normalise over the last axis, or over dim=1
        "affine": ("yes", "no"),  # gain and shift applied
    },
    "attention": {
        "scale": ("sqrt_head_size", "none", "sqrt_n_embd", "head_size"),  # the scores are divided by ...
        "mask": ("minus_inf", "none", "zero"),  # future scores are set to ...
        "softmax": ("keys", "queries"),  # the axis the softmax normalises
        "split": ("view_transpose", "reshape_only"),  # (B, T, d) -> (B, nh, T, hs)
        "merge": ("transpose_view", "view_only"),  # (B, nh, T, hs) -> (B, T, d)
    },
    "mlp": {"activation": ("gelu", "relu", "none")},
    "block": {"attn": WIRINGS, "mlp": WIRINGS},
    "gpt": {"pos_emb": ("added", "missing"), "final_norm": ("applied", "missing")},
}


def mistake_key(role: str, knob: str, option: str) -> str:
    """The note key that names a mistake: `attention.scale.none`; a block's wiring is said of the sub-layer it
    wraps (in the note's fields), so its key is `block.post_norm` for either sub-layer."""
    return f"block.{option}" if role == "block" else f"{role}.{knob}.{option}"


MISTAKE_KEYS = frozenset(mistake_key(role, knob, option) for role, knobs in CHOICES.items()
                         for knob, options in knobs.items() for option in options[1:])


def _layer_norm(choice: dict, norm: nn.LayerNorm, x: torch.Tensor) -> torch.Tensor:
    dim = -1 if choice["axis"] == "features" else 1
    mean = x.mean(dim, keepdim=True)
    var = x.var(dim, keepdim=True, unbiased=choice["variance"] == "unbiased")
    y = (x - mean) / torch.sqrt(var + norm.eps)
    return y * norm.weight + norm.bias if choice["affine"] == "yes" else y


def _attention(choice: dict, attn: CausalSelfAttention, x: torch.Tensor) -> torch.Tensor:
    B, T, d = x.shape
    n_head = attn.n_head
    hs = d // n_head
    q, k, v = attn.c_attn(x).split(d, dim=2)  # 3 x (B, T, d)
    if choice["split"] == "reshape_only":  # the mistake: tokens and channels mixed
        q, k, v = (t.reshape(B, n_head, T, hs) for t in (q, k, v))  # (B, nh, T, hs)
    else:
        q, k, v = (split_heads(t, n_head) for t in (q, k, v))  # (B, nh, T, hs)
    scale = {"sqrt_head_size": hs ** -0.5, "none": 1.0, "sqrt_n_embd": d ** -0.5, "head_size": 1 / hs}
    mask = None if choice["mask"] == "none" else causal_mask(T, T, x.device)  # (T, T)
    fill = 0.0 if choice["mask"] == "zero" else float("-inf")
    y = attention(q, k, v, mask, scale[choice["scale"]], fill=fill,
                  softmax_dim=-2 if choice["softmax"] == "queries" else -1)  # (B, nh, T, hs)
    y = y.reshape(B, T, d) if choice["merge"] == "view_only" else merge_heads(y)  # (B, T, d)
    return attn.c_proj(y)


def _mlp(choice: dict, mlp: MLP, x: torch.Tensor) -> torch.Tensor:
    activation = {"gelu": mlp.gelu, "relu": F.relu, "none": lambda h: h}[choice["activation"]]
    return mlp.c_proj(activation(mlp.c_fc(x)))


def _sublayer(wiring: str, x: torch.Tensor, norm, f) -> torch.Tensor:
    """x passed through sub-layer f and its LayerNorm `norm`, wired as `wiring` says."""
    if wiring == "pre_norm":
        return x + f(norm(x))
    if wiring == "post_norm":
        return norm(x + f(x))
    if wiring == "no_residual":
        return f(norm(x))
    if wiring == "residual_from_norm":
        return norm(x) + f(norm(x))
    return x + f(x)  # no_norm


def _block(choice: dict, block: TransformerBlock, x: torch.Tensor) -> torch.Tensor:
    x = _sublayer(choice["attn"], x, block.ln_1, block.attn)
    return _sublayer(choice["mlp"], x, block.ln_2, block.mlp)


def _gpt(choice: dict, gpt: GPT, idx: torch.Tensor) -> torch.Tensor:
    x = gpt.tok_emb(idx)  # (B, T, d)
    if choice["pos_emb"] == "added":
        x = x + gpt.pos_emb(torch.arange(idx.size(1), device=idx.device))
    for block in gpt.blocks:
        x = block(x)
    if choice["final_norm"] == "applied":
        x = gpt.ln_f(x)
    return gpt.lm_head(x)  # (B, T, V)


_COMPUTE = {"layer_norm": _layer_norm, "attention": _attention, "mlp": _mlp, "block": _block, "gpt": _gpt}


def compute(role: str, choice: dict, module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """glassgpt's `module` of part `role` run on `x` with the mistakes in `choice` ({knob: option})."""
    return _COMPUTE[role](choice, module, x)


def course_choice(role: str) -> dict:
    """The course's option of every knob of `role`: no mistake."""
    return {knob: options[0] for knob, options in CHOICES[role].items()}


@torch.no_grad()
def diagnose(role: str, module: nn.Module, x: torch.Tensor, got: torch.Tensor, same) -> dict | None:
    """The classic mistakes that reproduce `got`, glassgpt's `module` run on `x` with those mistakes, as
    {knob: option} for each knob that differs from the course; fewer mistakes are tried first. None when no
    combination reproduces it. `same(got, expected)` says when two outputs are the same."""
    knobs = CHOICES[role]
    combinations = sorted(itertools.product(*knobs.values()),
                          key=lambda combo: sum(option != options[0] for option, options in zip(combo, knobs.values())))
    for combo in combinations[1:]:  # the first is the course's own choice, which did not match
        choice = dict(zip(knobs, combo))
        if same(got, compute(role, choice, module, x)):
            return {knob: option for knob, option in choice.items() if option != knobs[knob][0]}
    return None
