"""lab mode: write the glass lab, one HTML page that shows what this model computes on one input, offline.

    glassgpt lab [--checkpoint DIR|FILE|gpt2] [--text "..."] [--tokenizer PATH] [--out lab.html] [--lang en|zh]
                 [--layer L [--head H]]

The page itself is built by glassgpt.lab; this mode picks the model and the input (the shared options of
cli/options.py, as every mode) and says where the page went. The page opens in the language the CLI speaks.
--out is checked before the model is loaded (not a folder, a folder that exists and can be written, not a file
this run reads) and written atomically (files.write_atomically). --layer / --head choose what a big model's page
holds in full (the page names them when it leaves something out).
Without --text the input is random token ids whose second half repeats the first: on a trained model that is
where induction heads show (a token attends to what followed its earlier copy).
"""

import errno
import os
from pathlib import Path

import torch

from ..accounting import format_bytes
from ..lab import build_payload, write_page
from ..timeline import read_timeline
from .options import (DEFAULT_PRESET, UsageError, add_model_options, add_text_options, drawable_vocab_size,
                      encode_text, model_from_args, tokenizer_from_args)

DEFAULT_OUT = "lab.html"
DEFAULT_LENGTH = 16  # tokens of the random input (at most half of block_size, leaving room to generate)


def add_arguments(parser, t) -> None:
    parser.description = t("lab.about")
    add_model_options(parser, t)
    add_text_options(parser, t)
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="FILE", help=t("lab.opt.out", default=DEFAULT_OUT))
    parser.add_argument("--layer", type=int, metavar="L", help=t("lab.opt.layer"))
    parser.add_argument("--head", type=int, metavar="H", help=t("lab.opt.head"))


def random_repeated(vocab_size: int, length: int, seed: int) -> torch.Tensor:
    """(1, length) random ids, the second half a copy of the first (an odd length adds one more random id)."""
    generator = torch.Generator().manual_seed(seed)
    half = torch.randint(0, vocab_size, (1, length // 2), generator=generator)
    extra = torch.randint(0, vocab_size, (1, length % 2), generator=generator)
    return torch.cat([half, half, extra], dim=1)


def source_of(args) -> str:
    """How the page names the model, in words that read the same in both languages: the checkpoint, or the
    options that made a fresh one."""
    if args.checkpoint:
        return args.checkpoint
    return f"--preset {args.preset or DEFAULT_PRESET} --seed {args.seed}"


def inputs_of(args) -> list[Path]:
    """The files and folders this run reads: --checkpoint and --tokenizer, where they name something on disk."""
    return [Path(name) for name in (args.checkpoint, args.tokenizer) if name and Path(name).exists()]


def is_input(out: Path, inputs: list[Path]) -> bool:
    """Whether writing `out` could destroy what this run reads: `out` is an input file itself, or an existing
    file that is not an HTML page in an input's folder (config.json, the weights, the tokenizer, meta.pkl beside
    a ckpt.pt, ...). A new file in a checkpoint folder, or an earlier page there, is fine."""
    target = out.resolve()
    for given in inputs:
        given = given.resolve()
        folder = given if given.is_dir() else given.parent
        if target == given:
            return True
        if target.parent == folder and target.exists() and target.suffix.lower() not in (".html", ".htm"):
            return True
    return False


def check_out(args) -> Path:
    """--out, refused before the model is loaded when the page could not be written there or would destroy an
    input: a folder, a missing or read-only folder, the checkpoint being read."""
    out = Path(args.out)
    if out.is_dir():
        raise UsageError("lab.out_is_folder", path=args.out)
    if not out.parent.is_dir():
        raise UsageError("lab.no_folder", path=args.out, folder=str(out.parent))
    if is_input(out, inputs_of(args)):
        raise UsageError("lab.out_is_input", path=args.out)
    if not os.access(out.parent, os.W_OK) or out.exists() and not os.access(out, os.W_OK):
        read_only = os.statvfs(out.parent).f_flag & os.ST_RDONLY if hasattr(os, "statvfs") else False
        reason = os.strerror(errno.EROFS if read_only else errno.EACCES)
        raise UsageError("lab.cannot_write", path=args.out, reason=reason)
    return out


def run(args, t) -> list[str]:
    out = check_out(args)  # said before the model is loaded, not after
    model = model_from_args(args)
    config = model.config
    for option, value, count in (("--layer", args.layer, config.n_layer), ("--head", args.head, config.n_head)):
        if value is not None and not 0 <= value < count:
            raise UsageError("attention.bad_index", option=option, value=value, last=count - 1)
    layer = 0 if args.head is not None and args.layer is None else args.layer
    tokenizer = tokenizer_from_args(args, model)
    if args.text is None:
        length = min(DEFAULT_LENGTH, max(1, config.block_size // 2))
        idx = random_repeated(drawable_vocab_size(config, tokenizer), length, args.seed)
        said = t("lab.input_random", n=idx.size(1))
    else:
        idx = encode_text(args.text, tokenizer, config.block_size)  # (1, T)
        said = t("lab.input_text", n=idx.size(1))
    idx = idx.to(next(model.parameters()).device)
    timeline = read_timeline(args.checkpoint) if args.checkpoint and Path(args.checkpoint).is_dir() else None
    payload = build_payload(model, idx, tokenizer, source=source_of(args),  # ids it lacks read <id> (PaddedTokenizer)
                            timeline=timeline, layer=layer, head=args.head)
    try:
        path = write_page(payload, out, lang=t.lang)
    except OSError as error:
        raise UsageError("lab.cannot_write", path=args.out, reason=error.strerror or str(error)) from None
    lines = [said, t("lab.wrote", path=str(path), size=format_bytes(path.stat().st_size),
                     generated=len(payload["generation"]))]
    if payload["overflow"]:  # finite weights, numbers past the number format's range: the page shows "—" there
        lines.append(t("lab.overflow", module=payload["overflow"]["module"] or "?",
                       parts=", ".join(payload["overflow"]["parts"]), dtype=args.dtype))
    return lines
