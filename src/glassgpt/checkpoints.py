"""Checkpoints in and out: `GPT.from_pretrained(path_or_name)` and `model.save_pretrained(folder)`.

What `from_pretrained` reads:
- a folder in Hugging Face GPT-2 format, `config.json` + `model.safetensors` (or an older `pytorch_model.bin`),
  as transformers writes GPT-2 and as `save_pretrained` writes it: one format that the whole ecosystem reads;
- a hub name, `gpt2`, `gpt2-medium`, `gpt2-large` or `gpt2-xl`: fetched once with huggingface_hub into its cache
  (config, weights and tokenizer files); an existing local path of the same name wins;
- a `.pt` file: the course's step-3 checkpoint `{"model": state_dict, "config": GPTConfig, "vocab": char_to_idx,
  ...}`, or a plain state dict (glassgpt's names or Hugging Face's); a `.safetensors` file of a plain state dict.
  Without a config in the file, the config is `config=`, or the preset whose shapes the tensors have.

Safety and checks, in the order they happen:
- pickles (`.pt`, `pytorch_model.bin`) are read with `torch.load(weights_only=True)`: tensors, plain containers
  and glassgpt's GPTConfig (allow-listed below, so the course's own plain `torch.load(path)` works too); a pickle
  that would run code is refused, not executed. Nothing in glassgpt turns weights_only off.
- memory is checked from config.json before anything is built (a config saying `n_layer: 100000` fails at once);
- every tensor is checked before its model is built: a missing, unexpected, wrongly shaped, integer or
  non-finite (NaN, inf) one is an error that names the file and the tensor.

Two differences of layout, handled here and nowhere else:
- names: glassgpt says `tok_emb`, `pos_emb`, `blocks.i`; Hugging Face says `transformer.wte`, `transformer.wpe`,
  `transformer.h.i` (OpenAI's original files leave out the `transformer.` prefix, which we accept too);
- GPT-2's `Conv1D` stores a weight as (in, out), `nn.Linear` as (out, in): those four weights are transposed.
What Hugging Face's GPT-2 cannot express is kept under a "glassgpt" key of config.json (`bias`, `attention`);
transformers ignores it. A bias-free model is written with zero biases, so transformers computes the same thing.

Writing replaces the whole folder at once, so that no reader and no crash ever sees one checkpoint's config with
another's weights (folders.py says how).

This module imports nothing from model.py: `GPT` inherits `CheckpointMixin` and the mixin builds `cls(config)`.
"""

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .accounting import format_bytes, require_memory, weight_bytes
from .config import PRESETS, GPTConfig
from .errors import GlassGPTError
from .folders import folder_lock, recover_interrupted_save, write_folder

# The course's step 3 pickles a GPTConfig into its checkpoint and loads it with a plain torch.load, which is
# weights_only=True from torch 2.6: allow-list the config (a frozen dataclass of numbers and strings) for it.
torch.serialization.add_safe_globals([GPTConfig])

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
LEGACY_WEIGHTS_FILE = "pytorch_model.bin"  # older transformers folders: a pickled state dict
HUB_NAMES = ("gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl")  # OpenAI's GPT-2 on the Hugging Face Hub
# what a hub download fetches: the config, the weights in the safe format, and the tokenizer in either layout
HUB_FILES = (CONFIG_FILE, WEIGHTS_FILE, "tokenizer.json", "vocab.json", "merges.txt", "tokenizer.model")
# files a checkpoint folder may hold besides the weights (transformers', tokenizers', trainers'); any other
# file makes save_pretrained refuse, because saving replaces the folder whole
CHECKPOINT_FILES = frozenset((
    CONFIG_FILE, WEIGHTS_FILE, LEGACY_WEIGHTS_FILE, "generation_config.json", "tokenizer.json", "vocab.json",
    "merges.txt", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
    "optimizer.pt", "scheduler.pt", "trainer_state.json", "training_args.bin", "rng_state.pth",
    "training_state.pt",  # glassgpt train's
))
# Conv1D weights in GPT-2 checkpoints, stored transposed relative to nn.Linear
_TRANSPOSED = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
# old GPT-2 files also carry the causal mask as a buffer; it is not a weight
_IGNORED_SUFFIXES = (".attn.bias", ".attn.masked_bias")
_GELU_BY_HF_NAME = {"gelu_new": "tanh", "gelu_pytorch_tanh": "tanh", "gelu": "none"}
# the GPTConfig fields that Hugging Face's own GPT-2 config fields carry; the others go under "glassgpt"
_FIELDS_HF_EXPRESSES = ("vocab_size", "block_size", "n_layer", "n_head", "n_embd", "dropout", "tie_weights",
                        "gelu_approximate", "layer_norm_eps")
