"""`GPT.from_pretrained(path_or_name)` and `model.save_pretrained(folder)`: the mixin GPT inherits.

Loading costs one copy of the weights: the model is built on the meta device (shapes, no memory) and the checked
tensors become its parameters (`load_state_dict(assign=True)`); a tied head is then made the token embedding's
Parameter again, one tensor under two names. The model has no buffers to rebuild (the causal mask is made by each
call). This module imports nothing from model.py: the mixin builds `cls(config)`.

Pitfall: on the meta device `normal_` still runs, as a Python reference kernel whose first call imports
torch._dynamo and sympy (about 800 modules, 74 MiB of RSS: 0.15x GPT-2 small's weights). Every value is replaced
by the checkpoint's, so `_SkipRandomFill` leaves those fills out while the model is built.
"""

from collections.abc import Callable, Mapping
from pathlib import Path

import torch
from torch.overrides import TorchFunctionMode

from ..config import GPTConfig
from .resolve import Checkpoint, read_checkpoint
from .saving import check_state_dict, save_folder
from .tensors import check_layer_count, checked_tensors, drop_implied


class _SkipRandomFill(TorchFunctionMode):
    """Leaves out `normal_` (nn.init's and the tensor method) while a model is built on the meta device, where it
    would compute nothing at the cost of a large import; every other call runs as usual."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in (torch.Tensor.normal_, torch.nn.init.normal_):
            return args[0] if args else kwargs["tensor"]
        return func(*args, **kwargs)


class CheckpointMixin:
    @classmethod
    def from_pretrained(cls, path_or_name, config: GPTConfig | None = None) -> "CheckpointMixin":
        """A GPT, in eval mode, from a checkpoint folder, a hub name (`gpt2`, ...), a course `.pt`, nanoGPT's
        `ckpt.pt` or a `.safetensors` file (see glassgpt.checkpoints). The model comes back in the dtype its
        weights were stored in.

        `config`: for a file that holds tensors only, the config they belong to; where the checkpoint has a
        config of its own, `config` must equal it. The tokenizer stored with a checkpoint:
        glassgpt.checkpoints.find_tokenizer.
        """
        return cls.from_checkpoint(read_checkpoint(path_or_name, config))

    @classmethod
    def from_checkpoint(cls, checkpoint: Checkpoint) -> "CheckpointMixin":
        """A GPT from what read_checkpoint read: every tensor checked against the config (names, shapes, floating
        point, finite) before the model is built, then taken as its parameters without a copy (a tensor stored
        transposed, or in another dtype than the token embedding's, is converted, one at a time)."""
        config = checkpoint.config
        stored = checkpoint.tensors()
        checkpoint.stored = None  # from here on the tensors live in `stored` alone, then in the model
        drop_implied(config, stored.tensors)
        check_layer_count(config, stored)  # before building: a config may claim 100,000 layers
        with torch.device("meta"), _SkipRandomFill():
            model = cls(config)  # shapes only: no memory, no initialisation to throw away
        expected = {name: tensor.shape for name, tensor in model.state_dict().items()}
        if config.tie_weights:
            del expected["lm_head.weight"]  # the same tensor as tok_emb.weight
        loaded = checked_tensors(expected, stored)
        stored.tensors.clear()
        dtype = loaded["tok_emb.weight"].dtype
        for name in loaded:  # in place, so that a converted tensor's original is freed before the next
            loaded[name] = loaded[name].to(dtype).contiguous()
        model.load_state_dict(loaded, strict=False, assign=True)  # strict=False: the tied head was left out
        if config.tie_weights:
            model.get_submodule("lm_head").weight = model.get_submodule("tok_emb").weight
        return model.eval()

    def save_pretrained(self, path, state_dict: dict[str, torch.Tensor] | None = None, tokenizer=None,
                        files: Mapping[str, Callable[[Path], None]] | None = None) -> None:
        """Write this model as a Hugging Face GPT-2 folder (config.json + model.safetensors), replacing the
        folder whole and at once (glassgpt.checkpoints.saving). An existing folder is replaced only when it is a
        checkpoint by its contents.

        `transformers.GPT2LMHeadModel.from_pretrained(path)` and `GPT.from_pretrained(path)` both read it.
        `state_dict`: the tensors to write instead of this model's own, e.g. a full state dict gathered from an
        FSDP-sharded copy with `torch.distributed.checkpoint.state_dict.get_model_state_dict(model,
        options=StateDictOptions(full_state_dict=True, cpu_offload=True))`; checked against the config (every
        name, every shape) before anything is written.
        `tokenizer` (text.Tokenizer): written into the folder too, where find_tokenizer finds it again.
        `files`: more files for the same folder, written and swapped in together with the weights: a name ->
        a function that writes that file, e.g. {"optimizer.pt": lambda f: torch.save(opt.state_dict(), f)}.
        """
        config = self.config
        own = self.state_dict()
        state = own if state_dict is None else state_dict
        check_state_dict(config, own, state)
        if torch.distributed.is_available():
            from torch.distributed.tensor import DTensor

            if any(isinstance(t, DTensor) for t in state.values()):
                raise TypeError("this model's parameters are sharded (DTensor); gather a full state dict first with "
                                "torch.distributed.checkpoint.state_dict.get_model_state_dict(model, options="
                                "StateDictOptions(full_state_dict=True, cpu_offload=True)) and pass it as state_dict")
        save_folder(config, state, path, tokenizer, files)
