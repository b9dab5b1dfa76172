"""Hugging Face GPT-2 checkpoints in and out: `GPT.from_pretrained(dir)` and `model.save_pretrained(dir)`.

A checkpoint is a folder with `config.json` and `model.safetensors`, exactly as `transformers` writes GPT-2. It is
glassgpt's own format too, so there is one format that the whole ecosystem reads. Older folders that hold
`pytorch_model.bin` instead are read too, with `torch.load(weights_only=True)`: a pickle that tries to run code is
refused, not executed.

Two differences of layout, both handled here and nowhere else:
- names: glassgpt says `tok_emb`, `pos_emb`, `blocks.i`; Hugging Face says `transformer.wte`, `transformer.wpe`,
  `transformer.h.i` (OpenAI's original files leave out the `transformer.` prefix, which we accept too);
- GPT-2's `Conv1D` stores a weight as (in, out), `nn.Linear` as (out, in): those four weights are transposed.

What Hugging Face's GPT-2 cannot express is kept under a "glassgpt" key of config.json (`bias`, `attention`);
transformers ignores it. A bias-free model is written with zero biases, so transformers computes the same thing.

Writing is atomic per file: each file goes to a temporary name in the same folder and is renamed over the old one
only once it is complete, so a crash (full disk, killed job) mid-write leaves the old checkpoint as it was. Both
files are complete before the first rename; only a crash between the two renames mixes old and new, and then a
changed shape is reported on loading, never silently used.

This module imports nothing from model.py: `GPT` inherits `CheckpointMixin` and the mixin builds `cls(config)`.
"""

import json
import os
import pickle
import secrets
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .config import GPTConfig
from .errors import GlassGPTError

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
LEGACY_WEIGHTS_FILE = "pytorch_model.bin"  # older transformers folders: a pickled state dict
# Conv1D weights in GPT-2 checkpoints, stored transposed relative to nn.Linear
_TRANSPOSED = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
# old GPT-2 files also carry the causal mask as a buffer; it is not a weight
_IGNORED_SUFFIXES = (".attn.bias", ".attn.masked_bias")
_GELU_BY_HF_NAME = {"gelu_new": "tanh", "gelu_pytorch_tanh": "tanh", "gelu": "none"}
# the GPTConfig fields that Hugging Face's own GPT-2 config fields carry; the others go under "glassgpt"
_FIELDS_HF_EXPRESSES = ("vocab_size", "block_size", "n_layer", "n_head", "n_embd", "dropout", "tie_weights",
                        "gelu_approximate", "layer_norm_eps")
_GPT2_EOS_ID = 50256  # <|endoftext|> in GPT-2's tokenizer


def hf_name(name: str) -> str:
    """glassgpt parameter name -> Hugging Face GPT2LMHeadModel name."""
    if name.startswith("lm_head."):
        return name
    name = name.replace("tok_emb.", "wte.").replace("pos_emb.", "wpe.").replace("blocks.", "h.")
    return "transformer." + name


def config_from_hf(hf: dict) -> GPTConfig:
    """A GPTConfig from the fields of a Hugging Face GPT-2 `config.json`."""
    if hf.get("scale_attn_by_inverse_layer_idx") or hf.get("scale_attn_weights") is False:
        raise GlassGPTError("checkpoint_unsupported",
                            what="attention scaling")
    n_inner = hf.get("n_inner")
    if n_inner is not None and n_inner != 4 * hf["n_embd"]:
        raise GlassGPTError("checkpoint_unsupported", what=f"n_inner={n_inner}")
    activation = hf.get("activation_function", "gelu_new")
    if activation not in _GELU_BY_HF_NAME:
        raise GlassGPTError("checkpoint_unsupported", what=f"activation {activation}")
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


