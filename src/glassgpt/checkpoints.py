"""Hugging Face GPT-2 checkpoints in (and, later, out): `GPT.from_pretrained(dir)`.

A checkpoint is a folder with `config.json` and `model.safetensors`, exactly as `transformers` writes GPT-2. It is
glassgpt's own format too, so there is one format that the whole ecosystem reads.

Two differences of layout, both handled here and nowhere else:
- names: glassgpt says `tok_emb`, `pos_emb`, `blocks.i`; Hugging Face says `transformer.wte`, `transformer.wpe`,
  `transformer.h.i` (OpenAI's original files leave out the `transformer.` prefix, which we accept too);
- GPT-2's `Conv1D` stores a weight as (in, out), `nn.Linear` as (out, in): those four weights are transposed.

This module imports nothing from model.py: `GPT` inherits `CheckpointMixin` and the mixin builds `cls(config)`.
"""

import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from .config import GPTConfig
from .errors import GlassGPTError

# Conv1D weights in GPT-2 checkpoints, stored transposed relative to nn.Linear
_TRANSPOSED = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
# old GPT-2 files also carry the causal mask as a buffer; it is not a weight
_IGNORED_SUFFIXES = (".attn.bias", ".attn.masked_bias")
_GELU_BY_HF_NAME = {"gelu_new": "tanh", "gelu_pytorch_tanh": "tanh", "gelu": "none"}


def hf_name(name: str) -> str:
    """glassgpt parameter name -> Hugging Face GPT2LMHeadModel name."""
    if name.startswith("lm_head."):
        return name
    name = name.replace("tok_emb.", "wte.").replace("pos_emb.", "wpe.").replace("blocks.", "h.")
    return "transformer." + name


def config_from_hf(hf: dict) -> GPTConfig:
    """A GPTConfig from the fields of a Hugging Face GPT-2 `config.json`."""
    if hf.get("scale_attn_by_inverse_layer_idx") or hf.get("scale_attn_weights") is False:
        raise GlassGPTError("checkpoint_unsupported", "this GPT-2 variant scales attention differently "
                            "(scale_attn_by_inverse_layer_idx or scale_attn_weights=false); glassgpt does not",
                            what="attention scaling")
    n_inner = hf.get("n_inner")
    if n_inner is not None and n_inner != 4 * hf["n_embd"]:
        raise GlassGPTError("checkpoint_unsupported", f"MLP width n_inner={n_inner} is not 4 * n_embd; "
                            "glassgpt's MLP is always 4x wide", what=f"n_inner={n_inner}")
    activation = hf.get("activation_function", "gelu_new")
    if activation not in _GELU_BY_HF_NAME:
        raise GlassGPTError("checkpoint_unsupported", f"activation {activation!r} is not a GELU glassgpt has "
                            f"(known: {', '.join(_GELU_BY_HF_NAME)})", what=f"activation {activation}")
    fields = dict(
        vocab_size=hf["vocab_size"],
        block_size=hf.get("n_positions", hf.get("n_ctx")),
        n_layer=hf["n_layer"],
        n_head=hf["n_head"],
        n_embd=hf["n_embd"],
        dropout=float(hf.get("resid_pdrop", 0.0)),
        tie_weights=bool(hf.get("tie_word_embeddings", True)),
        gelu_approximate=_GELU_BY_HF_NAME[activation],
        layer_norm_eps=float(hf.get("layer_norm_epsilon", 1e-5)),
    )
    fields.update(hf.get("glassgpt", {}))  # glassgpt's own fields (bias=False, attention path) win
    return GPTConfig(**fields)


def read_config(folder: Path) -> GPTConfig:
    file = folder / "config.json"
    if not file.is_file():
        raise GlassGPTError("checkpoint_missing_file", f"{file} does not exist; a checkpoint folder needs "
                            "config.json and model.safetensors", file=str(file))
    try:
        hf = json.loads(file.read_text(encoding="utf-8"))
        return config_from_hf(hf)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise GlassGPTError("checkpoint_damaged", f"{file} is not valid JSON ({e})", file=str(file)) from e
    except KeyError as e:
        raise GlassGPTError("checkpoint_config_field", f"{file} lacks the field {e.args[0]!r}",
                            file=str(file), field=e.args[0]) from e
    except TypeError as e:  # a field of the wrong kind, e.g. a string where a number belongs
        raise GlassGPTError("checkpoint_damaged", f"{file} has a field of the wrong type ({e})",
                            file=str(file)) from e


def read_weights(folder: Path) -> tuple[Path, dict[str, torch.Tensor]]:
    file = folder / "model.safetensors"
    if not file.is_file():
        raise GlassGPTError("checkpoint_missing_file", f"{file} does not exist; a checkpoint folder needs "
                            "config.json and model.safetensors", file=str(file))
    try:
        return file, load_file(file)
    except (SafetensorError, OSError, ValueError) as e:
        raise GlassGPTError("checkpoint_damaged", f"{file} is damaged or truncated ({e})", file=str(file)) from e


class CheckpointMixin:
    @classmethod
    def from_pretrained(cls, path) -> "CheckpointMixin":
        """Read a Hugging Face GPT-2 folder (config.json + model.safetensors) into a GPT, in eval mode.

        Every tensor is checked: a missing, unexpected or wrongly shaped one is an error that names it.
        """
        folder = Path(path)
        if not folder.is_dir():
            raise GlassGPTError("checkpoint_not_dir", f"checkpoint folder {folder} does not exist",
                                file=str(folder))
        config = read_config(folder)
        file, stored = read_weights(folder)
        stored = {k: v for k, v in stored.items() if not k.endswith(_IGNORED_SUFFIXES)}
        if not any(k.startswith("transformer.") for k in stored):  # OpenAI's layout: no prefix
            stored = {k if k.startswith("lm_head.") else "transformer." + k: v for k, v in stored.items()}
        if not config.bias:
            # Hugging Face GPT-2 always has biases; a bias-free glassgpt model is saved with zero biases
            stored = {k: v for k, v in stored.items() if not (k.endswith(".bias") and not v.any())}

        model = cls(config)
        own = model.state_dict()
        if config.tie_weights:
            del own["lm_head.weight"]  # the same tensor as tok_emb.weight
            stored.pop("lm_head.weight", None)
        loaded = {}
        for name, param in own.items():
            key = hf_name(name)
            if key not in stored:
                raise GlassGPTError("checkpoint_missing_tensor", f"{file} lacks the tensor {key}",
                                    file=str(file), tensor=key)
            tensor = stored.pop(key)
            if name.endswith(_TRANSPOSED):
                tensor = tensor.t()
            if tensor.shape != param.shape:
                raise GlassGPTError(
                    "checkpoint_shape", f"{file}: tensor {key} has shape {tuple(tensor.shape)}, the config "
                    f"needs {tuple(param.shape)}", file=str(file), tensor=key,
                    got=str(tuple(tensor.shape)), expected=str(tuple(param.shape)),
                )
            loaded[name] = tensor
        if stored:
            key = sorted(stored)[0]
            raise GlassGPTError("checkpoint_unexpected_tensor", f"{file} has a tensor the config has no place "
                                f"for: {key}", file=str(file), tensor=key)
        model.load_state_dict(loaded, strict=False)  # strict=False only because the tied head was left out
        return model.eval()
