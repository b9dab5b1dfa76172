"""Reading checkpoint files safely: only regular files, pickles without code, sizes checked before reading.

- Only regular files are read (a FIFO or a device named as a checkpoint would block or never end): `regular`.
- Pickles (`.pt`, `pytorch_model.bin`, nanoGPT's `ckpt.pt`) are read with `torch.load(weights_only=True)`:
  tensors, plain containers and glassgpt's GPTConfig (allow-listed below, so the course's own plain
  `torch.load(path)` works too); a pickle that would run code is refused, not executed, and named. Nothing in
  glassgpt turns weights_only off.
- Plain pickles that hold no tensor (nanoGPT's `meta.pkl`) are read by an unpickler that loads no class and calls
  nothing: dicts, lists, strings and numbers only (`read_plain_pickle`).
- A file's size is checked against the memory available before it is read.
"""

import io
import json
import math
import os
import pickle
import stat
import warnings
from collections.abc import Mapping
from pathlib import Path

import torch

from ..accounting import require_memory
from ..config import GPTConfig
from ..errors import GlassGPTError

# The course's step 3 pickles a GPTConfig into its checkpoint and loads it with a plain torch.load, which is
# weights_only=True from torch 2.6: allow-list the config (a frozen dataclass of numbers and strings) for it.
torch.serialization.add_safe_globals([GPTConfig])

PLAIN_PICKLE_LIMIT = 64 * 2**20  # a meta.pkl is a character vocabulary: kilobytes; 64 MiB is far past any real one


def regular(file: Path) -> Path:
    """`file` when it is a regular file (a link to one included); else a GlassGPTError that names it: missing,
    a folder where a file belongs, or something that is not a file (a FIFO would block the reader forever)."""
    file = Path(file)
    try:
        mode = os.stat(file).st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise GlassGPTError("checkpoint_missing_file", file=str(file)) from None
    except OSError as e:
        raise GlassGPTError("checkpoint_unreadable", file=str(file), reason=e.strerror or str(e)) from None
    if not stat.S_ISREG(mode):
        raise GlassGPTError("not_regular_file", file=str(file))
    return file


def read_regular_text(file: Path) -> str:
    """A regular file's text (UTF-8); a file that is not one is an error naming it, as `regular` says."""
    file = regular(file)
    require_memory(file.stat().st_size, f"{file.name} ({file.stat().st_size} bytes)")
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise GlassGPTError("checkpoint_damaged", file=str(file)) from e
    except OSError as e:
        raise GlassGPTError("checkpoint_unreadable", file=str(file), reason=e.strerror or str(e)) from None


def read_weights_file(file: Path):
    """What a weights file holds: a safetensors file's tensors, or a pickle's object read with
    torch.load(weights_only=True). A file that is not one, or is damaged, is a GlassGPTError naming it."""
    file = regular(file)
    require_memory(file.stat().st_size, f"{file.name} ({file.stat().st_size} bytes)")
    try:
        if file.suffix == ".safetensors":
            return read_safetensors(file)
        with warnings.catch_warnings():  # torch warns about the pre-1.6 (non-zip) format; we read it all the same
            warnings.simplefilter("ignore")
            # weights_only: tensors, plain containers and GPTConfig; anything that would run code is refused
            return torch.load(file, map_location="cpu", weights_only=True)
    except Exception as e:  # any failure to parse means: not a checkpoint, or a damaged one
        unsafe = _unsafe_globals(file)
        if unsafe:
            raise GlassGPTError("checkpoint_unsafe_pickle",
                                file=str(file), names=", ".join(sorted(unsafe))) from e
        raise GlassGPTError("checkpoint_damaged",
                            file=str(file)) from e


_SAFETENSORS_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "F8_E4M3": torch.float8_e4m3fn, "F8_E5M2": torch.float8_e5m2, "I64": torch.int64, "I32": torch.int32,
    "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool,
}


def read_safetensors(file: Path) -> dict[str, torch.Tensor]:
    """A safetensors file's tensors, each read from the file straight into its own memory: the weights exist once
    in this process (safetensors.torch.load_file copies them out of a mapping of the whole file, which counts
    twice while loading). The format: an 8-byte little-endian header length, a JSON header {name: {dtype, shape,
    data_offsets}}, then the data; every offset and size is checked before anything is allocated."""
    with open(file, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        length = int.from_bytes(f.read(8), "little")
        if not 2 <= length <= size - 8:
            raise ValueError("header length past the end of the file")
        header = json.loads(f.read(length))
        start, tensors = 8 + length, {}
        entries = [(name, entry) for name, entry in header.items() if name != "__metadata__"]
        for name, entry in sorted(entries, key=lambda item: item[1]["data_offsets"][0]):  # in file order
            dtype, shape = _SAFETENSORS_DTYPES[entry["dtype"]], [int(n) for n in entry["shape"]]
            begin, end = (int(n) for n in entry["data_offsets"])
            if min(shape, default=0) < 0 or not 0 <= begin <= end <= size - start \
                    or end - begin != math.prod(shape) * dtype.itemsize:
                raise ValueError(f"{name}: offsets and shape disagree")
            tensor = torch.empty(shape, dtype=dtype)
            f.seek(start + begin)
            if f.readinto(tensor.reshape(-1).view(torch.uint8).numpy()) != end - begin:
                raise ValueError(f"{name}: the file ends early")
            tensors[name] = tensor
    return tensors


def _unsafe_globals(file: Path) -> list[str]:
    """The Python globals a torch.save file names that weights_only refuses (read statically, nothing run)."""
    try:
        return torch.serialization.get_unsafe_globals_in_checkpoint(file)
    except Exception:  # not a zip of torch.save at all: damaged, not unsafe
        return []


def is_state_dict(value) -> bool:
    """A non-empty mapping of str -> tensor: a state dict as a file stores it."""
    return isinstance(value, Mapping) and bool(value) and all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items())


def describe(value) -> str:
    """What an unexpected object is, for an error message, in Python's notation (the same in every language): a
    dict as its first five keys, `{'epoch': ..., 'loss': ...}`; anything else as its type, `list`."""
    if isinstance(value, Mapping):
        keys = [f"{k!r}: ..." for k in list(value)[:5]] + (["..."] if len(value) > 5 else [])
        return "{" + ", ".join(keys) + "}"
    return type(value).__name__


class _Refused(pickle.UnpicklingError):
    """A pickle named a class or function (its name is the message)."""


class _PlainUnpickler(pickle.Unpickler):
    """Builds dicts, lists, tuples, strings and numbers, which pickle makes without naming anything; every class
    or function a pickle names (the only way it can call code) is refused before it is looked up."""

    def find_class(self, module, name):
        raise _Refused(f"{module}.{name}")

    def persistent_load(self, pid):
        raise _Refused(f"persistent id {pid!r}"[:80])


def read_plain_pickle(file: Path):
    """A pickle of plain data (nanoGPT's meta.pkl), read without loading any class or calling anything; one that
    names a class or function is refused (naming it), as is one past PLAIN_PICKLE_LIMIT bytes."""
    file = regular(file)
    size = file.stat().st_size
    if size > PLAIN_PICKLE_LIMIT:
        raise GlassGPTError("plain_pickle_too_big", file=str(file), size=size, limit=PLAIN_PICKLE_LIMIT)
    data = file.read_bytes()
    try:
        return _PlainUnpickler(io.BytesIO(data)).load()
    except _Refused as e:
        raise GlassGPTError("plain_pickle_unsafe", file=str(file), names=str(e)) from None
    except Exception:  # truncated, not a pickle: damaged
        raise GlassGPTError("checkpoint_damaged", file=str(file)) from None
