"""ablate mode: knock heads out and see what breaks (Olsson et al.'s ablation argument; glassgpt.interventions).

    glassgpt ablate --checkpoint induction                      # every head, on the run's held-out batch
    glassgpt ablate --checkpoint induction --heads 1.0,1.1      # and these two at once
    glassgpt ablate --checkpoint gpt2 --text "..." --how mean --plot ablate.png

What the loss is measured on: --text (every next token); else, for a folder `glassgpt train` wrote, the held-out
batch its timeline measures on; else random sequences that repeat themselves (copyable tokens only).
"""

from pathlib import Path

import torch

from ..analysis import DEFAULT_MIN_PERIOD
from ..interventions import HOW, ablate_each_head, ablate_heads, find_circuit, head_means, parse_heads
from ..training import TRAINING_STATE, TrainSettings, held_out_batch, induction_batch, read_training_state
from .output import finite_json
from .options import (UsageError, add_model_options, add_text_options, drawable_ids, encode_text,
                      model_from_args, tokenizer_from_args)
from .plotting import check_png_path, write_png
from .render import heading, matrix, wrap

ROWS = 32  # random repeating sequences measured on, without a run or a text
LENGTH = 48  # their tokens (fewer when block_size is smaller)
SHOWN_CHANGES = 12  # changed predictions listed per set


def add_arguments(parser, t) -> None:
    parser.description = t("ablate.about")
    add_model_options(parser, t)
    add_text_options(parser, t)
    parser.add_argument("--heads", action="append", metavar="L.H,...", help=t("ablate.opt.heads"))
    parser.add_argument("--how", choices=HOW, default="zero", help=t("ablate.opt.how", default="zero"))
    parser.add_argument("--json", action="store_true", help=t("ablate.opt.json"))
    parser.add_argument("--plot", metavar="FILE.png", help=t("ablate.opt.plot"))


