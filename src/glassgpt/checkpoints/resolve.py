"""One way in for every `--checkpoint`: `read_checkpoint` resolves a folder, a `.pt` of either course, nanoGPT's
ckpt.pt, a `.safetensors` file or a hub name to its config, its tensors and its tokenizer. Every mode and
`GPT.from_pretrained` go through it; so do `checkpoint_config` (`params`), `find_tokenizer` and `load_tokenizer`.

Reading never changes the disk. A folder is read under a shared lock (a concurrent save swaps it whole);
what a killed save left next to it is cleaned up by the next save (saving.py), or by `recover_interrupted_save`.
A single file is unpickled once: its tokenizer (a course file's "vocab", nanoGPT's meta.pkl) comes from the same
read, and the last file read is remembered (its tokenizer's source, never its tensors), so that a mode that loads
a model and then asks for its tokenizer does not unpickle it again.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import torch

from ..config import GPTConfig
from ..errors import GlassGPTError
from ..text import TOKENIZER_FILES, PaddedTokenizer, Tokenizer, read_tokenizer
from .course import read_course, same_config
from .files import is_state_dict, read_weights_file, regular
from .folders import folder_lock
from .hf import CONFIG_FILE, read_config, weights_file
from .hub import HUB_FILES, locate_checkpoint
from .memory import require_model_memory
from .nanogpt import META_FILE, is_nanogpt, read_meta, read_nanogpt
from .tensors import StoredTensors, glassgpt_tensors


@dataclass
class Checkpoint:
    """What a checkpoint holds: its config, its tensors as stored (None when only the config was read), the file
    they are in (named by every message), and where its tokenizer comes from."""

    config: GPTConfig
    file: Path
    stored: Mapping[str, torch.Tensor] | None
    _tokenizer: Callable[[], Tokenizer | None]

    def tensors(self) -> StoredTensors:
        """The tensors under glassgpt's names, in nn.Linear's layout (tensors.py)."""
        return glassgpt_tensors(self.stored, self.file)

    def tokenizer(self, vocab_size: int | None = None) -> Tokenizer | None:
        """The tokenizer stored with the checkpoint, or None. `vocab_size`: the model's; the tokenizer then comes
        back padded to it (ids it has no token for read as <id>), and one with more tokens than that is an error
        (it would make ids the model has no row for)."""
        return _fitted(self._tokenizer(), vocab_size)


def read_checkpoint(path_or_name, config: GPTConfig | None = None, weights: bool = True,
                    files: tuple[str, ...] = HUB_FILES) -> Checkpoint:
    """The checkpoint a path or hub name names. `weights=False` reads as little as possible: a folder's (or a
    hub model's) config.json alone; a single file must be read whole. `config`: for a file that holds tensors
    only, the config they belong to; where the checkpoint has one, `config` must equal it. `files`: what a hub
    download fetches."""
    # the shared lock before the first look: a concurrent save's swap (its folder briefly absent between two
    # renames) is never seen half done, neither as "no such folder" nor as half of two models
    with folder_lock(Path(path_or_name), exclusive=False):
        path = locate_checkpoint(path_or_name, files)
        if path.is_dir():
            stored_config = same_config(read_config(path), config, path / CONFIG_FILE)
            file, stored = weights_file(path), None
            if weights:
                require_model_memory(stored_config, _size(file))
                stored = read_weights_file(file)
                if not is_state_dict(stored):
                    raise GlassGPTError("checkpoint_damaged", file=str(file))
            return Checkpoint(stored_config, file, stored, lambda: read_tokenizer(path))
    file = regular(path)
    contents = read_weights_file(file)
    read = read_nanogpt if is_nanogpt(contents) else read_course
    config, stored, tokenizer = read(contents, file, config)
    _remember(file, tokenizer)
    if weights:
        require_model_memory(config, _size(file))
    return Checkpoint(config, file, stored if weights else None, tokenizer)


def checkpoint_config(path_or_name, config: GPTConfig | None = None) -> GPTConfig:
    """The config of a checkpoint, reading as little as possible: a folder's (or a hub model's) config.json
    alone, never its weights; a single file's config (or the one its tensors' shapes give)."""
    return read_checkpoint(path_or_name, config, weights=False, files=(CONFIG_FILE,)).config


def find_tokenizer(checkpoint, vocab_size: int | None = None) -> Tokenizer | None:
    """The tokenizer stored with a checkpoint (a folder, a hub name, a course `.pt`, nanoGPT's ckpt.pt), or None.
    `vocab_size`: as Checkpoint.tokenizer."""
    path = locate_checkpoint(checkpoint, files=TOKENIZER_FILES)
    if path.is_dir():
        return _fitted(read_tokenizer(path), vocab_size)
    tokenizer = _remembered(regular(path))
    if tokenizer is None:
        tokenizer = read_checkpoint(path, weights=False)._tokenizer
    return _fitted(tokenizer(), vocab_size)


def load_tokenizer(path, vocab_size: int | None = None) -> Tokenizer:
    """The tokenizer `--tokenizer PATH` names: a tokenizer file or folder (text.read_tokenizer), nanoGPT's
    meta.pkl, or a checkpoint (as find_tokenizer). No tokenizer there is an error. `vocab_size`: as
    Checkpoint.tokenizer."""
    given, path = path, Path(path)
    if path.is_file() and path.suffix == Path(META_FILE).suffix:
        tokenizer = read_meta(path)
    elif path.is_file() and path.suffix not in (".json", ".model"):
        tokenizer = find_tokenizer(path)  # a checkpoint file
    elif path.exists():
        tokenizer = read_tokenizer(path)  # a tokenizer file or folder (anything else there is refused by name)
    else:
        tokenizer = find_tokenizer(given)  # a hub name, or an error naming what is missing
    if tokenizer is None:
        raise GlassGPTError("tokenizer_not_found", path=str(path))
    return _fitted(tokenizer, vocab_size)


def _fitted(tokenizer: Tokenizer | None, vocab_size: int | None) -> Tokenizer | None:
    if tokenizer is None or vocab_size is None:
        return tokenizer
    if tokenizer.vocab_size > vocab_size:
        raise GlassGPTError("tokenizer_vocab_too_big", tokenizer=tokenizer.vocab_size, model=vocab_size)
    return PaddedTokenizer(tokenizer, vocab_size)


def _size(file: Path) -> int:
    return file.stat().st_size if file.is_file() else 0


# the last single file read: (its identity on disk, where its tokenizer comes from); never its tensors
_last_file: list = [None, None]


def _identity(file: Path) -> tuple:
    st = file.stat()
    return str(file.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _remember(file: Path, tokenizer: Callable[[], Tokenizer | None]) -> None:
    _last_file[:] = [_identity(file), tokenizer]


def _remembered(file: Path) -> Callable[[], Tokenizer | None] | None:
    return _last_file[1] if _last_file[0] == _identity(file) else None