_GPT2_EOS_ID = 50256  # <|endoftext|> in GPT-2's tokenizer
# prefixes a state dict gets from torch.compile (`_orig_mod.`) and from DDP / DataParallel (`module.`)
_WRAPPER_PREFIXES = ("_orig_mod.", "module.")


# --- names and layouts -----------------------------------------------------------------------------------------

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


# --- reading files ---------------------------------------------------------------------------------------------

def read_config(folder: Path) -> GPTConfig:
    """The GPTConfig of a checkpoint folder's config.json. Any damage is a GlassGPTError naming the file."""
    file = Path(folder) / CONFIG_FILE
    if not file.is_file():
        raise GlassGPTError("checkpoint_missing_file", file=str(file))
    try:
        hf = json.loads(file.read_text(encoding="utf-8"))
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


def read_weights(folder: Path) -> tuple[Path, dict[str, torch.Tensor]]:
    """The stored tensors, from model.safetensors or else pytorch_model.bin, with the file they came from."""
    file = Path(folder) / WEIGHTS_FILE
    if not file.is_file() and (Path(folder) / LEGACY_WEIGHTS_FILE).is_file():
        file = Path(folder) / LEGACY_WEIGHTS_FILE
    if not file.is_file():
        raise GlassGPTError("checkpoint_missing_file", file=str(file))
    return file, _tensors_in(read_weights_file(file), file)


def read_weights_file(file: Path):
    """What a weights file holds: a safetensors file's tensors, or a pickle's object read with
    torch.load(weights_only=True). A file that is not one, or is damaged, is a GlassGPTError naming it."""
    file = Path(file)
    require_memory(file.stat().st_size, f"{file.name} ({file.stat().st_size} bytes)")
    try:
        if file.suffix == ".safetensors":
            return load_file(file)
        # weights_only: tensors, plain containers and GPTConfig; anything that would run code is refused
        return torch.load(file, map_location="cpu", weights_only=True)
    except Exception as e:  # any failure to parse means: not a checkpoint, or a damaged one
        unsafe = _unsafe_globals(file)
        if unsafe:
            raise GlassGPTError("checkpoint_unsafe_pickle",
                                file=str(file), names=", ".join(sorted(unsafe))) from e
        raise GlassGPTError("checkpoint_damaged",
                            file=str(file)) from e


def _unsafe_globals(file: Path) -> list[str]:
    """The Python globals a torch.save file names that weights_only refuses (read statically, nothing run)."""
    try:
        return torch.serialization.get_unsafe_globals_in_checkpoint(file)
    except Exception:  # not a zip of torch.save at all: damaged, not unsafe
        return []


def _tensors_in(stored, file: Path) -> dict[str, torch.Tensor]:
    if not isinstance(stored, Mapping) or not stored or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in stored.items()):
        raise GlassGPTError("checkpoint_damaged",
                            file=str(file))
    return dict(stored)


def _describe(value) -> str:
    """What an unexpected object is, for an error message, in Python's notation (the same in every language): a
    dict as its first five keys, `{'epoch': ..., 'loss': ...}`; anything else as its type, `list`."""
    if isinstance(value, Mapping):
        keys = [f"{k!r}: ..." for k in list(value)[:5]] + (["..."] if len(value) > 5 else [])
        return "{" + ", ".join(keys) + "}"
    return type(value).__name__


