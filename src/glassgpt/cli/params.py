"""params mode: where every parameter lives, what a token costs in FLOPs, and what the model needs in memory.

Every figure comes from `accounting.py`, which reads only the config: no model is built, so GPT-2 XL answers as
fast as `tiny`. `--preset all` gives a table of every preset. `--json` prints one JSON object for machines:

- one config: {"preset", "config", "total", "non_embedding", "parameters", "flops", "memory"}; the last three
  are accounting's dataclasses as dicts, each row {"name", "formula", "value"}; "preset" is null for a
  --checkpoint;
- `--preset all`: {"presets": {name: the object above, ...}}, in the order of glassgpt.PRESETS.
"""

import dataclasses
import json
from pathlib import Path

from ..accounting import count_flops, count_parameters, memory_footprint
from ..checkpoints import read_config
from ..config import PRESETS
from .options import CONFIG_OPTIONS, DEFAULT_PRESET, UsageError, config_from_args, config_overrides
from .render import pad

ALL_PRESETS = "all"  # --preset all: every preset in one table


def add_arguments(group, t) -> None:
    group.add_argument("--seq-len", type=int, metavar="T", help=t("params.opt.seq_len"))
    group.add_argument("--json", action="store_true", help=t("params.opt.json"))


def run(args, t) -> int:
    if args.preset == ALL_PRESETS:
        configs = {name: _config(args, t, name) for name in PRESETS}
        for name, config in configs.items():
            if args.seq_len is not None and not 1 <= args.seq_len <= config.block_size:
                raise UsageError(t("usage.error", detail=t(
                    "params.seq_len_preset", seq_len=args.seq_len, name=name, block_size=config.block_size)))
        if args.json:
            print(json.dumps({"presets": {name: _as_json(name, c, args.seq_len) for name, c in configs.items()}}))
        else:
            _print_presets(configs, args.seq_len, t)
        return 0
    preset = None if args.checkpoint else args.preset or DEFAULT_PRESET
    config = _config(args, t, preset)
    if args.json:
        print(json.dumps(_as_json(preset, config, args.seq_len)))
    else:
        _print_one(config, args.seq_len, t)
    return 0


def _config(args, t, preset):
    """The config the options describe. From --checkpoint only config.json is read, never the weights."""
    if args.checkpoint:
        given = [CONFIG_OPTIONS[f] for f in config_overrides(args)] + (["--preset"] if args.preset else [])
        if given:
            raise UsageError(t("usage.error", detail=t("usage.checkpoint_and_config", options=", ".join(given))))
        return read_config(Path(args.checkpoint))
    return config_from_args(args, preset)


def _as_json(preset, config, seq_len) -> dict:
    parameters = count_parameters(config)
    return {
        "preset": preset,
        "config": config.to_dict(),
        "total": parameters.total,
        "non_embedding": parameters.non_embedding,
        "parameters": dataclasses.asdict(parameters),
        "flops": dataclasses.asdict(count_flops(config, seq_len)),
        "memory": dataclasses.asdict(memory_footprint(config)),
    }


# --- text: every line fits 80 columns, a Chinese character taking two (render.pad) --------------------------

