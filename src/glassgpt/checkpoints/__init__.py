"""Checkpoints in and out: `GPT.from_pretrained(path_or_name)` and `model.save_pretrained(folder)`.

What is read (one function, `read_checkpoint`, resolves any of them for every mode):
- a folder in Hugging Face GPT-2 format, `config.json` + `model.safetensors` (or an older `pytorch_model.bin`),
  as transformers writes GPT-2 and as `save_pretrained` writes it: one format that the whole ecosystem reads;
- a hub name, `gpt2`, `gpt2-medium`, `gpt2-large` or `gpt2-xl`: fetched once into the hub's cache;
- a `.pt` file: the course's step-3 checkpoint `{"model": state_dict, "config": GPTConfig, "vocab": char_to_idx,
  ...}`, nanoGPT's `ckpt.pt` (`model`, `model_args`, ...), or a plain state dict (glassgpt's names or Hugging
  Face's); a `.safetensors` file of a plain state dict.

One file per job:
  hf.py        Hugging Face folder names, config.json <-> GPTConfig, Conv1D layout
  course.py    the course's .pt and plain state dicts (config from the file, or from the shapes)
  nanogpt.py   nanoGPT's ckpt.pt (model_args, nn.Linear layout, erf GELU) and its meta.pkl vocabulary
  files.py     reading files safely: regular files only, weights_only pickles, no-globals unpickling
  hub.py       a path or a hub name -> the folder or file
  tensors.py   any stored names and layout -> glassgpt's; every check a tensor passes
  memory.py    the memory check made before anything is read
  resolve.py   read_checkpoint, checkpoint_config, find_tokenizer, load_tokenizer
  folders.py   replacing a folder whole and at once: aside + swap, locks, cleanup of killed saves
  saving.py    writing a checkpoint folder; refusing to replace a folder that is not one
  mixin.py     GPT.from_pretrained (on the meta device: one copy of the weights), save_pretrained
Reading never changes the disk. Nothing here imports model.py: `GPT` inherits `CheckpointMixin`.
"""

from .files import read_weights_file
from .folders import recover_interrupted_save
from .hf import CONFIG_FILE, WEIGHTS_FILE, config_from_hf, config_to_hf, hf_tensors, read_config
from .hub import HUB_NAMES, download_from_hub, locate_checkpoint
from .mixin import CheckpointMixin
from .saving import check_save_target
from .resolve import Checkpoint, checkpoint_config, find_tokenizer, load_tokenizer, read_checkpoint

__all__ = ["CheckpointMixin", "Checkpoint", "read_checkpoint", "checkpoint_config", "find_tokenizer",
           "load_tokenizer", "locate_checkpoint", "download_from_hub", "recover_interrupted_save",
           "check_save_target", "read_config",
           "read_weights_file", "config_from_hf", "config_to_hf", "hf_tensors", "CONFIG_FILE", "WEIGHTS_FILE",
           "HUB_NAMES"]