# --- locating: a path, or a name on the hub ---------------------------------------------------------------------

def locate_checkpoint(path_or_name, files: tuple[str, ...] = HUB_FILES) -> Path:
    """The folder or file a checkpoint argument names. An existing path is itself (after undoing what a killed
    save left next to it); a hub name (HUB_NAMES) is its snapshot folder in the hub cache, where `files` are
    downloaded first when they are not there yet."""
    path = Path(path_or_name)
    recover_interrupted_save(path)
    if path.exists():
        return path
    if isinstance(path_or_name, str) and path_or_name in HUB_NAMES:
        return download_from_hub(path_or_name, files)
    raise GlassGPTError("checkpoint_not_found",
                        file=str(path), names=", ".join(HUB_NAMES))


def download_from_hub(name: str, files: tuple[str, ...] = HUB_FILES) -> Path:
    """`files` of the hub repository `name`, fetched into huggingface_hub's cache (HF_HUB_CACHE / HF_HOME) unless
    they are there already; returns the snapshot folder. With HF_HUB_OFFLINE=1 only the cache is read."""
    from huggingface_hub import constants, snapshot_download

    try:
        return Path(snapshot_download(name, allow_patterns=list(files)))
    except Exception as e:  # offline, unreachable, a missing or incomplete cache: all mean "not here"
        if constants.is_offline_mode():
            raise GlassGPTError("hub_offline",
                                name=name, cache=constants.HF_HUB_CACHE) from e
        reason = (str(e).strip().split(". ")[0].splitlines() or [type(e).__name__])[0][:160]
        raise GlassGPTError("hub_unavailable",
                            name=name, reason=reason) from e


def checkpoint_config(path_or_name, config: GPTConfig | None = None) -> GPTConfig:
    """The config of a checkpoint, reading as little as possible: a folder's (or a hub model's) config.json
    alone, never its weights; a .pt file's config (or the one its tensors' shapes give)."""
    path = locate_checkpoint(path_or_name, files=(CONFIG_FILE,))
    if path.is_dir():
        with folder_lock(path, exclusive=False):
            return _same_config(read_config(path), config, path / CONFIG_FILE)
    return read_checkpoint_file(path, config)[0]


def read_checkpoint_file(file: Path, config: GPTConfig | None = None) -> tuple[GPTConfig, dict[str, torch.Tensor]]:
    """A single-file checkpoint -> (its config, its state dict as stored).

    The course's dict {"model": state_dict, "config": GPTConfig, ...}, or a plain state dict; in the latter, the
    config is `config`, or else the preset whose shapes its tensors have (n_head and the GELU are not in any
    shape, so a size no preset has needs `config`)."""
    stored = read_weights_file(file)
    file_config = None
    if isinstance(stored, Mapping) and "model" in stored and isinstance(stored["model"], Mapping):
        file_config = _config_of(stored.get("config"), file)
        stored = stored["model"]
    if not isinstance(stored, Mapping) or not stored or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in stored.items()):
        raise GlassGPTError("checkpoint_pt_unknown",
                            file=str(file), found=_describe(stored))
    if file_config is None and config is None:
        file_config = _config_from_shapes(_glassgpt_tensors(stored)[0], file)
    return (config if file_config is None else _same_config(file_config, config, file)), dict(stored)


def _config_of(value, file: Path) -> GPTConfig | None:
    """A course checkpoint's "config": a GPTConfig or a dict of its fields, validated again (unpickling sets
    fields without running GPTConfig's checks)."""
    if value is None:
        return None
    if isinstance(value, GPTConfig):  # as pickled, perhaps by another glassgpt version: its fields, checked
        value = {f.name: vars(value)[f.name] for f in dataclasses.fields(GPTConfig) if f.name in vars(value)}
    if not isinstance(value, Mapping):
        raise GlassGPTError("checkpoint_pt_config_type", file=str(file), type=type(value).__name__)
    known = [f.name for f in dataclasses.fields(GPTConfig)]
    unknown = [name for name in value if name not in known]
    if unknown:
        raise GlassGPTError("checkpoint_pt_config_fields", file=str(file), unknown=", ".join(map(repr, unknown)),
                            known=", ".join(known))
    return GPTConfig(**value)


