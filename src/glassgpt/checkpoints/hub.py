"""Where a checkpoint argument points: a path on this machine, or a GPT-2 on the Hugging Face Hub.

A hub name (`gpt2`, `gpt2-medium`, `gpt2-large`, `gpt2-xl`) is fetched once with huggingface_hub into its cache
(config, weights and tokenizer files); an existing local path of the same name wins. Locating reads nothing and
changes nothing on the disk.
"""

from pathlib import Path

from ..errors import GlassGPTError
from .folders import interrupted_original
from .hf import CONFIG_FILE, WEIGHTS_FILE

HUB_NAMES = ("gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl")  # OpenAI's GPT-2 on the Hugging Face Hub
# what a hub download fetches: the config, the weights in the safe format, and the tokenizer in either layout
HUB_FILES = (CONFIG_FILE, WEIGHTS_FILE, "tokenizer.json", "vocab.json", "merges.txt", "tokenizer.model")


def locate_checkpoint(path_or_name, files: tuple[str, ...] = HUB_FILES) -> Path:
    """The folder or file a checkpoint argument names. An existing path is itself (or, where a save was killed
    between its two renames, the old folder where that save left it); a hub name (HUB_NAMES) is its snapshot
    folder in the hub cache, where `files` are downloaded first when they are not there yet."""
    if isinstance(path_or_name, str) and not path_or_name.strip():
        raise GlassGPTError("checkpoint_empty_name", names=", ".join(HUB_NAMES))  # Path("") would be the cwd
    path = Path(path_or_name)
    if path.exists():
        return path
    aside = interrupted_original(path)
    if aside is not None:
        return aside
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
