"""The course's step-2 module, and its entry point.

Imported (as the course's `step2_gpt_model/model.py`, or from this folder), it gives the course's names:

    from model import GPT, GPTConfig, CausalSelfAttention, MLP, TransformerBlock, LayerNorm

Run, it hands the command line to glassgpt's CLI: `python model.py --mode components|full|params|attention|...`
(`glassgpt --mode MODE` means the same). The GPT itself is src/glassgpt/model.py.

Why `GPTConfig` here is a subclass. The course's notebook writes `GPTConfig()` and `GPTConfig(n_embd=128)` and
relies on the course's own defaults (vocab 6400, block 512, 8 layers of 8 heads, 512 wide, dropout 0.1, no biases,
PyTorch's exact erf GELU: glassgpt's `course` preset), while `glassgpt.GPTConfig()` is GPT-2 small. A subclass that
only changes the defaults keeps one class of behaviour (the same fields, checks, presets and methods) and changes
nothing else:
- it is a `glassgpt.GPTConfig` (isinstance), so every glassgpt function takes it;
- it pickles as `glassgpt.config.GPTConfig` with all of its fields written out (`__reduce__`), so a course step-3
  checkpoint holds no reference to this file: it loads with `torch.load(weights_only=True)` wherever glassgpt is
  installed, whichever module saved it, and the stored fields mean the same thing under either name;
- equality compares the fields (glassgpt's GPTConfig defines it so), so a course config read back from a
  checkpoint equals the one that was saved.
A factory or a `defaults=` switch would have given `GPTConfig(n_embd=128)` either two meanings or a new spelling,
and the course's notebook spells it exactly so.
"""

import sys
from dataclasses import dataclass
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent / "src"
if (_CHECKOUT / "glassgpt").is_dir() and str(_CHECKOUT) not in sys.path:
    sys.path.insert(0, str(_CHECKOUT))  # in a glassgpt checkout: run its code, installed or not

import glassgpt  # noqa: E402
from glassgpt import GPT, CausalSelfAttention, LayerNorm, MLP, TransformerBlock  # noqa: E402

__all__ = ["GPT", "GPTConfig", "CausalSelfAttention", "MLP", "TransformerBlock", "LayerNorm"]


@dataclass(frozen=True, eq=False)  # eq=False: keep glassgpt's field-by-field equality and hash
class GPTConfig(glassgpt.GPTConfig):
    """glassgpt's GPTConfig with the course's defaults (the `course` preset); every field can still be given."""

    vocab_size: int = 6400  # the course's step-1 tokenizer
    block_size: int = 512
    n_layer: int = 8
    n_head: int = 8
    n_embd: int = 512
    dropout: float = 0.1
    bias: bool = False
    gelu_approximate: str = "none"  # nn.GELU()'s exact erf form, as the course (and nanoGPT) use
    # every other field (the tied head, LayerNorm's eps, the attention path) keeps glassgpt's default

    def __reduce__(self):
        # glassgpt's class with every field spelled out: a pickle that does not depend on this file's name
        return glassgpt.GPTConfig, (), dict(vars(self))

    def __copy__(self):
        return self  # frozen, and every field is immutable: a copy is the same value, kept in this class

    def __deepcopy__(self, memo):
        return self


if __name__ == "__main__":
    from glassgpt.cli import main

    sys.exit(main())
