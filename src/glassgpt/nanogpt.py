"""nanoGPT's calls on glassgpt's GPT, so that nanoGPT's train.py and sample.py run unchanged with glassgpt's root
model.py in place of nanoGPT's: the mixin GPT inherits, kept out of model.py so that the GPT a learner reads stays
the GPT and nothing else.

What train.py and sample.py call, in their order, and where it lives:
    GPTConfig(**model_args)                       config.py: model_args' seven names are GPTConfig fields
    GPT.from_pretrained(init_from, override_args) here: a dict as the second argument is nanoGPT's call
    model.load_state_dict(checkpoint['model'])    here: nanoGPT's names, glassgpt's, `_orig_mod.` in front
    model.crop_block_size(block_size)             here: GPTConfig is frozen, so the config is replaced
    model.configure_optimizers(wd, lr, betas, device_type)      here: nanoGPT's two groups
    model(X, Y) -> logits, loss; raw_model.state_dict()          model.py, unchanged
    raw_model.estimate_mfu(fwdbwd_per_iter, dt)   here, from accounting.count_flops
    model.generate(x, max_new_tokens, temperature=..., top_k=...)    generation.py

Names of what train.py saves: `raw_model.state_dict()` keeps glassgpt's own names (`tok_emb`, `pos_emb`,
`blocks.i`, `ln_f`, `lm_head`). state_dict() is what PyTorch, its optimizers, DDP, FSDP and every other part of
glassgpt rely on, so it is not renamed behind their backs. glassgpt (every mode, `from_pretrained`, this
`load_state_dict`) reads both namings; for nanoGPT's own model.py, `nanogpt_state_dict(sd)` gives nanoGPT's names
(the same tensors, the same nn.Linear layout: only the names differ):
    ckpt = torch.load("out/ckpt.pt"); ckpt["model"] = GPT.nanogpt_state_dict(ckpt["model"]); torch.save(ckpt, ...)

nanoGPT's GPT has one GELU, PyTorch's exact erf `nn.GELU()`; the nanoGPT form of `from_pretrained` gives that GPT
(GPT-2's weights with the erf GELU, as nanoGPT loads them), so that the ckpt.pt train.py then writes, whose
model_args say nothing of the GELU, reads back the same. `GPT.from_pretrained("gpt2")` alone stays exact GPT-2.
"""

import inspect
from collections.abc import Mapping
from pathlib import Path

import torch
import torch.nn as nn

from .accounting import count_flops
from .checkpoints import read_checkpoint
from .checkpoints.hf import hf_name
from .checkpoints.tensors import glassgpt_tensors
from .errors import GlassGPTError

# nanoGPT's reference peak: an A100's bfloat16 dense matmuls, 312 TFLOPS. nanoGPT's train.py prints MFU against
# it whatever the chip; pass `peak_flops` for the chip you have (an H100 SXM: 989e12; a CPU: measure it).
A100_BF16_PEAK_FLOPS = 312e12
# what nanoGPT lets `override_args` change (its from_pretrained asserts the same)
OVERRIDABLE = ("dropout",)
_NANOGPT_PREFIXES = ("transformer.", "_orig_mod.", "module.", "wte.", "h.")


def glassgpt_state_dict(state_dict: Mapping[str, torch.Tensor]) -> Mapping[str, torch.Tensor]:
    """A state dict under any naming glassgpt reads (its own; nanoGPT's or Hugging Face's; behind torch.compile's
    `_orig_mod.` or DDP's `module.`) -> glassgpt's names in nn.Linear's layout. One already in glassgpt's names
    comes back as it is (the same object, with its `_metadata`)."""
    if not any(key.startswith(_NANOGPT_PREFIXES) for key in state_dict):
        return state_dict
    return glassgpt_tensors(state_dict, Path("state_dict")).tensors


