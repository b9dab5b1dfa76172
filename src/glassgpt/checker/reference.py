"""glassgpt's side of every comparison: the config every class is built with, the inputs, when two outputs are
the same, and glassgpt's parts carrying the learner's weights, read by name.

Names read: the course's (tok_emb, pos_emb, blocks, ln_1, attn, ln_2, mlp, c_attn, c_proj, c_fc, ln_f, lm_head)
and nanoGPT's (transformer.wte, transformer.wpe, transformer.h, transformer.ln_f); queries, keys and values must
be one fused Linear, c_attn, as in the course and GPT-2 (separate q/k/v layers are not read).
"""

import math

import torch
import torch.nn as nn

from ..config import GPTConfig
from ..model import GPT, MLP, CausalSelfAttention, TransformerBlock
from .report import Note

# Every learner class is built with this config: small enough to run in a blink, every size different (vocab 67,
# block 12, width 32, 4 heads of 8, batch 2 or 3, 5 or 12 tokens), so that a mixed-up axis cannot hide, and two
# layers, so that blocks are stacked.
CHECK_CONFIG = dict(vocab_size=67, block_size=12, n_layer=2, n_head=4, n_embd=32, dropout=0.0, bias=True)
# Two outputs are the same when the largest difference is at most TOLERANCE times the larger of 1 and the
# reference's largest value. float32 rounding stays below 1e-6 here (manual or fused attention alike); the smallest
# difference the checker must see, the exact GELU against its tanh approximation, is about 1.3e-4 after the MLP.
TOLERANCE = 2e-5

# what each part is called in glassgpt: the reference it is compared with
REFERENCE_NAMES = {"layer_norm": "LayerNorm", "attention": "CausalSelfAttention", "mlp": "MLP",
                   "block": "TransformerBlock", "gpt": "GPT"}
# where the course's and nanoGPT's layouts keep what glassgpt calls tok_emb, pos_emb, blocks and ln_f
GPT_NAMES = {"tok_emb": ("tok_emb", "transformer.wte"), "pos_emb": ("pos_emb", "transformer.wpe"),
             "blocks": ("blocks", "transformer.h"), "ln_f": ("ln_f", "transformer.ln_f")}
# a hand-written LayerNorm may call its gain and shift by other names
_LAYER_NORM_NAMES = {"weight": ("weight", "gamma", "scale"), "bias": ("bias", "beta", "shift")}


def features(generator: torch.Generator, batch: int = 2) -> torch.Tensor:
    """A (batch, block_size, n_embd) input, with a mean and a spread for a LayerNorm to remove."""
    return 1 + 2 * torch.randn(batch, CHECK_CONFIG["block_size"], CHECK_CONFIG["n_embd"], generator=generator)


def tokens(generator: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randint(0, CHECK_CONFIG["vocab_size"], shape, generator=generator)


def shape_text(shape) -> str:
    return str(tuple(int(n) for n in shape))


def difference(got: torch.Tensor, expected: torch.Tensor) -> float:
    """Largest absolute difference, relative to the larger of 1 and the expected tensor's largest value."""
    if got.shape != expected.shape or not torch.isfinite(got).all():
        return math.inf
    scale = max(1.0, expected.abs().max().item())
    return (got.float() - expected.float()).abs().max().item() / scale


def same(got: torch.Tensor, expected: torch.Tensor) -> bool:
    return difference(got, expected) <= TOLERANCE


def reference_config(gelu: str = "tanh", eps: float = 1e-5, **changes) -> GPTConfig:
    """glassgpt's config for the references: CHECK_CONFIG, the written-out attention, the given GELU and eps."""
    return GPTConfig(**{**CHECK_CONFIG, "flash": False, "gelu_approximate": gelu, "layer_norm_eps": eps,
                        **changes})


def _learner_names(module_path: str, param: str, layer_norm: bool) -> list[str]:
    """Where the learner's module may keep glassgpt's parameter `module_path.param`, the course's name first."""
    first, dot, rest = module_path.partition(".")
    paths = [alias + dot + rest for alias in GPT_NAMES.get(first, (first,))]
    params = _LAYER_NORM_NAMES.get(param, (param,)) if layer_norm else (param,)
    return [f"{path}.{p}" if path else p for path in paths for p in params]


@torch.no_grad()
def load_reference(reference: nn.Module, named: dict) -> list[Note]:
    """Copy the learner's tensors (`named`: {name: tensor}, every name a tensor goes by) into glassgpt's
    `reference` by name; a note for each one that is missing or of another shape (and then the reference is not
    usable)."""
    problems = []
    for path, module in reference.named_modules():
        for name, param in module.named_parameters(recurse=False):
            tried = _learner_names(path, name, isinstance(module, nn.LayerNorm))
            found = next((n for n in tried if n in named), None)
            if found is None:
                problems.append(Note("missing_tensor", {"name": tried[0], "tried": ", ".join(tried[1:]) or "-"}))
            elif tuple(named[found].shape) != tuple(param.shape):
                problems.append(Note("tensor_shape", {"name": found, "got": shape_text(named[found].shape),
                                                      "expected": shape_text(param.shape)}))
            else:
                param.copy_(named[found])
    return problems


def untied(module) -> tuple[str, str] | None:
    """The learner's (head, token embedding) names when those are two tensors, else None (tied, or unread).
    `module` is a learner.Remote: its parameter names, and the id of the tensor behind each."""
    ids = dict(zip(module.names, module.ids))
    head = next((n for n in _learner_names("lm_head", "weight", False) if n in ids), None)
    tok = next((n for n in _learner_names("tok_emb", "weight", False) if n in ids), None)
    if head is None or tok is None or ids[head] == ids[tok]:
        return None
    return head, tok


def references(learner, role: str, module) -> list[tuple[str, nn.Module]]:
    """glassgpt's parts that the learner's `module` (a learner.Remote) of part `role` may equal, each with the note
    that says so.
    A block's and a GPT's compute the GELU and the LayerNorm eps of the `learner` (learner.Learner)."""
    n_embd = CHECK_CONFIG["n_embd"]
    if role == "layer_norm":
        return [("same", nn.LayerNorm(n_embd, eps=learner.eps))]
    if role == "attention":
        return [("same", CausalSelfAttention(reference_config()))]
    if role == "mlp":  # GPT-2's tanh approximation of GELU, or the exact GELU: either is right
        return [("gelu_tanh", MLP(reference_config(gelu="tanh"))), ("gelu_none", MLP(reference_config(gelu="none")))]
    # a block or the whole GPT: with the learner's own GELU and LayerNorm eps
    if role == "block":
        return [("same", TransformerBlock(reference_config(learner.gelu, learner.eps)))]
    return [("same", GPT(reference_config(learner.gelu, learner.eps, tie_weights=untied(module) is None)))]