def _same_config(stored: GPTConfig, given: GPTConfig | None, file: Path) -> GPTConfig:
    if given is not None and given != stored:
        field = next(f.name for f in dataclasses.fields(GPTConfig) if getattr(given, f.name) != getattr(stored, f.name))
        raise GlassGPTError("checkpoint_config_conflict", file=str(file), field=field,
                            stored=repr(getattr(stored, field)), given=repr(getattr(given, field)))
    return stored


def _glassgpt_tensors(stored: Mapping[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], Callable[[str], str]]:
    """Any state dict -> (its tensors under glassgpt's names, in nn.Linear's layout; a function that says a
    glassgpt name the way the file does, for messages). Takes glassgpt's own names (also under torch.compile's or
    DDP's prefix) and Hugging Face's (with or without `transformer.`)."""
    prefix = next((p for p in _WRAPPER_PREFIXES if stored and all(k.startswith(p) for k in stored)), "")
    stored = {k.removeprefix(prefix): v for k, v in stored.items() if not k.endswith(_IGNORED_SUFFIXES)}
    hf_layout = any(k.startswith(("transformer.", "wte.", "h.")) for k in stored)
    bare = hf_layout and not any(k.startswith("transformer.") for k in stored)  # OpenAI's names: no `transformer.`
    tensors, names = {}, {}
    for key, tensor in stored.items():
        name = glassgpt_name(key) if hf_layout else key
        if hf_layout and name.endswith(_TRANSPOSED) and tensor.dim() == 2:
            tensor = tensor.t()  # Conv1D (in, out) -> Linear (out, in)
        tensors[name], names[name] = tensor, prefix + key

    def said(name: str) -> str:
        if name in names:
            return names[name]
        if not hf_layout:
            return prefix + name
        return prefix + (hf_name(name).removeprefix("transformer.") if bare else hf_name(name))
    return tensors, said


def _config_from_shapes(tensors: dict[str, torch.Tensor], file: Path) -> GPTConfig:
    """The preset whose shapes these tensors have (with their tying); n_head and the GELU come from the preset."""
    tok, pos = tensors.get("tok_emb.weight"), tensors.get("pos_emb.weight")
    if tok is None or pos is None or tok.dim() != 2 or pos.dim() != 2:
        raise GlassGPTError("checkpoint_pt_unknown",
                            file=str(file), found=_describe(tensors))
    shapes = dict(vocab_size=tok.shape[0], n_embd=tok.shape[1], block_size=pos.shape[0],
                  n_layer=len(_layer_numbers(tensors)), bias="blocks.0.attn.c_attn.bias" in tensors)
    head = tensors.get("lm_head.weight")
    tied = head is None or (head.shape == tok.shape and torch.equal(head, tok))
    for preset in PRESETS.values():
        if all(getattr(preset, k) == v for k, v in shapes.items()):
            return preset.replace(tie_weights=tied)
    raise GlassGPTError("checkpoint_needs_config", file=str(file),
                        shapes=" ".join(f"{k}={v}" for k, v in shapes.items() if k != "bias"))


def _layer_of(name: str) -> int | None:
    """blocks.3.attn.c_attn.weight -> 3; None for a tensor outside the blocks."""
    match = re.match(r"blocks\.(\d+)\.", name)
    return int(match.group(1)) if match else None


def _layer_numbers(tensors) -> set[int]:
    return {layer for name in tensors if (layer := _layer_of(name)) is not None}


def _check_layer_count(config: GPTConfig, tensors: dict, said: Callable[[str], str], file: Path) -> None:
    """The file holds blocks 0 .. n_layer-1, no fewer and no more: checked on the names alone, so that a config
    that claims more layers than the weights hold fails before its model is built."""
    beyond = sorted(said(name) for name in tensors if (_layer_of(name) or 0) >= config.n_layer)
    if beyond:
        raise GlassGPTError("checkpoint_unexpected_tensor", file=str(file), tensor=beyond[0])
    layers = _layer_numbers(tensors)
    absent = next((i for i in range(config.n_layer) if i not in layers), None)  # stops at the first gap
    if absent is not None:
        raise GlassGPTError("checkpoint_missing_tensor",
                            file=str(file), tensor=said(f"blocks.{absent}.ln_1.weight"))  # every block has it


