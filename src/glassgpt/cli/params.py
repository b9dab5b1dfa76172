"""params mode: where every parameter lives, what a token costs in FLOPs, and what the model needs in memory.

Every figure comes from `accounting.py`, which reads only the config: no model is built, so GPT-2 XL answers as
fast as `tiny`. `--preset all` gives a table of every preset. `--json` prints one JSON object for machines:

- one config: {"preset", "config", "total", "non_embedding", "parameters", "flops", "memory"}; the last three
  are accounting's dataclasses as dicts, each row {"name", "formula", "value"}; "preset" is null for a
  --checkpoint;
- `--preset all`: {"presets": {name: the object above, ...}}, in the order of glassgpt.PRESETS.
"""

import dataclasses
from ..accounting import count_flops, count_parameters, format_bytes, memory_footprint
from ..checkpoints import checkpoint_config
from ..config import PRESETS
from .output import finite_json
from .options import DEFAULT_PRESET, UsageError, add_config_options, config_from_args, reject_config_with_checkpoint
from .render import pad

ALL_PRESETS = "all"  # --preset all: every preset in one table


def add_arguments(parser, t) -> None:
    parser.description = t("params.about")
    add_config_options(parser, t)
    parser.add_argument("--seq-len", type=int, metavar="T", help=t("params.opt.seq_len"))
    parser.add_argument("--json", action="store_true", help=t("params.opt.json"))


def run(args, t) -> list[str]:
    if args.preset == ALL_PRESETS:
        configs = {name: _config(args, name) for name in PRESETS}
        for name, config in configs.items():
            if args.seq_len is not None and not 1 <= args.seq_len <= config.block_size:
                raise UsageError("params.seq_len_preset", seq_len=args.seq_len, name=name,
                                 block_size=config.block_size)
        if args.json:
            return [finite_json({"presets": {name: _as_json(name, c, args.seq_len) for name, c in configs.items()}})]
        return _presets(configs, args.seq_len, t)
    preset = None if args.checkpoint is not None else args.preset or DEFAULT_PRESET
    config = _config(args, preset)
    if args.json:
        return [finite_json(_as_json(preset, config, args.seq_len))]
    return _one(config, args.seq_len, t)


def _config(args, preset):
    """The config the options describe. From a --checkpoint folder (or hub name) only config.json is read, never
    the weights; a single file (a .pt of either course, nanoGPT's ckpt.pt) is read as every mode reads it."""
    if args.checkpoint is not None:
        reject_config_with_checkpoint(args)
        return checkpoint_config(args.checkpoint)
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

def _part(name: str, what: str, formula: str, value: str) -> str:
    """A parameter row: the name in the model, what it is, its formula, its count."""
    return f"  {pad(name, 19)} {pad(what, 22)} {formula:<17} {pad(value, 15, '>')}"


def _quantity(what: str, formula: str, value: int, after: str = "") -> str:
    """A FLOP or memory row: what it is, its formula, its value, then a note such as the error or the size."""
    return f"  {pad(what, 34)} {formula:<14} {value:>15,} {after}".rstrip()


def _names(config, t) -> dict[str, str]:
    """What each row of accounting.py's tables is, by the row's name, in the user's language."""
    L = config.n_layer
    layer_norm = t("params.what.layer_norm" if config.bias else "params.what.layer_norm_gain")
    return {
        # the model's parts
        "tok_emb": t("params.what.tok_emb"), "pos_emb": t("params.what.pos_emb"),
        "blocks": t("params.what.blocks", L=L), "ln_f": t("params.what.ln_f"),
        "lm_head": t("params.what.lm_head_tied" if config.tie_weights else "params.what.lm_head"),
        # one block's parameters
        "ln_1": layer_norm, "ln_2": layer_norm,
        "attn.c_attn.weight": t("params.what.attn.c_attn.weight"),
        "attn.c_attn.bias": t("params.what.attn.c_attn.bias"),
        "attn.c_proj.weight": t("params.what.attn.c_proj.weight"),
        "attn.c_proj.bias": t("params.what.attn.c_proj.bias"),
        "mlp.c_fc.weight": t("params.what.mlp.c_fc.weight"), "mlp.c_fc.bias": t("params.what.mlp.c_fc.bias"),
        "mlp.c_proj.weight": t("params.what.mlp.c_proj.weight"), "mlp.c_proj.bias": t("params.what.mlp.c_proj.bias"),
    }


def _left_out(config, t) -> dict[str, str]:
    """What 12*L*d^2 leaves out, by accounting's row name."""
    return {"embeddings": t("params.left_out.embeddings"), "lm_head": t("params.left_out.lm_head"),
            "biases_and_layer_norms": t("params.left_out.biases_and_layer_norms" if config.bias
                                        else "params.left_out.layer_norm_gains")}


