"""nanoGPT's checkpoints: the `ckpt.pt` its train.py writes, and the `meta.pkl` character vocabulary of its data.

A nanoGPT `ckpt.pt` is a dict: `model` (the state dict: Hugging Face's names, `transformer.wte` ..., but
nn.Linear's layout, which tensors.py tells from the shapes; `_orig_mod.` in front when the model was compiled),
`model_args` (the model's settings: n_layer, n_head, n_embd, block_size, bias, vocab_size, dropout), `config`
(the *training* settings: out_dir, dataset, learning_rate, ...; not a model config), `iter_num`,
`best_val_loss`, `optimizer`. nanoGPT's GELU is nn.GELU(), the exact erf one, and its head is tied.

Its vocabulary is `data/<config['dataset']>/meta.pkl` ({'vocab_size', 'itos': id -> char, 'stoi': char -> id}),
looked for from the checkpoint's folder upward as nanoGPT's sample.py finds it from its working folder. It is a
plain pickle, read without loading any class or calling anything, and checked (stoi and itos inverse).
"""

import re
from collections.abc import Mapping
from pathlib import Path

from ..config import GPTConfig
from ..errors import GlassGPTError
from ..text import CharTokenizer
from .course import same_config
from .files import describe, is_state_dict, read_plain_pickle

META_FILE = "meta.pkl"
# nanoGPT's model_args -> GPTConfig's fields of the same meaning (the names happen to be the same)
MODEL_ARGS = ("n_layer", "n_head", "n_embd", "block_size", "bias", "vocab_size", "dropout")
_DATASET_NAME = re.compile(r"[\w.-]+")  # a folder name under data/, never a path


def is_nanogpt(stored) -> bool:
    """Whether an unpickled checkpoint has nanoGPT's layout: a state dict under `model`, settings under
    `model_args`."""
    return isinstance(stored, Mapping) and isinstance(stored.get("model"), Mapping) and "model_args" in stored


def read_nanogpt(stored: Mapping, file: Path, config: GPTConfig | None):
    """A nanoGPT ckpt.pt's contents -> (its config, its state dict as stored, a function that gives its tokenizer
    from meta.pkl, or None where there is none)."""
    file_config = config_from_model_args(stored["model_args"], file)
    state = stored["model"]
    if not is_state_dict(state):
        raise GlassGPTError("checkpoint_pt_unknown", file=str(file), found=describe(state))
    training = stored.get("config")
    dataset = training.get("dataset") if isinstance(training, Mapping) else None
    return same_config(file_config, config, file), dict(state), lambda: _meta_next_to(file, dataset)


def config_from_model_args(model_args, file: Path) -> GPTConfig:
    """nanoGPT's model_args as a GPTConfig: the same fields, with nanoGPT's erf GELU and tied head."""
    if not isinstance(model_args, Mapping):
        raise GlassGPTError("checkpoint_pt_config_type", file=str(file), type=type(model_args).__name__)
    unknown = [name for name in model_args if name not in MODEL_ARGS]
    if unknown:
        raise GlassGPTError("checkpoint_pt_config_fields", file=str(file), unknown=", ".join(map(repr, unknown)),
                            known=", ".join(MODEL_ARGS))
    return GPTConfig(**model_args, gelu_approximate="none", tie_weights=True, layer_norm_eps=1e-5)


def _meta_next_to(file: Path, dataset) -> CharTokenizer | None:
    """meta.pkl of `dataset`, looked for as data/<dataset>/meta.pkl in the checkpoint's folder and each folder
    above it; None when the checkpoint names no dataset or none is found."""
    if not isinstance(dataset, str) or not _DATASET_NAME.fullmatch(dataset) or set(dataset) == {"."}:
        return None
    for folder in Path(file).resolve().parents:
        meta = folder / "data" / dataset / META_FILE
        if meta.is_file():
            return read_meta(meta)
    return None


def read_meta(file: Path) -> CharTokenizer:
    """nanoGPT's meta.pkl as a CharTokenizer: read as plain data, with stoi and itos each other's inverse."""
    meta = read_plain_pickle(file)
    stoi = meta.get("stoi") if isinstance(meta, dict) else None
    itos = meta.get("itos") if isinstance(meta, dict) else None
    try:
        inverse = len(itos) == len(stoi) and {i: c for c, i in stoi.items()} == itos
    except TypeError:  # not dicts, or an id that is a list: nothing nanoGPT writes
        inverse = False
    if inverse:
        try:
            return CharTokenizer(stoi)  # checks every entry: one character -> an id >= 0, the ids distinct
        except GlassGPTError:
            pass  # said below, naming the file
    raise GlassGPTError("nanogpt_meta_bad", file=str(file))
