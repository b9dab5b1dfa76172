"""The options every mode shares, and what they build: a config, a model on a device."""

import argparse

import torch

from ..config import PRESETS, GPTConfig
from ..model import GPT

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


class UsageError(Exception):
    """Bad command-line input, already said in the user's language; the CLI prints it and exits 2."""


def add_common_arguments(parser: argparse.ArgumentParser, t) -> None:
    parser.add_argument("--lang", choices=("en", "zh"), help=t("opt.lang"))
    parser.add_argument("--preset", default=None, help=t("opt.preset", default=DEFAULT_PRESET, known=", ".join(PRESETS)))
    parser.add_argument("--vocab-size", type=int, help=t("opt.vocab_size"))
    parser.add_argument("--block-size", type=int, help=t("opt.block_size"))
    parser.add_argument("--n-layer", type=int, help=t("opt.n_layer"))
    parser.add_argument("--n-head", type=int, help=t("opt.n_head"))
    parser.add_argument("--n-embd", type=int, help=t("opt.n_embd"))
    parser.add_argument("--dropout", type=float, help=t("opt.dropout"))
    parser.add_argument("--bias", action=argparse.BooleanOptionalAction, default=None, help=t("opt.bias"))
    parser.add_argument("--tie-weights", action=argparse.BooleanOptionalAction, default=None,
                        help=t("opt.tie_weights"))
    parser.add_argument("--checkpoint", metavar="DIR", help=t("opt.checkpoint"))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=t("opt.seed", default=DEFAULT_SEED))
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda", "mps", "auto"), help=t("opt.device"))
    parser.add_argument("--dtype", default="fp32", choices=tuple(DTYPES), help=t("opt.dtype"))


def config_overrides(args) -> dict:
    return {field: getattr(args, field) for field in CONFIG_OPTIONS if getattr(args, field) is not None}


def config_from_args(args, preset: str | None = None) -> GPTConfig:
    """The preset named by --preset (or `preset`), with the config options laid over it."""
    return GPTConfig.from_preset(preset or args.preset or DEFAULT_PRESET, **config_overrides(args))


def device_from_args(args, t) -> torch.device:
    name = args.device
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    available = {"cpu": True, "cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available()}
    if not available[name]:
        raise UsageError(t("usage.error", detail=t("usage.device_unavailable", device=name)))
    return torch.device(name)


def model_from_args(args, t) -> GPT:
    """The model the options describe: loaded from --checkpoint, or freshly initialised from --seed; on --device,
    in --dtype (weights are made in float32, then rounded, so a seed gives the same model in every dtype)."""
    device, dtype = device_from_args(args, t), DTYPES[args.dtype]
    if args.checkpoint:
        given = [CONFIG_OPTIONS[f] for f in config_overrides(args)] + (["--preset"] if args.preset else [])
        if given:
            raise UsageError(t("usage.error", detail=t("usage.checkpoint_and_config", options=", ".join(given))))
        return GPT.from_pretrained(args.checkpoint).to(device=device, dtype=dtype)
    config = config_from_args(args)
    torch.manual_seed(args.seed)
    return GPT(config).to(device=device, dtype=dtype).eval()


def describe(config: GPTConfig) -> str:
    """One line naming a config's shape, the same in every language."""
    return (f"vocab_size={config.vocab_size} block_size={config.block_size} n_layer={config.n_layer} "
            f"n_head={config.n_head} n_embd={config.n_embd}")