def _quantities(t) -> dict[str, str]:
    """FLOP and memory rows, by accounting's row name."""
    return {
        "block_weights": t("params.flops.block_weights"), "attention": t("params.flops.attention"),
        "lm_head": t("params.flops.lm_head"),
        "weights_fp32": t("params.memory.weights_fp32"), "weights_bf16": t("params.memory.weights_bf16"),
        "training_fp32": t("params.memory.training_fp32"),
        "kv_cache_per_token_fp32": t("params.memory.kv_cache_per_token_fp32"),
        "kv_cache_per_token_bf16": t("params.memory.kv_cache_per_token_bf16"),
        "kv_cache_full_context_fp32": t("params.memory.kv_cache_full_context_fp32"),
        "kv_cache_full_context_bf16": t("params.memory.kv_cache_full_context_bf16"),
    }


def _one(config, seq_len, t) -> list[str]:
    parameters, flops, memory = count_parameters(config), count_flops(config, seq_len), memory_footprint(config)
    names, left_out, quantities = _names(config, t), _left_out(config, t), _quantities(t)
    L = config.n_layer
    lines = [t("params.title"),
             t("params.symbols", V=config.vocab_size, T_max=config.block_size, L=L, d=config.n_embd,
               n_head=config.n_head, head_size=config.head_size),
             t("params.bias_yes" if config.bias else "params.bias_no"),
             "",
             _part(t("params.col.name"), t("params.col.what"), t("params.col.formula"), t("params.col.count"))]
    lines += [_part(row.name, names[row.name], row.formula, f"{row.value:,}") for row in parameters.rows]
    lines += [_part("total", t("params.what.total"), "", f"{parameters.total:,}"),
              f"{'':22}= {parameters.total_formula}",
              "",
              t("params.one_block", last=L - 1)]
    lines += [_part(row.name, names[row.name], row.formula, f"{row.value:,}") for row in parameters.block_rows]
    lines += [_part("", t("params.what.block"), parameters.block_formula, f"{parameters.block:,}"),
              "",
              t("params.tied" if config.tie_weights else "params.untied", vd=config.vocab_size * config.n_embd),
              t("params.non_embedding", non_embedding=parameters.non_embedding),
              # 12*L*d^2 counts a subset of the parameters, so it is never above either count: say by how much
              t("params.estimate", estimate=parameters.estimate, short=-parameters.estimate_error,
                short_non_embedding=-parameters.estimate_error_non_embedding)]
    lines += ["  " + _quantity(left_out[row.name], row.formula, row.value) for row in parameters.estimate_leaves_out]
    lines += ["", t("params.flops_title", T=flops.seq_len)]
    lines += [_quantity(quantities[row.name], row.formula, row.value) for row in flops.rows]
    lines += [_quantity(t("params.flops.forward"), "", flops.forward),
              _quantity(t("params.flops.training"), "3*forward", flops.training),
              t("params.flops_exact", causal=flops.attention_causal),
              _quantity(t("params.flops.kaplan"), "2N + 2*L*T*d", flops.kaplan_forward,
                        f"{flops.kaplan_forward_error:+.1%}"),
              t("params.flops_kaplan_note"),
              _quantity(t("params.flops.six_n"), "6N", flops.six_n, f"{flops.six_n_error:+.1%}"),
              t("params.flops_six_n_note"),
              "",
              t("params.memory_title", P=parameters.total)]
    lines += [_quantity(quantities[row.name], row.formula, row.value, f"B  {format_bytes(row.value)}")
              for row in memory.rows]
    return lines + [t("params.memory_note")]


def _presets(configs, seq_len, t) -> list[str]:
    lines = [t("params.all_title"), t("params.all_flops_at", T=seq_len) if seq_len else t("params.all_flops_at_full"),
             ""]
    widths = (12, 4, 7, 6, 7, 6, 15, 11)
    lines.append("  " + _table_row(t("params.all_head1").split("|"), widths))
    for name, config in configs.items():
        parameters = count_parameters(config)
        lines.append("  " + _table_row([name, config.n_layer, config.n_head, config.n_embd, config.vocab_size,
                                        config.block_size, f"{parameters.total:,}",
                                        f"{parameters.estimate_error:+.1%}"], widths))
    lines.append("")
    widths = (12, 15, 17, 17, 13)
    lines.append("  " + _table_row(t("params.all_head2").split("|"), widths))
    for name, config in configs.items():
        parameters, flops = count_parameters(config), count_flops(config, seq_len)
        training = {row.name: row.value for row in memory_footprint(config).rows}["training_fp32"]
        lines.append("  " + _table_row([name, f"{parameters.non_embedding:,}", f"{flops.forward:,}",
                                        f"{flops.training:,}", format_bytes(training)], widths))
    return lines + ["", t("params.all_note")]


def _table_row(cells, widths) -> str:
    """The first cell left-aligned, the others right-aligned, each in its width."""
    first, *rest = (str(cell) for cell in cells)
    return pad(first, widths[0]) + "".join(pad(cell, width, ">") for cell, width in zip(rest, widths[1:]))
