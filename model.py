"""The course's step-2 module, and its entry point.

Imported (as the course's `step2_gpt_model/model.py`, or from this folder), it gives the course's names:

    from model import GPT, GPTConfig, CausalSelfAttention, MLP, TransformerBlock, LayerNorm

Run, it hands the command line to glassgpt's CLI: `python model.py --mode components|full|params|attention|...`
(`glassgpt --mode MODE` means the same). The GPT itself is src/glassgpt/model.py.
"""

import sys
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent / "src"
if (_CHECKOUT / "glassgpt").is_dir() and str(_CHECKOUT) not in sys.path:
    sys.path.insert(0, str(_CHECKOUT))  # in a glassgpt checkout: run its code, installed or not

from glassgpt import GPT, CausalSelfAttention, GPTConfig, LayerNorm, MLP, TransformerBlock  # noqa: E402

__all__ = ["GPT", "GPTConfig", "CausalSelfAttention", "MLP", "TransformerBlock", "LayerNorm"]

if __name__ == "__main__":
    from glassgpt.cli import main

    sys.exit(main())
