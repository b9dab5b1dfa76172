"""The course's single-file checkpoints: step 3's `{"model": state_dict, "config": GPTConfig, "vocab": char_to_idx,
...}`, and a plain state dict (glassgpt's names or Hugging Face's) in a `.pt` or `.safetensors` file.

Without a config in the file, the config is the one passed, or else the preset whose shapes the tensors have
(n_head and the GELU are in no shape, so a size no preset has needs a config).
"""

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import torch

from ..config import PRESETS, GPTConfig, upgrade_fields
from ..errors import GlassGPTError
from ..text import CharTokenizer
from .files import describe, is_state_dict
from .tensors import glassgpt_tensors, layer_numbers


def read_course(stored, file: Path, config: GPTConfig | None):
    """What a course file (or a plain state dict) holds -> (its config, its state dict as stored, a function that
    gives its tokenizer: the character vocabulary of its "vocab", or None)."""
    file_config, vocab = None, None
    if isinstance(stored, Mapping) and "model" in stored and isinstance(stored["model"], Mapping):
        file_config = _config_of(stored.get("config"), file)
        vocab = stored.get("vocab")
        stored = stored["model"]
    if not is_state_dict(stored):
        raise GlassGPTError("checkpoint_pt_unknown",
                            file=str(file), found=describe(stored))
    if file_config is None and config is None:
        file_config = _config_from_shapes(glassgpt_tensors(stored, file).tensors, file)
    config = config if file_config is None else same_config(file_config, config, file)
    return config, dict(stored), lambda: None if vocab is None else CharTokenizer(vocab)


def same_config(stored: GPTConfig, given: GPTConfig | None, file: Path) -> GPTConfig:
    """The config a file holds, which a config passed by the caller (if any) must equal."""
    if given is not None and given != stored:
        field = next(f.name for f in dataclasses.fields(GPTConfig) if getattr(given, f.name) != getattr(stored, f.name))
        raise GlassGPTError("checkpoint_config_conflict", file=str(file), field=field,
                            stored=repr(getattr(stored, field)), given=repr(getattr(given, field)))
    return stored


def _config_of(value, file: Path) -> GPTConfig | None:
    """A course checkpoint's "config": a GPTConfig or a dict of its fields, validated again (unpickling sets
    fields without running GPTConfig's checks)."""
    if value is None:
        return None
    if isinstance(value, GPTConfig):  # as pickled, perhaps by another glassgpt version: its fields, checked
        value = {f.name: vars(value)[f.name] for f in dataclasses.fields(GPTConfig) if f.name in vars(value)}
    if not isinstance(value, Mapping):
        raise GlassGPTError("checkpoint_pt_config_type", file=str(file), type=type(value).__name__)
    value = upgrade_fields(value)
    known = [f.name for f in dataclasses.fields(GPTConfig)]
    unknown = [name for name in value if name not in known]
    if unknown:
        raise GlassGPTError("checkpoint_pt_config_fields", file=str(file), unknown=", ".join(map(repr, unknown)),
                            known=", ".join(known))
    return GPTConfig(**value)


def _config_from_shapes(tensors: dict, file: Path) -> GPTConfig:
    """The preset whose shapes these tensors have (with their tying); n_head and the GELU come from the preset."""
    tok, pos = tensors.get("tok_emb.weight"), tensors.get("pos_emb.weight")
    if tok is None or pos is None or tok.dim() != 2 or pos.dim() != 2:
        raise GlassGPTError("checkpoint_pt_unknown",
                            file=str(file), found=describe(tensors))
    shapes = dict(vocab_size=tok.shape[0], n_embd=tok.shape[1], block_size=pos.shape[0],
                  n_layer=len(layer_numbers(tensors)), bias="blocks.0.attn.c_attn.bias" in tensors)
    head = tensors.get("lm_head.weight")
    tied = head is None or (head.shape == tok.shape and torch.equal(head, tok))
    for preset in PRESETS.values():
        if all(getattr(preset, k) == v for k, v in shapes.items()):
            return preset.replace(tie_weights=tied)
    raise GlassGPTError("checkpoint_needs_config", file=str(file),
                        shapes=" ".join(f"{k}={v}" for k, v in shapes.items() if k != "bias"))