# --- the mixin: GPT.from_pretrained, model.save_pretrained --------------------------------------------------------

class CheckpointMixin:
    @classmethod
    def from_pretrained(cls, path_or_name, config: GPTConfig | None = None) -> "CheckpointMixin":
        """A GPT, in eval mode, from a checkpoint folder, a hub name (`gpt2`, ...) or a `.pt` / `.safetensors`
        file (see the module's docstring). The model comes back in the dtype its weights were stored in.

        `config`: for a file that holds tensors only, the config they belong to; where the checkpoint has a
        config of its own, `config` must equal it. The tokenizer stored with a checkpoint: text.find_tokenizer.
        """
        path = locate_checkpoint(path_or_name)
        if path.is_dir():
            with folder_lock(path, exclusive=False):  # never read half of a concurrent save's swap
                stored_config = _same_config(read_config(path), config, path / CONFIG_FILE)
                _require_model_memory(stored_config, extra=_weights_size(path))
                file, stored = read_weights(path)
            config = stored_config
        else:
            file = path
            config, stored = read_checkpoint_file(path, config)
            _require_model_memory(config)
        tensors, said = _glassgpt_tensors(stored)
        return cls._from_tensors(config, tensors, said, file)

    @classmethod
    def _from_tensors(cls, config: GPTConfig, tensors: dict[str, torch.Tensor], said: Callable[[str], str],
                      file: Path) -> "CheckpointMixin":
        """Check every tensor against `config` (names, shapes, floating point, finite), then build and fill."""
        if not config.bias:
            # a bias-free model is saved with zero biases (Hugging Face GPT-2 always has them); a learned,
            # non-zero one stays in and is reported as unexpected, never dropped silently
            tensors = {k: v for k, v in tensors.items() if not (k.endswith(".bias") and not v.any())}
        head, tok = tensors.get("lm_head.weight"), tensors.get("tok_emb.weight")
        if config.tie_weights and head is not None and tok is not None and head.shape == tok.shape \
                and torch.equal(head, tok):
            del tensors["lm_head.weight"]  # the same matrix under its second name (a differing one is reported)
        _check_layer_count(config, tensors, said, file)  # before building: a config may claim 100,000 layers
        model = cls(config)
        expected = model.state_dict()
        if config.tie_weights:
            del expected["lm_head.weight"]  # the same tensor as tok_emb.weight
        loaded = {}
        for name, param in expected.items():
            key = said(name)  # the way the file names it
            if name not in tensors:
                raise GlassGPTError("checkpoint_missing_tensor",
                                    file=str(file), tensor=key)
            tensor = tensors.pop(name)
            if not tensor.is_floating_point():
                raise GlassGPTError("checkpoint_dtype", file=str(file), tensor=key, dtype=str(tensor.dtype))
            if tensor.shape != param.shape:
                raise GlassGPTError(
                    "checkpoint_shape", file=str(file), tensor=key,
                    got=str(tuple(tensor.shape)), expected=str(tuple(param.shape)),
                )
            if not torch.isfinite(torch.stack(torch.aminmax(tensor))).all():  # NaN and inf reach min or max
                raise GlassGPTError("checkpoint_not_finite",
                                    file=str(file), tensor=key)
            loaded[name] = tensor
        if tensors:
            key = sorted(said(name) for name in tensors)[0]
            raise GlassGPTError("checkpoint_unexpected_tensor", file=str(file), tensor=key)
        model.load_state_dict(loaded, strict=False)  # strict=False only because the tied head was left out
        # load_state_dict copies into float32 parameters (exact for bf16/fp16); then back to the stored dtype
        return model.to(loaded["tok_emb.weight"].dtype).eval()

    def save_pretrained(self, path, state_dict: dict[str, torch.Tensor] | None = None, tokenizer=None,
                        files: Mapping[str, Callable[[Path], None]] | None = None) -> None:
        """Write this model as a Hugging Face GPT-2 folder (config.json + model.safetensors), replacing the
        folder whole and at once (see the module's docstring).

        `transformers.GPT2LMHeadModel.from_pretrained(path)` and `GPT.from_pretrained(path)` both read it.
        `state_dict`: the tensors to write instead of this model's own, e.g. a full state dict gathered from an
        FSDP-sharded copy with `torch.distributed.checkpoint.state_dict.get_model_state_dict(model,
        options=StateDictOptions(full_state_dict=True, cpu_offload=True))`; checked against the config (every
        name, every shape) before anything is written.
        `tokenizer` (text.Tokenizer): written into the folder too, where text.find_tokenizer finds it again.
        `files`: more files for the same folder, written and swapped in together with the weights: a name ->
        a function that writes that file, e.g. {"optimizer.pt": lambda f: torch.save(opt.state_dict(), f)}.
        """
        config = self.config
        own = self.state_dict()
        state = own if state_dict is None else state_dict
        _check_state_dict(config, own, state)
        if torch.distributed.is_available():
            from torch.distributed.tensor import DTensor

            if any(isinstance(t, DTensor) for t in state.values()):
                raise TypeError("this model's parameters are sharded (DTensor); gather a full state dict first with "
                                "torch.distributed.checkpoint.state_dict.get_model_state_dict(model, options="
                                "StateDictOptions(full_state_dict=True, cpu_offload=True)) and pass it as state_dict")
        tensors = hf_tensors(config, state)
        config_text = json.dumps(config_to_hf(config, tensors["transformer.wte.weight"].dtype), indent=2) + "\n"

        def fill(folder: Path) -> None:
            # {"format": "pt"} as transformers writes it: older transformers releases (and its Flax loader) refuse a
            # safetensors file without it
            save_file(tensors, folder / WEIGHTS_FILE, metadata={"format": "pt"})
            (folder / CONFIG_FILE).write_text(config_text, encoding="utf-8")
            if tokenizer is not None:
                tokenizer.save(folder)
            for name, write in (files or {}).items():
                write(folder / name)
        write_folder(Path(path), fill, allowed=CHECKPOINT_FILES | set(files or ()))