def _size(n: float) -> str:
    """Bytes in binary units: 1536 -> '1.5 KiB'."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024:
            break
        n /= 1024
    else:
        unit = "TiB"
    return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"


def _part(name: str, what: str, formula: str, value: str) -> str:
    """A parameter row: the name in the model, what it is, its formula, its count."""
    return f"  {pad(name, 19)} {pad(what, 22)} {formula:<17} {pad(value, 15, '>')}"


def _quantity(what: str, formula: str, value: int, after: str = "") -> str:
    """A FLOP or memory row: what it is, its formula, its value, then a note such as the error or the size."""
    return f"  {pad(what, 34)} {formula:<14} {value:>15,} {after}".rstrip()


def _print_one(config, seq_len, t) -> None:
    parameters, flops, memory = count_parameters(config), count_flops(config, seq_len), memory_footprint(config)
    L = config.n_layer
    print(t("params.title"))
    print(t("params.symbols", V=config.vocab_size, T_max=config.block_size, L=L, d=config.n_embd,
            n_head=config.n_head, head_size=config.head_size))
    print(t("params.bias_yes" if config.bias else "params.bias_no"))
    print()
    print(_part(t("params.col.name"), t("params.col.what"), t("params.col.formula"), t("params.col.count")))
    for row in parameters.rows:
        key = f"params.what.{row.name}"
        if row.name == "lm_head" and config.tie_weights:
            key = "params.what.lm_head_tied"
        print(_part(row.name, t(key, L=L), row.formula, f"{row.value:,}"))
    print(_part("total", t("params.what.total"), "", f"{parameters.total:,}"))
    print(f"{'':22}= {parameters.total_formula}")
    print()
    print(t("params.one_block", last=L - 1))
    for row in parameters.block_rows:
        key = f"params.what.{row.name}"
        if row.name.startswith("ln_"):
            key = "params.what.layer_norm" if config.bias else "params.what.layer_norm_gain"
        print(_part(row.name, t(key), row.formula, f"{row.value:,}"))
    print(_part("", t("params.what.block"), parameters.block_formula, f"{parameters.block:,}"))
    print()
    print(t("params.tied" if config.tie_weights else "params.untied", vd=config.vocab_size * config.n_embd))
    print(t("params.non_embedding", non_embedding=parameters.non_embedding))
    # 12*L*d^2 counts a subset of the parameters, so it is never above either count: say by how much it is below
    print(t("params.estimate", estimate=parameters.estimate, short=-parameters.estimate_error,
            short_non_embedding=-parameters.estimate_error_non_embedding))
    for row in parameters.estimate_leaves_out:
        key = f"params.left_out.{row.name}"
        if row.name == "biases_and_layer_norms" and not config.bias:
            key = "params.left_out.layer_norm_gains"
        print("  " + _quantity(t(key), row.formula, row.value))
    print()
    print(t("params.flops_title", T=flops.seq_len))
    for row in flops.rows:
        print(_quantity(t(f"params.flops.{row.name}"), row.formula, row.value))
    print(_quantity(t("params.flops.forward"), "", flops.forward))
    print(_quantity(t("params.flops.training"), "3*forward", flops.training))
    print(t("params.flops_exact", causal=flops.attention_causal))
    print(_quantity(t("params.flops.kaplan"), "2N + 2*L*T*d", flops.kaplan_forward,
                    f"{flops.kaplan_forward_error:+.1%}"))
    print(t("params.flops_kaplan_note"))
    print(_quantity(t("params.flops.six_n"), "6N", flops.six_n, f"{flops.six_n_error:+.1%}"))
    print(t("params.flops_six_n_note"))
    print()
    print(t("params.memory_title", P=parameters.total))
    for row in memory.rows:
        print(_quantity(t(f"params.memory.{row.name}"), row.formula, row.value, f"B  {_size(row.value)}"))
    print(t("params.memory_note"))


def _print_presets(configs, seq_len, t) -> None:
    print(t("params.all_title"))
    print(t("params.all_flops_at", T=seq_len) if seq_len else t("params.all_flops_at_full"))
    print()
    widths = (12, 4, 7, 6, 7, 6, 15, 11)
    print("  " + _table_row(t("params.all_head1").split("|"), widths))
    for name, config in configs.items():
        parameters = count_parameters(config)
        print("  " + _table_row([name, config.n_layer, config.n_head, config.n_embd, config.vocab_size,
                                 config.block_size, f"{parameters.total:,}", f"{parameters.estimate_error:+.1%}"],
                                widths))
    print()
    widths = (12, 15, 17, 17, 13)
    print("  " + _table_row(t("params.all_head2").split("|"), widths))
    for name, config in configs.items():
        parameters, flops = count_parameters(config), count_flops(config, seq_len)
        training = {row.name: row.value for row in memory_footprint(config).rows}["training_fp32"]
        print("  " + _table_row([name, f"{parameters.non_embedding:,}", f"{flops.forward:,}", f"{flops.training:,}",
                                 _size(training)], widths))
    print()
    print(t("params.all_note"))


def _table_row(cells, widths) -> str:
    """The first cell left-aligned, the others right-aligned, each in its width."""
    first, *rest = (str(cell) for cell in cells)
    return pad(first, widths[0]) + "".join(pad(cell, width, ">") for cell, width in zip(rest, widths[1:]))