def config_to_hf(config: GPTConfig, dtype: torch.dtype) -> dict:
    """The `config.json` of a Hugging Face GPT-2 with this config; `dtype` is that of the stored weights."""
    eos = _GPT2_EOS_ID if config.vocab_size > _GPT2_EOS_ID else None  # GPT-2's id only where it is a real token
    return {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "vocab_size": config.vocab_size,
        "n_positions": config.block_size,
        "n_ctx": config.block_size,
        "n_layer": config.n_layer,
        "n_head": config.n_head,
        "n_embd": config.n_embd,
        "n_inner": None,  # 4 * n_embd
        "activation_function": "gelu_new" if config.gelu_approximate == "tanh" else "gelu",
        "resid_pdrop": config.dropout,
        "embd_pdrop": config.dropout,
        "attn_pdrop": config.dropout,
        "layer_norm_epsilon": config.layer_norm_eps,
        "initializer_range": 0.02,
        "scale_attn_weights": True,
        "scale_attn_by_inverse_layer_idx": False,
        "reorder_and_upcast_attn": False,
        "tie_word_embeddings": config.tie_weights,
        "bos_token_id": eos,
        "eos_token_id": eos,
        "dtype": str(dtype).removeprefix("torch."),
        "glassgpt": {k: v for k, v in config.to_dict().items() if k not in _FIELDS_HF_EXPRESSES},
    }


