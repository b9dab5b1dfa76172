"""The options modes share, and what they build: a config, a model on a device, the example a mode shows.

A mode's `add_arguments` takes what it needs: `add_config_options` (a preset and its overrides, or a
--checkpoint) for a mode that reads a config, `add_model_options` (those, plus --seed, --device, --dtype) for one
that builds a model. --lang is every mode's (cli/__init__.py adds it).
"""

import argparse
from dataclasses import dataclass

import torch

from ..accounting import check_fits
from ..config import MAX_SEED, PRESETS, GPTConfig
from ..model import GPT
from ..checkpoints import find_tokenizer, load_tokenizer
from ..text import Tokenizer
from .messages import UsageError

DEFAULT_PRESET = "small"
DEFAULT_SEED = 1337
# CLI option -> GPTConfig field, for the options that override the preset
CONFIG_OPTIONS = {
    "vocab_size": "--vocab-size", "block_size": "--block-size", "n_layer": "--n-layer", "n_head": "--n-head",
    "n_embd": "--n-embd", "dropout": "--dropout", "bias": "--bias/--no-bias",
    "tie_weights": "--tie-weights/--no-tie-weights",
}
# --dtype -> the torch dtype of weights and activations
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def _seed(text: str) -> int:
    """--seed: a whole number from 0 to 2**63 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise UsageError("usage.bad_seed", value=text, largest=MAX_SEED) from None
    if not 0 <= value <= MAX_SEED:
        raise UsageError("usage.bad_seed", value=text, largest=MAX_SEED)
    return value


def add_config_options(parser: argparse.ArgumentParser, t) -> None:
    """A preset and the fields that override it, or --checkpoint: what a config is read from."""
    parser.add_argument("--preset", default=None,
                        help=t("opt.preset", default=DEFAULT_PRESET, known=", ".join(PRESETS)))
    parser.add_argument("--vocab-size", type=int, help=t("opt.vocab_size"))
    parser.add_argument("--block-size", type=int, help=t("opt.block_size"))
    parser.add_argument("--n-layer", type=int, help=t("opt.n_layer"))
    parser.add_argument("--n-head", type=int, help=t("opt.n_head"))
    parser.add_argument("--n-embd", type=int, help=t("opt.n_embd"))
    parser.add_argument("--dropout", type=float, help=t("opt.dropout"))
    parser.add_argument("--bias", action=argparse.BooleanOptionalAction, default=None, help=t("opt.bias"))
    parser.add_argument("--tie-weights", action=argparse.BooleanOptionalAction, default=None,
                        help=t("opt.tie_weights"))
    parser.add_argument("--checkpoint", metavar="PATH", help=t("opt.checkpoint"))


def add_seed_option(parser: argparse.ArgumentParser, t, default: int | None = DEFAULT_SEED,
                    help: str | None = None) -> None:
    """--seed, the same option (and the same error for a bad one) in every mode; `default` None lets the mode
    tell "not given" apart (train: the library's default, or a resumed run's own)."""
    parser.add_argument("--seed", type=_seed, default=default, metavar="S",
                        help=help or t("opt.seed", default=DEFAULT_SEED))


def add_device_option(parser: argparse.ArgumentParser, t) -> None:
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda", "mps", "auto"), help=t("opt.device"))


def add_model_options(parser: argparse.ArgumentParser, t) -> None:
    """The config options, and how the model is made and run: --seed, --device, --dtype."""
    add_config_options(parser, t)
    add_seed_option(parser, t)
    add_device_option(parser, t)
    parser.add_argument("--dtype", default="fp32", choices=tuple(DTYPES), help=t("opt.dtype"))


def config_overrides(args) -> dict:
    return {field: getattr(args, field) for field in CONFIG_OPTIONS if getattr(args, field) is not None}


def reject_config_with_checkpoint(args) -> None:
    """--checkpoint fixes the config: a preset or an override beside it would be silently ignored."""
    given = [CONFIG_OPTIONS[f] for f in config_overrides(args)] + (["--preset"] if args.preset else [])
    if given:
        raise UsageError("usage.checkpoint_and_config", options=", ".join(given))


def config_from_args(args, preset: str | None = None) -> GPTConfig:
    """The preset named by --preset (or `preset`), with the config options laid over it."""
    return GPTConfig.from_preset(preset or args.preset or DEFAULT_PRESET, **config_overrides(args))


def device_from_args(args) -> torch.device:
    name = args.device
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    available = {"cpu": True, "cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available()}
    if not available[name]:
        raise UsageError("usage.device_unavailable", device=name)
    return torch.device(name)


def model_from_args(args) -> GPT:
    """The model the options describe: loaded from --checkpoint, or freshly initialised from --seed; on --device,
    in --dtype (weights are made in float32, then rounded, so a seed gives the same model in every dtype).
    Refused before anything is allocated when it would not fit in memory; refused after, when a weight is not a
    finite number (a broken checkpoint, or fp16's range exceeded)."""
    device, dtype = device_from_args(args), DTYPES[args.dtype]
    if args.checkpoint is not None:
        reject_config_with_checkpoint(args)
        model = GPT.from_pretrained(args.checkpoint)  # refuses by itself what would not fit, as it was stored
        weight = next(model.parameters())  # ... and any weight that is not finite
        converted = (weight.device, weight.dtype) != (device, dtype)
        if converted:
            check_fits(model.config, dtype, device)  # the copy that .to() makes
    else:
        config = config_from_args(args)
        check_fits(config)  # made in float32 on the CPU, then moved and rounded
        check_fits(config, dtype, device)
        torch.manual_seed(args.seed)
        model = GPT(config)
        converted = True
    model = model.to(device=device, dtype=dtype).eval()
    if converted:  # rounding to fp16 can overflow; weights read as they are were checked while loading
        require_finite_weights(model, args.dtype)
    return model


def require_finite_weights(model: GPT, dtype_name: str) -> None:
    for name, parameter in model.named_parameters():
        if not torch.isfinite(parameter).all():
            if dtype_name == "fp32":  # the file itself holds them: no wider format to suggest
                raise UsageError("usage.weights_not_finite_fp32", tensor=name)
            raise UsageError("usage.weights_not_finite", tensor=name, dtype=dtype_name)


def require_finite(tensor: torch.Tensor, args) -> None:
    """A view computed from finite weights can still overflow (fp16 tops out at 65504): say so, do not draw it."""
    if not torch.isfinite(tensor).all():
        if args.dtype == "fp32":
            raise UsageError("usage.activations_not_finite_fp32")
        raise UsageError("usage.activations_not_finite", dtype=args.dtype)


def add_text_options(parser: argparse.ArgumentParser, t) -> None:
    """--text, the input as text, and --tokenizer, where its tokens come from (else: found with --checkpoint)."""
    parser.add_argument("--text", help=t("opt.text"))
    parser.add_argument("--tokenizer", metavar="PATH", help=t("opt.tokenizer"))


def tokenizer_from_args(args, model: GPT) -> Tokenizer | None:
    """The tokenizer --tokenizer names, else the one stored with --checkpoint, else None (token ids only); padded
    to the model's vocabulary (text.PaddedTokenizer: an id it has no token for reads as <id>)."""
    if args.tokenizer:
        return load_tokenizer(args.tokenizer, model.config.vocab_size)
    if args.checkpoint:
        return find_tokenizer(args.checkpoint, model.config.vocab_size)
    return None


def encode_text(text: str, tokenizer: Tokenizer | None, block_size: int | None = None) -> torch.Tensor:
    """--text as token ids (1, T); it must give at least one token, and at most block_size of them (if given)."""
    if tokenizer is None:
        raise UsageError("usage.text_needs_tokenizer")
    ids = tokenizer.encode(text)
    if not ids:
        raise UsageError("usage.text_empty")
    if block_size is not None and len(ids) > block_size:
        raise UsageError("usage.text_too_long", n=len(ids), block_size=block_size)
    return torch.tensor([ids])


@dataclass(frozen=True)
class Example:
    """The input a mode runs its model on: --text, or random token ids drawn from --seed."""

    idx: torch.Tensor  # (B, T) token ids, on the model's device
    texts: tuple[str, ...] | None  # each token's text, of the first sequence, when a tokenizer is known
    generator: torch.Generator  # the CPU generator seeded by --seed, to draw whatever else the mode needs
    tokenizer: Tokenizer | None


def drawable_vocab_size(config, tokenizer) -> int:
    """How many ids random input may draw from: the ids the tokenizer has, when there is one (a model's vocabulary
    may be padded beyond it)."""
    return config.vocab_size if tokenizer is None else min(config.vocab_size, tokenizer.tokenizer.vocab_size)


def drawable_ids(config, tokenizer) -> torch.Tensor:
    """The ids random input draws from, in order: the model's whole vocabulary without a tokenizer; with one, only
    the ids it has a token for (a model's vocabulary may be padded beyond it, and a tokenizer may have gaps). Draw
    positions in [0, len) and look them up here: without gaps the ids are 0..n-1 and the draw is unchanged."""
    if tokenizer is None:
        return torch.arange(config.vocab_size)
    inner = getattr(tokenizer, "tokenizer", tokenizer)  # a PaddedTokenizer's own
    ids = [i for i in range(min(config.vocab_size, inner.vocab_size)) if inner.has_id(i)]
    return torch.tensor(ids, dtype=torch.long) if ids else torch.arange(config.vocab_size)


def example_input(args, model: GPT, B: int, T: int) -> Example:
    """The tokens of --text (one sequence), or else B sequences of T random token ids drawn from --seed."""
    config = model.config
    tokenizer = tokenizer_from_args(args, model)
    generator = torch.Generator().manual_seed(args.seed)
    if args.text is not None:
        idx = encode_text(args.text, tokenizer, config.block_size)  # (1, T)
    else:
        ids = drawable_ids(config, tokenizer)
        idx = ids[torch.randint(0, len(ids), (B, T), generator=generator)]  # (B, T)
    texts = None if tokenizer is None else tuple(tokenizer.token_texts(idx[0].tolist()))
    return Example(idx.to(next(model.parameters()).device), texts, generator, tokenizer)


def describe(config: GPTConfig) -> str:
    """One line naming a config's shape, the same in every language."""
    return (f"vocab_size={config.vocab_size} block_size={config.block_size} n_layer={config.n_layer} "
            f"n_head={config.n_head} n_embd={config.n_embd}")
