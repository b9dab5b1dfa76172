"""Hugging Face GPT-2 folders: the names, the config.json translation, and the layout (Conv1D) of their tensors.

Two differences of layout, handled here and in tensors.py and nowhere else:
- names: glassgpt says `tok_emb`, `pos_emb`, `blocks.i`; Hugging Face says `transformer.wte`, `transformer.wpe`,
  `transformer.h.i` (OpenAI's original files leave out the `transformer.` prefix, which we accept too);
- GPT-2's `Conv1D` stores a weight as (in, out), `nn.Linear` as (out, in): those four weights are transposed.
What Hugging Face's GPT-2 cannot express is kept under a "glassgpt" key of config.json (`bias`, `attention`);
transformers ignores it. A bias-free model is written with zero biases, so transformers computes the same thing.
"""

import json
from pathlib import Path

import torch

from ..config import GPTConfig, upgrade_fields
from ..errors import GlassGPTError
from .files import read_regular_text

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
LEGACY_WEIGHTS_FILE = "pytorch_model.bin"  # older transformers folders: a pickled state dict
# files a checkpoint folder may hold besides the weights (transformers', tokenizers', trainers'); any other
# file makes save_pretrained refuse, because saving replaces the folder whole (saving.py)
CHECKPOINT_FILES = frozenset((
    CONFIG_FILE, WEIGHTS_FILE, LEGACY_WEIGHTS_FILE, "generation_config.json", "tokenizer.json", "vocab.json",
    "merges.txt", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
    "optimizer.pt", "scheduler.pt", "trainer_state.json", "training_args.bin", "rng_state.pth",
    "training_state.pt",  # glassgpt train's
))
# Conv1D weights in GPT-2 checkpoints, stored transposed relative to nn.Linear
TRANSPOSED = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
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


def glassgpt_name(name: str) -> str:
    """Hugging Face GPT2LMHeadModel name (with or without `transformer.`) -> glassgpt parameter name."""
    if name.startswith("lm_head."):
        return name
    name = name.removeprefix("transformer.")
    for theirs, ours in (("wte.", "tok_emb."), ("wpe.", "pos_emb."), ("h.", "blocks.")):
        if name.startswith(theirs):
            return ours + name.removeprefix(theirs)
    return name


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
        block_size=hf.get("n_positions", hf.get("n_ctx")),  # n_ctx: the older name (transformers reads only n_positions)
        n_layer=hf["n_layer"],
        n_head=hf["n_head"],
        n_embd=hf["n_embd"],
        dropout=float(hf.get("resid_pdrop", 0.1)),  # transformers' GPT2Config default
        tie_weights=bool(hf.get("tie_word_embeddings", True)),
        gelu_approximate=_GELU_BY_HF_NAME[activation],
        layer_norm_eps=float(hf.get("layer_norm_epsilon", 1e-5)),
    )
    fields.update(upgrade_fields(hf.get("glassgpt", {})))  # glassgpt's own fields (bias=False, flash) win
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
        tensors[hf_name(name)] = (tensor.t() if name.endswith(TRANSPOSED) else tensor).contiguous()
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
    """The GPTConfig of a checkpoint folder's config.json. Any damage is a GlassGPTError naming the file."""
    file = Path(folder) / CONFIG_FILE
    text = read_regular_text(file)
    try:
        hf = json.loads(text)
        if not isinstance(hf, dict):
            raise TypeError(f"the top level is a {type(hf).__name__}, not an object")
        return config_from_hf(hf)
    except GlassGPTError:
        raise
    except KeyError as e:
        raise GlassGPTError("checkpoint_config_field",
                            file=str(file), field=e.args[0]) from e
    except Exception as e:  # undecodable, or a field of the wrong kind (a string where a number belongs, ...)
        raise GlassGPTError("checkpoint_damaged",
                            file=str(file)) from e


def weights_file(folder: Path) -> Path:
    """The weights file of a checkpoint folder: model.safetensors, or else an older pytorch_model.bin."""
    file = Path(folder) / WEIGHTS_FILE
    if not file.is_file() and (Path(folder) / LEGACY_WEIGHTS_FILE).is_file():
        return Path(folder) / LEGACY_WEIGHTS_FILE
    return file