def hf_tensors(config: GPTConfig, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A glassgpt state dict -> the tensors of a Hugging Face GPT2LMHeadModel checkpoint, on the CPU."""
    tensors = {}
    for name, tensor in state.items():
        if config.tie_weights and name == "lm_head.weight":
            continue  # the same matrix as tok_emb.weight: stored once, as transformers does
        tensor = tensor.detach().cpu()
        tensors[hf_name(name)] = (tensor.t() if name.endswith(_TRANSPOSED) else tensor).contiguous()
    if not config.bias:
        # Hugging Face GPT-2 always has biases: zeros make its layers compute exactly what bias-free ones do
        d, dtype = config.n_embd, tensors["transformer.wte.weight"].dtype
        widths = {"ln_1": d, "attn.c_attn": 3 * d, "attn.c_proj": d, "ln_2": d, "mlp.c_fc": 4 * d, "mlp.c_proj": d}
        for i in range(config.n_layer):
            for module, width in widths.items():
                tensors[f"transformer.h.{i}.{module}.bias"] = torch.zeros(width, dtype=dtype)
        tensors["transformer.ln_f.bias"] = torch.zeros(d, dtype=dtype)
    return tensors


def read_config(folder: Path) -> GPTConfig:
    file = folder / CONFIG_FILE
    if not file.is_file():
        raise GlassGPTError("checkpoint_missing_file", file=str(file))
    try:
        hf = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(hf, dict):
            raise TypeError(f"the top level is a {type(hf).__name__}, not an object")
        return config_from_hf(hf)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise GlassGPTError("checkpoint_damaged", file=str(file)) from e
    except KeyError as e:
        raise GlassGPTError("checkpoint_config_field",
                            file=str(file), field=e.args[0]) from e
    except (TypeError, AttributeError) as e:  # a field of the wrong kind, e.g. a string where a number belongs
        raise GlassGPTError("checkpoint_damaged",
                            file=str(file)) from e


def read_weights(folder: Path) -> tuple[Path, dict[str, torch.Tensor]]:
    """The stored tensors, from model.safetensors or else pytorch_model.bin, with the file they came from."""
    file = folder / WEIGHTS_FILE
    if not file.is_file() and (folder / LEGACY_WEIGHTS_FILE).is_file():
        file = folder / LEGACY_WEIGHTS_FILE
    if not file.is_file():
        raise GlassGPTError("checkpoint_missing_file", file=str(file))
    try:
        if file.name == WEIGHTS_FILE:
            stored = load_file(file)
        else:
            # weights_only: unpickle tensors and plain containers only; anything that would run code is refused
            stored = torch.load(file, map_location="cpu", weights_only=True)
    except (SafetensorError, pickle.UnpicklingError, OSError, ValueError, RuntimeError, EOFError) as e:
        raise GlassGPTError("checkpoint_damaged", file=str(file)) from e
    if not isinstance(stored, dict) or not all(isinstance(v, torch.Tensor) for v in stored.values()):
        raise GlassGPTError("checkpoint_damaged",
                            file=str(file))
    return file, stored


def write_atomically(file: Path, write) -> Path:
    """Call `write(temporary_path)`, flush it to disk, and return the temporary path (next to `file`).

    Nothing is renamed here; on any failure the temporary file is removed and `file` is untouched.
    """
    temporary = file.with_name(f".{file.name}.{secrets.token_hex(6)}.tmp")  # same folder: rename is atomic
    try:
        write(temporary)
        with open(temporary, "rb+") as f:
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


class CheckpointMixin:
    @classmethod
    def from_pretrained(cls, path) -> "CheckpointMixin":
        """Read a Hugging Face GPT-2 folder (config.json + model.safetensors) into a GPT, in eval mode.

        Every tensor is checked: a missing, unexpected or wrongly shaped one is an error that names it. The model
        comes back in the dtype its weights were stored in (float32 for OpenAI's GPT-2).
        """
        folder = Path(path)
        if not folder.is_dir():
            raise GlassGPTError("checkpoint_not_dir",
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
                raise GlassGPTError("checkpoint_missing_tensor",
                                    file=str(file), tensor=key)
            tensor = stored.pop(key)
            if not tensor.is_floating_point():
                raise GlassGPTError("checkpoint_dtype", file=str(file), tensor=key, dtype=str(tensor.dtype))
            if name.endswith(_TRANSPOSED):
                tensor = tensor.t()
            if tensor.shape != param.shape:
                raise GlassGPTError(
                    "checkpoint_shape", file=str(file), tensor=key,
                    got=str(tuple(tensor.shape)), expected=str(tuple(param.shape)),
                )
            loaded[name] = tensor
        if stored:
            key = sorted(stored)[0]
            raise GlassGPTError("checkpoint_unexpected_tensor", file=str(file), tensor=key)
        model.load_state_dict(loaded, strict=False)  # strict=False only because the tied head was left out
        # load_state_dict copies into float32 parameters (exact for bf16/fp16); then back to the stored dtype
        return model.to(loaded["tok_emb.weight"].dtype).eval()

    def save_pretrained(self, path, state_dict: dict[str, torch.Tensor] | None = None) -> None:
        """Write this model as a Hugging Face GPT-2 folder (config.json + model.safetensors), atomically.

        `transformers.GPT2LMHeadModel.from_pretrained(path)` and `GPT.from_pretrained(path)` both read it. The
        folder is created if needed; an existing checkpoint in it is replaced only once the new files are complete.
        `state_dict`: the tensors to write instead of this model's own, e.g. a full state dict gathered from an
        FSDP-sharded copy with `torch.distributed.checkpoint.state_dict.get_model_state_dict(model,
        options=StateDictOptions(full_state_dict=True, cpu_offload=True))`.
        """
        config = self.config
        own = self.state_dict()
        state = own if state_dict is None else state_dict
        expected, given = set(own), set(state)
        if config.tie_weights:  # one matrix under two names: either name will do
            expected.discard("lm_head.weight")
            given.discard("lm_head.weight")
        if expected != given:
            missing = ", ".join(sorted(expected - given)[:3]) or "-"  # the first few names say enough
            unexpected = ", ".join(sorted(given - expected)[:3]) or "-"
            raise GlassGPTError("state_dict_mismatch", missing=missing, unexpected=unexpected)
        if torch.distributed.is_available():
            from torch.distributed.tensor import DTensor

            if any(isinstance(t, DTensor) for t in state.values()):
                raise TypeError("this model's parameters are sharded (DTensor); gather a full state dict first with "
                                "torch.distributed.checkpoint.state_dict.get_model_state_dict(model, options="
                                "StateDictOptions(full_state_dict=True, cpu_offload=True)) and pass it as state_dict")
        tensors = hf_tensors(config, state)
        hf_config = config_to_hf(config, tensors["transformer.wte.weight"].dtype)

        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        # transformers refuses safetensors files without format metadata
        weights = write_atomically(folder / WEIGHTS_FILE, lambda f: save_file(tensors, f, metadata={"format": "pt"}))
        try:
            config_text = json.dumps(hf_config, indent=2) + "\n"
            config_file = write_atomically(folder / CONFIG_FILE, lambda f: f.write_text(config_text, encoding="utf-8"))
        except BaseException:
            weights.unlink()
            raise
        os.replace(weights, folder / WEIGHTS_FILE)
        os.replace(config_file, folder / CONFIG_FILE)
        if os.name == "posix":  # make the renames themselves durable
            fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
