"""lab mode: write the glass lab, one HTML page that shows what this model computes on one input, offline.

    glassgpt lab [--checkpoint DIR|FILE|gpt2] [--text "..."] [--tokenizer PATH] [--out lab.html] [--lang en|zh]

The page itself is built by glassgpt.lab; this mode picks the model and the input and says where the page went.
Without --text the input is random token ids whose second half repeats the first: on a trained model that is
where induction heads show (a token attends to what followed its earlier copy).
"""

import re

import torch

from ..accounting import format_bytes
from ..lab import build_payload, write_page
from ..text import find_tokenizer, load_tokenizer
from .options import DEFAULT_PRESET, UsageError, add_model_options, model_from_args

DEFAULT_LENGTH = 16  # tokens of the random input (at most half of block_size, leaving room to generate)


def add_arguments(parser, t) -> None:
    parser.description = t("lab.about")
    add_model_options(parser, t)
    parser.add_argument("--text", help=t("lab.opt.text"))
    parser.add_argument("--tokenizer", metavar="PATH", help=t("lab.opt.tokenizer"))
    parser.add_argument("--out", default="lab.html", metavar="FILE", help=t("lab.opt.out"))


def random_repeated(vocab_size: int, length: int, seed: int) -> torch.Tensor:
    """(1, length) random ids, the second half a copy of the first (an odd length adds one more random id)."""
    generator = torch.Generator().manual_seed(seed)
    half = torch.randint(0, vocab_size, (1, length // 2), generator=generator)
    extra = torch.randint(0, vocab_size, (1, length % 2), generator=generator)
    return torch.cat([half, half, extra], dim=1)


def ids_from_text(text: str) -> list[int]:
    """'5 17, 3' -> [5, 17, 3]: token ids typed by hand, for a model without a tokenizer."""
    words = [w for w in re.split(r"[\s,]+", text) if w]
    if not all(re.fullmatch(r"\d+", w) for w in words):
        raise UsageError("lab.text_needs_tokenizer", text=text)
    return [int(w) for w in words]


def tokenizer_from_args(args, vocab_size: int):
    """The tokenizer --tokenizer names, else the one stored with --checkpoint, else None (ids only)."""
    if args.tokenizer:
        return load_tokenizer(args.tokenizer, vocab_size)
    return find_tokenizer(args.checkpoint, vocab_size) if args.checkpoint else None


def source_of(args) -> str:
    """How the page names the model, in words that read the same in both languages: the checkpoint, or the
    options that made a fresh one."""
    if args.checkpoint:
        return args.checkpoint
    return f"--preset {args.preset or DEFAULT_PRESET} --seed {args.seed}"


def run(args, t) -> list[str]:
    model = model_from_args(args)
    config = model.config
    tokenizer = tokenizer_from_args(args, config.vocab_size)
    if args.text is None:
        idx = random_repeated(config.vocab_size, min(DEFAULT_LENGTH, max(1, config.block_size // 2)), args.seed)
        said = t("lab.input_random", n=idx.size(1))
    elif tokenizer is not None:
        idx = torch.tensor([tokenizer.encode(args.text)])
        said = t("lab.input_text", n=idx.size(1))
    else:
        idx = torch.tensor([ids_from_text(args.text)])
        said = t("lab.input_ids", n=idx.size(1))
    if idx.numel() == 0:
        raise UsageError("lab.text_empty")
    payload = build_payload(model, idx.to(next(model.parameters()).device), tokenizer, source=source_of(args))
    try:
        path = write_page(payload, args.out, lang=t.lang)
    except OSError as error:
        raise UsageError("lab.cannot_write", path=args.out, reason=error.strerror or str(error)) from None
    return [said, t("lab.wrote", path=str(path), size=format_bytes(path.stat().st_size),
                    generated=len(payload["generation"]))]