def measured_on(args, model, tokenizer):
    """(idx, targets, kind, fields): what the loss is measured on, and how to say it."""
    config = model.config
    if args.text is not None:
        idx = encode_text(args.text, tokenizer, config.block_size)  # (1, T)
        if idx.size(1) < 2:
            raise UsageError("ablate.text_too_short")
        return idx[:, :-1], idx[:, 1:], "text", {"T": idx.size(1)}
    if args.checkpoint and (Path(args.checkpoint) / TRAINING_STATE).is_file():
        settings = read_training_state(Path(args.checkpoint))["settings"]
        idx, targets = held_out_batch(settings)
        return idx, targets, "run" if settings.task == "induction" else "run_text", \
            {"rows": idx.size(0), "T": idx.size(1)}
    ids = drawable_ids(config, tokenizer)
    T, vocab = min(config.block_size, LENGTH), len(ids)
    if T < 2 * DEFAULT_MIN_PERIOD or vocab <= DEFAULT_MIN_PERIOD:
        raise UsageError("heads.model_too_short", needed=2 * DEFAULT_MIN_PERIOD, block_size=config.block_size)
    settings = TrainSettings(batch_size=ROWS, seq_len=T, vocab_size=vocab, min_period=DEFAULT_MIN_PERIOD,
                             max_period=min(T // 2, vocab - 1))
    idx, targets = induction_batch(settings, torch.Generator().manual_seed(args.seed))  # positions in `ids`
    idx, targets = ids[idx], torch.where(targets >= 0, ids[targets.clamp(min=0)], targets)
    return idx, targets, "random", {"rows": ROWS, "T": T, "seed": args.seed}


def named(heads) -> str:
    return " + ".join(f"{layer}.{head}" for layer, head in heads)


def circuit_sentence(circuit, each, t) -> str:
    parts = []
    if circuit.alone:
        parts.append(t("ablate.circuit_alone", heads=named(circuit.alone)))
    for group, change in zip(circuit.together, circuit.together_change):
        largest = max(float(each.change[lh]) for lh in group)
        parts.append(t("ablate.circuit_together", heads=named(group), change=change, largest=largest))
    if circuit.unused:
        parts.append(t("ablate.circuit_unused", heads=named(circuit.unused)))
    return t("ablate.circuit", parts=t("ablate.and").join(parts) or t("ablate.circuit_none"),
             threshold=circuit.threshold)


def changed_positions(result) -> list[int]:
    """Positions of the first row, among those the loss counts, whose top prediction the ablation changed."""
    return [i for i in range(result.top_before.size(1))
            if result.top_before[0, i] != result.top_after[0, i] and not result.token_loss_before[0, i].isnan()]


def prediction_lines(result, idx, tokenizer, kind: str, t) -> list[str]:
    def text(i):
        return tokenizer.token_texts([int(i)])[0] if tokenizer is not None else f"#{int(i)}"  # padded: <id>

    lines = wrap(t("ablate.predictions", heads=named(result.heads),
                   row=t("ablate.row_text") if kind == "text" else t("ablate.row_first")), indent="  ")
    changed = changed_positions(result)
    for i in changed[:SHOWN_CHANGES]:
        lines += wrap(t("ablate.prediction", position=i, token=repr(text(idx[0, i])),
                        before=repr(text(result.top_before[0, i])), p_before=float(result.prob_before[0, i]),
                        after=repr(text(result.top_after[0, i])), p_after=float(result.prob_after[0, i])),
                      indent="    ")
    if not changed:
        lines += wrap(t("ablate.no_prediction_change"), indent="    ")
    elif len(changed) > SHOWN_CHANGES:
        lines += wrap(t("ablate.more_changes", n=len(changed) - SHOWN_CHANGES), indent="    ")
    return lines


def set_json(result) -> dict:
    token_change = (result.token_loss_after - result.token_loss_before)[0]
    return {"heads": [list(lh) for lh in result.heads], "loss_after": result.loss_after, "change": result.change,
            "token_loss_change": [None if torch.isnan(x) else round(float(x), 6) for x in token_change],
            "top_before": result.top_before[0].tolist(), "top_after": result.top_after[0].tolist(),
            "changed_positions": changed_positions(result)}


def ablation_figure(each, labels):
    """A matplotlib figure: the change in loss of knocking out each head, one n_layer x n_head heatmap."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    n_layer, n_head = each.change.shape
    figure = Figure(figsize=(1.5 + 0.5 * n_head, 1.2 + 0.5 * n_layer), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    limit = max(float(each.change.abs().max()), 1e-6)
    image = axes.imshow(each.change.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
    axes.set_xticks(range(n_head))
    axes.set_yticks(range(n_layer))
    axes.set_xlabel(labels("heads.plot.head"))
    axes.set_ylabel(labels("heads.plot.layer"))
    if n_layer * n_head <= 64:
        for layer in range(n_layer):
            for head in range(n_head):
                axes.text(head, layer, f"{float(each.change[layer, head]):+.2f}", ha="center", va="center",
                          fontsize=7)
    figure.colorbar(image, ax=axes, shrink=0.8)
    axes.set_title(labels("ablate.plot.title"), fontsize=10)
    return figure


def write_plot(each, path: Path, t) -> list[str]:
    said = write_png(path, t, lambda labels: ablation_figure(each, labels))
    return wrap(t("ablate.plot_written", file=str(path))) + said


def run(args, t) -> list[str]:
    plot = check_png_path(args)
    model = model_from_args(args)
    config = model.config
    asked = [parse_heads(text, config.n_layer, config.n_head) for text in args.heads or []]
    tokenizer = tokenizer_from_args(args, model)
    idx, targets, kind, fields = measured_on(args, model, tokenizer)
    device = next(model.parameters()).device
    idx, targets = idx.to(device), targets.to(device)
    means = head_means(model, idx) if args.how == "mean" else None
    each = ablate_each_head(model, idx, targets, args.how, means)
    circuit = find_circuit(model, idx, targets, each, means)
    sets = [ablate_heads(model, idx, targets, heads, args.how, means) for heads in asked]
    shown = sets or [ablate_heads(model, idx, targets, heads, args.how, means)
                     for heads in [*[(lh,) for lh in circuit.alone], *circuit.together]]
    sentence = circuit_sentence(circuit, each, t)
    if args.json:
        lines = [finite_json({
            "how": args.how, "measured_on": kind, **fields, "loss": each.loss_before, "chance": each.chance,
            "each": [[round(float(x), 6) for x in row] for row in each.change],
            "sets": [set_json(result) for result in sets],
            "circuit": {"alone": [list(lh) for lh in circuit.alone],
                        "together": [[list(lh) for lh in group] for group in circuit.together],
                        "together_change": list(circuit.together_change),
                        "unused": [list(lh) for lh in circuit.unused], "threshold": circuit.threshold},
            "sentence": sentence})]
    else:
        source = args.checkpoint or f"--preset {args.preset or 'small'} --seed {args.seed}"
        lines = heading(t("ablate.title", how=args.how, source=source))
        if kind == "text":
            lines += wrap(t("ablate.data.text", **fields))
        elif kind == "random":
            lines += wrap(t("ablate.data.random", **fields))
        else:
            lines += wrap(t("ablate.data.run", **fields) if kind == "run" else t("ablate.data.run_text", **fields))
        lines += wrap(t("ablate.intact", loss=each.loss_before, vocab=config.vocab_size, chance=each.chance))
        lines += [""] + wrap(t("ablate.each"))
        lines += matrix(each.change.tolist(), [t("ablate.layer", layer=l) for l in range(config.n_layer)],
                        [t("ablate.head", head=h) for h in range(config.n_head)], signed=True, cell=9)
        for result in shown:
            lines += [""] + wrap(t("ablate.set", heads=named(result.heads), after=result.loss_after,
                                   change=result.change, share=result.loss_after / each.chance))
            lines += prediction_lines(result, idx, tokenizer, kind, t)
        lines += [""] + wrap(sentence)
    if plot is not None:
        plot_lines = write_plot(each, plot, t)
        if not args.json:
            lines += [""] + plot_lines
    return lines
