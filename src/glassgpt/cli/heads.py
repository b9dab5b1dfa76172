"""heads mode: a score in [0, 1] for every layer x head, each defined in one sentence, and the top heads named.

    glassgpt heads --checkpoint induction            # after `glassgpt train --task induction --out induction`
    glassgpt heads --checkpoint induction --json     # one JSON object: a layers x heads list per score
    glassgpt heads --checkpoint induction --plot heads.png
"""

from pathlib import Path

from ..accounting import require_memory
from ..analysis import (DEFAULT_MIN_PERIOD, DEFAULT_SCORE_LENGTH, DEFAULT_SEQUENCES, GOAL_INDUCTION, GOAL_PREVIOUS,
                        SCORE_NAMES, default_periods, head_scores)
from .output import finite_json
from .options import UsageError, add_model_options, describe, model_from_args
from .plotting import check_png_path, write_png
from .render import heading, matrix, wrap



def add_arguments(parser, t) -> None:
    parser.description = t("heads.about")
    add_model_options(parser, t)
    parser.add_argument("--sequences", type=int, default=DEFAULT_SEQUENCES, metavar="N",
                        help=t("heads.opt.sequences", default=DEFAULT_SEQUENCES))
    parser.add_argument("--json", action="store_true", help=t("heads.opt.json"))
    parser.add_argument("--plot", metavar="FILE.png", help=t("heads.opt.plot"))


def circuit(scores):
    """(induction head, the previous-token head before it) when both reach the goal, else None."""
    induction = scores.top("induction")[0]
    previous = scores.top("previous_token", before_layer=induction.layer)
    if induction.score >= GOAL_INDUCTION and previous and previous[0].score >= GOAL_PREVIOUS:
        return induction, previous[0]
    return None


def as_json(scores, model, args, t) -> str:
    T = scores.tokens.idx.size(1)
    found = circuit(scores)
    return finite_json({
        "config": model.config.to_dict(),
        "sequences": args.sequences, "seq_len": T, "seed": args.seed,
        "periods": list(default_periods(T, model.config.vocab_size)),
        "scores": {name: [[round(v, 6) for v in row] for row in values.tolist()]
                   for name, values in scores.by_name().items()},
        "definitions": {name: t.member("heads.def", name) for name in SCORE_NAMES},
        "top": {name: vars(scores.top(name)[0]) for name in SCORE_NAMES},
        "induction_circuit": None if found is None else {"induction": vars(found[0]), "previous_token": vars(found[1])},
    })


def text_lines(scores, model, args, t) -> list[str]:
    config = model.config
    T = scores.tokens.idx.size(1)
    low, high = default_periods(T, config.vocab_size)
    lines = heading(t("heads.title", config=describe(config)))
    lines += wrap(t("heads.measured", n=args.sequences, T=T, low=low, high=high, seed=args.seed))
    if not args.checkpoint:
        lines += wrap(t("heads.untrained", seed=args.seed))
    rows = [t("heads.layer", layer=layer) for layer in range(config.n_layer)]
    columns = [t("heads.head", head=head) for head in range(config.n_head)]
    for name, values in scores.by_name().items():
        top = scores.top(name)[0]
        lines += [""] + wrap(t("heads.score_line", name=t.member("heads.name", name),
                               definition=t.member("heads.def", name)))
        lines += matrix(values.tolist(), rows, columns, signed=False, cell=9)
        lines += wrap(t("heads.top", layer=top.layer, head=top.head, score=top.score), indent="  ")
    found = circuit(scores)
    lines.append("")
    if found:
        induction, previous = found
        lines += wrap(t("heads.found_circuit", layer=induction.layer, head=induction.head, score=induction.score,
                        prev_layer=previous.layer, prev_head=previous.head, prev_score=previous.score))
    else:
        lines += wrap(t("heads.no_circuit", goal_induction=GOAL_INDUCTION, goal_previous=GOAL_PREVIOUS))
    return lines


def scores_figure(scores, labels):
    """A matplotlib figure: one n_layer x n_head heatmap per score, each cell labelled with its value."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    n_layer, n_head = scores.induction.shape
    figure = Figure(figsize=(4 * (0.6 + 0.45 * n_head), 0.8 + 0.45 * n_layer + 0.6), layout="constrained")
    FigureCanvasAgg(figure)  # render with Agg, never an interactive backend
    panels = figure.subplots(1, len(SCORE_NAMES), squeeze=False)[0]
    image = None
    for axes, (name, values) in zip(panels, scores.by_name().items()):
        image = axes.imshow(values.numpy(), cmap="viridis", vmin=0, vmax=1)
        axes.set_title(labels.member("heads.name", name), fontsize=9)
        axes.set_xticks(range(n_head))
        axes.set_yticks(range(n_layer))
        axes.set_xlabel(labels("heads.plot.head"), fontsize=8)
        axes.set_ylabel(labels("heads.plot.layer"), fontsize=8)
        axes.tick_params(labelsize=7)
        if n_layer * n_head <= 64:  # small grids get their numbers written in
            for layer in range(n_layer):
                for head in range(n_head):
                    value = float(values[layer, head])
                    axes.text(head, layer, f"{value:.2f}", ha="center", va="center", fontsize=7,
                              color="black" if value > 0.6 else "white")
    figure.colorbar(image, ax=list(panels), shrink=0.8)
    figure.suptitle(labels("heads.plot.title"))
    return figure


def write_plot(scores, path: Path, t) -> list[str]:
    said = write_png(path, t, lambda labels: scores_figure(scores, labels))
    return wrap(t("heads.plot_written", file=str(path))) + said


def run(args, t) -> list[str]:
    plot = check_png_path(args)
    if args.sequences < 1:
        raise UsageError("heads.bad_sequences", value=args.sequences)
    model = model_from_args(args)
    needed = 2 * DEFAULT_MIN_PERIOD  # the shortest period, seen twice
    if model.config.block_size < needed:
        raise UsageError("heads.model_too_short", needed=needed, block_size=model.config.block_size)
    config, T = model.config, min(model.config.block_size, DEFAULT_SCORE_LENGTH)
    # the attention of every layer, sequence and head, kept in float32 (and once more as it is computed)
    require_memory(2 * 4 * config.n_layer * args.sequences * config.n_head * T * T,
                   f"heads --sequences {args.sequences}, {config.n_layer} x {config.n_head} x {T} x {T} attention")
    scores = head_scores(model, n_sequences=args.sequences, seed=args.seed)
    lines = [as_json(scores, model, args, t)] if args.json else text_lines(scores, model, args, t)
    if plot is not None:
        plot_lines = write_plot(scores, plot, t)
        if not args.json:  # stdout holds exactly one JSON object with --json
            lines += [""] + plot_lines
    return lines
