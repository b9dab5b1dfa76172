"""Writing a checkpoint folder: a Hugging Face GPT-2 folder (config.json + model.safetensors), replaced whole and at
once (folders.py), so that no reader and no crash ever sees one checkpoint's config with another's weights.

An existing folder is replaced only when it is a checkpoint by its contents: its config.json reads as a GPT-2 /
glassgpt config, its weights file is there and (model.safetensors) holds the token embedding that config says, and
it holds nothing but a checkpoint's files. A folder of the user's own (a `config.json` of some other program,
notes, data) is refused and left as it was. `check_save_target` asks the same before work that a refused save
would waste (a training run), and whether the disk takes a new folder there at all.
"""

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import save_file

from ..config import GPTConfig
from ..errors import GlassGPTError
from .folders import write_folder
from .hf import CHECKPOINT_FILES, CONFIG_FILE, WEIGHTS_FILE, config_to_hf, hf_tensors, read_config, weights_file
from .folders import folder_to_replace


def save_folder(config: GPTConfig, state: Mapping[str, torch.Tensor], path, tokenizer=None,
                files: Mapping[str, Callable[[Path], None]] | None = None) -> None:
    """Write `state` (glassgpt's names, checked by the caller) as a Hugging Face GPT-2 folder at `path`, with the
    tokenizer's files and `files` (name -> a function that writes that file) in the same swap."""
    tensors = hf_tensors(config, state)
    config_text = json.dumps(config_to_hf(config, tensors["transformer.wte.weight"].dtype), indent=2) + "\n"

    def fill(folder: Path) -> None:
        try:
            # {"format": "pt"} as transformers writes it: older transformers releases (and its Flax loader) refuse
            # a safetensors file without it
            save_file(tensors, folder / WEIGHTS_FILE, metadata={"format": "pt"})
        except SafetensorError as e:  # a full disk, said by safetensors' own error
            raise RuntimeError(str(e)) from e
        (folder / CONFIG_FILE).write_text(config_text, encoding="utf-8")
        if tokenizer is not None:
            tokenizer.save(folder)
        for name, write in (files or {}).items():
            write(folder / name)

    allowed = CHECKPOINT_FILES | set(files or ())
    write_folder(Path(path), fill, lambda folder: require_checkpoint_folder(folder, allowed))


def check_save_target(path, files=()) -> None:
    """Raise the GlassGPTError a save of a checkpoint (with the extra `files`) to `path` would end in, without
    writing anything: `path` is a file, or a folder that is not a checkpoint, or a folder the disk will not take
    (read-only, no permission). Run it before work that the save would otherwise throw away."""
    folder = folder_to_replace(path)
    try:
        if folder.exists() and not folder.is_dir():
            raise GlassGPTError("checkpoint_save_is_file", folder=str(folder))
        if folder.is_dir() and os.listdir(folder):
            require_checkpoint_folder(folder, CHECKPOINT_FILES | set(files))
        existing = folder.parent
        while not existing.exists() and existing != existing.parent:  # the save makes the missing folders
            existing = existing.parent
        os.rmdir(tempfile.mkdtemp(prefix=".glassgpt-probe-", dir=existing))  # where the save's new folder goes
    except OSError as e:
        raise GlassGPTError("checkpoint_save_failed", folder=str(folder), reason=e.strerror or str(e)) from None


def require_checkpoint_folder(folder: Path, allowed: frozenset[str]) -> None:
    """Refuse to replace `folder` unless it is a checkpoint by its contents (see the module's docstring)."""
    names = sorted(os.listdir(folder))
    foreign = [name for name in names if name not in allowed]
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise GlassGPTError("checkpoint_folder_foreign", folder=str(folder), names=shown)
    try:
        ours = _weights_match(weights_file(folder), read_config(folder))
    except GlassGPTError:
        ours = False
    if not ours:
        raise GlassGPTError("checkpoint_folder_not_ours", folder=str(folder), names=", ".join(names[:5]))


def _weights_match(file: Path, config: GPTConfig) -> bool:
    """The weights file is there and, when it is a safetensors file, its header (read alone: no tensor is) holds
    a token embedding of the config's shape. An older pytorch_model.bin is taken on its name and config.json."""
    if not file.is_file():
        return False
    if file.name != WEIGHTS_FILE:
        return True
    try:
        with open(file, "rb") as f:
            length = int.from_bytes(f.read(8), "little")
            if not 2 <= length <= os.fstat(f.fileno()).st_size - 8:
                return False
            header = json.loads(f.read(length))
        entry = header.get("transformer.wte.weight") or header.get("wte.weight")
        return [int(n) for n in entry["shape"]] == [config.vocab_size, config.n_embd]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return False


def check_state_dict(config: GPTConfig, own: dict, state: Mapping) -> None:
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