class NanoGPTMixin:
    """nanoGPT's methods, for a GPT built by model.py (which inherits this class and never calls it)."""

    @classmethod
    def from_pretrained(cls, path_or_name, config=None, override_args: Mapping | None = None):
        """glassgpt's `from_pretrained(path_or_name, config=None)` (checkpoints/mixin.py), and nanoGPT's
        `from_pretrained(model_type, override_args)`: a dict as the second argument (or `override_args=`) is
        nanoGPT's call. It changes only `dropout` (nanoGPT's rule), gives nanoGPT's erf GELU, and returns the model
        in training mode, as nanoGPT's does; `model_type` may be anything glassgpt reads, not only `gpt2*`."""
        if isinstance(config, Mapping) and override_args is None:
            config, override_args = None, config
        if override_args is None:
            return super().from_pretrained(path_or_name, config)
        if not isinstance(override_args, Mapping):
            raise TypeError("override_args must be a dict such as dict(dropout=0.1), "
                            f"got {type(override_args).__name__}")
        unknown = [name for name in override_args if name not in OVERRIDABLE]
        if unknown:
            raise GlassGPTError("nanogpt_override_args", unknown=", ".join(map(repr, unknown)),
                                known=", ".join(OVERRIDABLE))
        checkpoint = read_checkpoint(path_or_name, config)
        checkpoint.config = checkpoint.config.replace(gelu_approximate="none", **override_args)
        return cls.from_checkpoint(checkpoint).train()

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """nn.Module.load_state_dict, taking nanoGPT's names (`transformer.wte`, `transformer.h.0`, ...) and a
        compiled model's `_orig_mod.` prefix as well as glassgpt's own names (glassgpt_state_dict)."""
        return super().load_state_dict(glassgpt_state_dict(state_dict), strict=strict, assign=assign)

    @staticmethod
    def nanogpt_state_dict(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """A state dict in any naming glassgpt reads -> nanoGPT's names, which nanoGPT's own model.py loads with
        its plain `load_state_dict` (the same tensors: nanoGPT uses nn.Linear too)."""
        return {hf_name(name): tensor for name, tensor in glassgpt_state_dict(state_dict).items()}

    def crop_block_size(self, block_size: int) -> None:
        """Keep only the first `block_size` learned positions (e.g. GPT-2's 1024 -> 256 before fine-tuning on
        shorter text). The config is frozen, so it is replaced by a copy with the new block_size."""
        if isinstance(block_size, bool) or not isinstance(block_size, int):
            raise TypeError(f"block_size must be an int, got {type(block_size).__name__}")
        if not 1 <= block_size <= self.config.block_size:
            raise GlassGPTError("crop_block_size", block_size=block_size, current=self.config.block_size)
        self.config = self.config.replace(block_size=block_size)
        pos_emb = self.get_submodule("pos_emb")
        with torch.no_grad():
            pos_emb.weight = nn.Parameter(pos_emb.weight[:block_size].clone())  # (block_size, d)
        pos_emb.num_embeddings = block_size

    def set_dropout(self, p: float) -> None:
        """Change the dropout probability everywhere (embeddings, attention, residual, MLP) and in the config."""
        self.config = self.config.replace(dropout=p)  # validates p
        for module in self.modules():
            if isinstance(module, nn.Dropout):
                module.p = p
            elif hasattr(module, "flash") and hasattr(module, "dropout"):  # the attention's fused-path rate
                module.dropout = p

    def configure_optimizers(self, weight_decay: float, learning_rate: float, betas, device_type: str):
        """AdamW in nanoGPT's two groups: weight decay on every tensor of 2 or more dimensions (the matmul weights
        and the embeddings), none on the 1-D ones (biases, LayerNorm gains and shifts). Only parameters that
        require a gradient; a tied head once. PyTorch's fused AdamW on CUDA, where this torch has it."""
        params = [p for p in self.parameters() if p.requires_grad]  # parameters() yields a shared tensor once
        groups = [
            {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
        ]
        fused = device_type == "cuda" and "fused" in inspect.signature(torch.optim.AdamW).parameters
        return torch.optim.AdamW(groups, lr=learning_rate, betas=betas, **({"fused": True} if fused else {}))

    def estimate_mfu(self, fwdbwd_per_iter: int, dt: float, peak_flops: float = A100_BF16_PEAK_FLOPS) -> float:
        """Model FLOPs utilisation: the FLOPs of `fwdbwd_per_iter` training sequences of block_size tokens, done in
        `dt` seconds, as a fraction of `peak_flops` (default nanoGPT's, an A100 in bfloat16).

        The FLOPs are accounting.count_flops's exact training count, 3 x (2*L*12d^2 + 4*L*T*d + 2*d*V) per token,
        the count torch.utils.flop_counter.FlopCounterMode makes of a training step (written-out attention;
        tests/test_nanogpt_trainpy.py checks it). nanoGPT estimates 6N + 12*L*H*Q*T per token (PaLM's appendix B),
        N its non-embedding parameters. The attention and matmul terms are the same; the difference is that
        6N also counts 6 FLOPs for every bias and LayerNorm parameter, which take part in no matmul: nanoGPT's
        figure is higher by 6 * (13*L*d + 2*d) per token with biases, 6 * (2*L*d + d) without. (An untied head
        would count twice in 6N, through N; nanoGPT always ties it.)
        """
        if not dt > 0 or not peak_flops > 0:
            raise GlassGPTError("mfu_positive", dt=dt, peak_flops=peak_flops)
        T = self.config.block_size
        flops_per_iter = count_flops(self.config, T).training * T * fwdbwd_per_iter
        return flops_per_iter / dt / peak_flops
