"""Any stored state dict -> glassgpt's names in nn.Linear's layout, and every check a tensor passes before a model
is built from it.

Three layouts of names are taken: glassgpt's own (`tok_emb`, `blocks.i`), Hugging Face's (`transformer.wte`,
`transformer.h.i`, also OpenAI's without `transformer.`), and nanoGPT's, which has Hugging Face's names but
nn.Linear's (out, in) weights where GPT-2's Conv1D stores (in, out). Which of the last two a file is, is read from
the shapes (the attention's c_attn weight is (3d, d) in nn.Linear, (d, 3d) in Conv1D), never from its file name.
A prefix from torch.compile (`_orig_mod.`) or DDP (`module.`) is stripped.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import torch

from ..config import GPTConfig
from ..errors import GlassGPTError
from .hf import TRANSPOSED, glassgpt_name, hf_name

# prefixes a state dict gets from torch.compile (`_orig_mod.`) and from DDP / DataParallel (`module.`)
_WRAPPER_PREFIXES = ("_orig_mod.", "module.")
# old GPT-2 files (and nanoGPT without flash attention) also carry the causal mask as a buffer; it is not a weight
_IGNORED_SUFFIXES = (".attn.bias", ".attn.masked_bias")


@dataclass
class StoredTensors:
    """A file's tensors under glassgpt's names, in nn.Linear's layout, and how the file says each name."""

    tensors: dict[str, torch.Tensor]
    said: Callable[[str], str]  # a glassgpt name the way the file names it, for messages
    transposed: frozenset[str]  # the glassgpt names whose tensors were stored (in, out)
    file: Path

    def shape_in_file(self, name: str, shape: torch.Size) -> str:
        """A shape as the file stores it: (in, out) for a transposed tensor."""
        return str(tuple(reversed(shape)) if name in self.transposed else tuple(shape))


def glassgpt_tensors(stored: Mapping[str, torch.Tensor], file: Path) -> StoredTensors:
    """Any state dict -> StoredTensors: glassgpt's names (also under torch.compile's or DDP's prefix), Hugging
    Face's (with or without `transformer.`) and nanoGPT's (Hugging Face's names, nn.Linear's layout)."""
    prefix = next((p for p in _WRAPPER_PREFIXES if stored and all(k.startswith(p) for k in stored)), "")
    stored = {k.removeprefix(prefix): v for k, v in stored.items() if not k.endswith(_IGNORED_SUFFIXES)}
    hf_names = any(k.startswith(("transformer.", "wte.", "h.")) for k in stored)
    bare = hf_names and not any(k.startswith("transformer.") for k in stored)  # OpenAI's names: no `transformer.`
    conv1d = hf_names and _conv1d_layout(stored)
    tensors, names, transposed = {}, {}, set()
    for key, tensor in stored.items():
        name = glassgpt_name(key) if hf_names else key
        if conv1d and name.endswith(TRANSPOSED) and tensor.dim() == 2:
            tensor = tensor.t()  # Conv1D (in, out) -> Linear (out, in)
            transposed.add(name)
        tensors[name], names[name] = tensor, prefix + key

    def said(name: str) -> str:
        if name in names:
            return names[name]
        if not hf_names:
            return prefix + name
        return prefix + (hf_name(name).removeprefix("transformer.") if bare else hf_name(name))
    return StoredTensors(tensors, said, frozenset(transposed), file)


def _conv1d_layout(stored: Mapping[str, torch.Tensor]) -> bool:
    """Whether Hugging Face-named weights are GPT-2's Conv1D (in, out) rather than nanoGPT's nn.Linear (out, in):
    the first c_attn weight is (d, 3d) in the one and (3d, d) in the other. Without one to tell, Conv1D."""
    c_attn = next((t for k, t in stored.items() if k.endswith("attn.c_attn.weight") and t.dim() == 2), None)
    return c_attn is None or c_attn.shape[0] != 3 * c_attn.shape[1]


def layer_of(name: str) -> int | None:
    """blocks.3.attn.c_attn.weight -> 3; None for a tensor outside the blocks."""
    match = re.match(r"blocks\.(\d+)\.", name)
    return int(match.group(1)) if match else None


def layer_numbers(tensors) -> set[int]:
    return {layer for name in tensors if (layer := layer_of(name)) is not None}


def drop_implied(config: GPTConfig, tensors: dict[str, torch.Tensor]) -> None:
    """Remove what the config implies rather than stores: the zero biases a bias-free model is saved with (Hugging
    Face GPT-2 always has biases; a learned, non-zero one stays and is reported as unexpected, never dropped
    silently), and a tied head stored under its second name (a differing one stays and is reported)."""
    if not config.bias:
        for name in [k for k, v in tensors.items() if k.endswith(".bias") and v.is_floating_point() and not v.any()]:
            del tensors[name]
    head, tok = tensors.get("lm_head.weight"), tensors.get("tok_emb.weight")
    if config.tie_weights and head is not None and tok is not None and head.shape == tok.shape \
            and torch.equal(head, tok):
        del tensors["lm_head.weight"]


def check_layer_count(config: GPTConfig, stored: StoredTensors) -> None:
    """The file holds blocks 0 .. n_layer-1, no fewer and no more: checked on the names alone, so that a config
    that claims more layers than the weights hold fails before its model is built."""
    tensors, said, file = stored.tensors, stored.said, stored.file
    beyond = sorted(said(name) for name in tensors if (layer_of(name) or 0) >= config.n_layer)
    if beyond:
        raise GlassGPTError("checkpoint_unexpected_tensor", file=str(file), tensor=beyond[0])
    layers = layer_numbers(tensors)
    absent = next((i for i in range(config.n_layer) if i not in layers), None)  # stops at the first gap
    if absent is not None:
        raise GlassGPTError("checkpoint_missing_tensor",
                            file=str(file), tensor=said(f"blocks.{absent}.ln_1.weight"))  # every block has it


def checked_tensors(expected: Mapping[str, torch.Size], stored: StoredTensors) -> dict[str, torch.Tensor]:
    """The tensors for exactly the `expected` names and shapes: each one present, floating point (float8 is
    refused: nothing in PyTorch computes in it on a CPU), of its shape, finite; none left over."""
    tensors, said, file = dict(stored.tensors), stored.said, str(stored.file)
    loaded = {}
    for name, shape in expected.items():
        key = said(name)  # the way the file names it
        if name not in tensors:
            raise GlassGPTError("checkpoint_missing_tensor", file=file, tensor=key)
        tensor = tensors.pop(name)
        if not tensor.is_floating_point() or tensor.element_size() < 2:  # integers, bools, float8
            raise GlassGPTError("checkpoint_dtype", file=file, tensor=key, dtype=str(tensor.dtype))
        if tensor.shape != shape:
            raise GlassGPTError("checkpoint_shape", file=file, tensor=key,
                                got=stored.shape_in_file(name, tensor.shape),
                                expected=stored.shape_in_file(name, shape))
        if not torch.isfinite(torch.stack(torch.aminmax(tensor))).all():  # NaN and inf reach min or max
            raise GlassGPTError("checkpoint_not_finite", file=file, tensor=key)
        loaded[name] = tensor
    if tensors:
        raise GlassGPTError("checkpoint_unexpected_tensor", file=file, tensor=sorted(said(n) for n in tensors)[0])
    return loaded