def _check_state_dict(config: GPTConfig, own: dict, state: Mapping) -> None:
    """`state` has exactly the model's names (the tied head under either name) and the model's shapes."""
    expected, given = set(own), set(state)
    if config.tie_weights:  # one matrix under two names: either name will do
        expected.discard("lm_head.weight")
        given.discard("lm_head.weight")
    if expected != given:
        missing = ", ".join(sorted(expected - given)[:3]) or "-"  # the first few names say enough
        unexpected = ", ".join(sorted(given - expected)[:3]) or "-"
        raise GlassGPTError("state_dict_mismatch", missing=missing, unexpected=unexpected)
    for name in sorted(given):
        tensor = state[name]
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"state_dict[{name!r}] is a {type(tensor).__name__}, not a tensor")
        if tensor.shape != own[name].shape:
            raise GlassGPTError("state_dict_shape", tensor=name, got=str(tuple(tensor.shape)),
                                expected=str(tuple(own[name].shape)))


def _weights_size(folder: Path) -> int:
    for name in (WEIGHTS_FILE, LEGACY_WEIGHTS_FILE):
        if (folder / name).is_file():
            return (folder / name).stat().st_size
    return 0


def _require_model_memory(config: GPTConfig, extra: int = 0) -> None:
    """Building loads the stored tensors (`extra` bytes) and makes the model in float32: refuse before either."""
    nbytes = weight_bytes(config, torch.float32) + extra
    require_memory(nbytes, f"GPT vocab_size={config.vocab_size} block_size={config.block_size} "
                           f"n_layer={config.n_layer} n_embd={config.n_embd} ({format_bytes(nbytes)})")
