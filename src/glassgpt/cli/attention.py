"""attention mode: one head on a tiny example, step by step with the real numbers; why the causal mask is needed,
shown by changing a later token; the attention weights as a shaded heatmap, and with --plot as a PNG figure."""

import warnings
from pathlib import Path

from ..inspection import attention_weights, mask_demo, scale_demo, walk_through_head
from ..model import causal_mask
from .messages import Messages
from .options import (UsageError, add_model_options, add_text_options, describe, example_input, model_from_args,
                      require_finite)
from .plotting import check_png_path, write_png
from .render import (column_labels, flow, heading, heatmap, matrix, row_labels, shade_legend,
                     side_by_side, tokens_line, visible, wrap)

MASKED_COLOUR = "#b0b0b0"  # a masked cell in the PNG: grey, a colour no weight has in viridis
TOKENS = 6  # length of the tiny example: small enough to print every T x T matrix in full
SHOWN_COLUMNS = 3  # columns of Q, K, V and the output printed (hs is larger)


def add_arguments(parser, t) -> None:
    parser.description = t("attention.about")
    add_model_options(parser, t)
    add_text_options(parser, t)
    parser.add_argument("--layer", type=int, metavar="L", help=t("attention.opt.layer"))
    parser.add_argument("--head", type=int, metavar="H", help=t("attention.opt.head"))
    parser.add_argument("--plot", metavar="FILE.png", help=t("attention.opt.plot"))


def _check_choice(value, count: int, option: str) -> None:
    if value is not None and not 0 <= value < count:
        raise UsageError("attention.bad_index", option=option, value=value, last=count - 1)


def walkthrough_lines(walk, demo_scale, config, t, texts=None) -> list[str]:
    """Steps 1-7 of one head's attention, with the numbers of `walk` (inspection.HeadWalkthrough); rows and
    columns labelled with the tokens' `texts` when they are known."""
    T, hs = walk.q.shape
    rows, keys, shown = row_labels(T, texts), column_labels(T, texts), min(SHOWN_COLUMNS, hs)
    columns = [str(j) for j in range(shown)]
    lines = wrap(t("attention.example", T=T, tokens=walk.tokens.tolist(), layer=walk.layer,
                   shape=str(tuple(walk.x.shape))))

    lines += [""] + wrap(t("attention.step_qkv", head=walk.head, T=T, hs=hs, shown=shown))
    blocks = [[("  " if i == 0 else "") + name]
              + matrix(values[:, :shown], rows if i == 0 else [""] * T, columns, cell=7, indent=2 if i == 0 else 0)
              for i, (name, values) in enumerate((("Q", walk.q), ("K", walk.k), ("V", walk.v)))]
    lines += side_by_side(blocks)

    lines += [""] + wrap(t("attention.step_scores", T=T))
    lines += matrix(walk.scores / walk.scale, rows, keys)  # before the scale, which the next step shows

    lines += [""] + wrap(t("attention.step_scale", hs=hs, scale=walk.scale))
    lines += wrap(t("attention.scale_why", hs=hs, std_raw=demo_scale.std_raw, std_scaled=demo_scale.std_scaled,
                    n=demo_scale.n_keys, peak_raw=demo_scale.peak_raw, peak_scaled=demo_scale.peak_scaled),
                  indent="  ")

    lines += [""] + wrap(t("attention.step_mask"))
    lines += matrix(walk.masked, rows, keys)

    lines += [""] + wrap(t("attention.step_softmax"))
    lines += matrix(walk.weights, rows, keys, signed=False)
    sums = " ".join(f"{s:.6f}" for s in walk.weights.float().sum(-1).tolist())
    masked_zero = bool((walk.weights[~walk.mask] == 0).all())
    lines += wrap(t("attention.row_sums", sums=sums), indent="  ")
    lines += wrap(t("attention.masked_zero" if masked_zero else "attention.masked_not_zero"), indent="  ")
    lines += wrap(t("attention.same_as_model", layer=walk.layer), indent="  ")

    lines += [""] + wrap(t("attention.step_out", T=T, hs=hs, shown=shown))
    lines += matrix(walk.out[:, :shown], rows, columns)

    lines += [""] + wrap(t("attention.step_merge", nh=config.n_head, T=T, hs=hs, d=config.n_embd,
                           head=walk.head, first=walk.head * hs, last=walk.head * hs + hs - 1,
                           shape=str(tuple(walk.projected.shape))))
    return lines


def mask_demo_lines(demo, config, t, texts=None) -> list[str]:
    """The causal mask's reason, in numbers: how far each position's output moves when the last token changes."""
    T = len(demo.change_with_mask)
    rows = row_labels(T, texts)
    if T < 2 or config.vocab_size < 2:
        return wrap(t("attention.mask_demo_skipped"))
    lines = wrap(t("attention.mask_demo", position=demo.position, old=demo.old_token, new=demo.new_token,
                   head=demo.head, layer=demo.layer))
    header = ["", t("attention.col_with_mask"), t("attention.col_without_mask")]
    cells = [[rows[i] + (" *" if i == demo.position else ""),
              _change(demo.change_with_mask[i]), _change(demo.change_without_mask[i])] for i in range(T)]
    lines += side_by_side([[row[c] for row in [header, *cells]] for c in range(3)], gap=4)
    earlier_still = bool((demo.change_with_mask[:demo.position] == 0).all())
    earlier_moved = bool((demo.change_without_mask[:demo.position] > 0).all())
    lines += wrap(t("attention.mask_changed_marker"), indent="  ")
    lines += [""] + wrap(t("attention.mask_why" if earlier_still and earlier_moved else "attention.mask_unexpected"))
    return lines


def _change(value) -> str:
    value = float(value)
    return "0" if value == 0 else f"{value:.2e}"


def heatmap_lines(weights, layer: int, heads: list[int], t, texts=None) -> list[str]:
    """weights (nh, T, T) of one layer for one sequence, as shaded text, one block per head."""
    T = weights.size(-1)
    allowed = causal_mask(T, T)
    lines = wrap(t("attention.heatmap_title", layer=layer))
    lines += wrap(t("attention.heatmap_legend", **shade_legend()), indent="  ")
    blocks = [heatmap(weights[h].float().tolist(), allowed.tolist(), t("attention.heatmap_head", head=h), texts)
              for h in heads]
    return lines + [""] + ["  " + line if line else line for line in flow(blocks, width=78)]


def attention_figure(weights, layers: list[int], heads: list[int], labels: Messages, tokens=None):
    """A matplotlib figure: the causal mask, then the attention weights of each chosen head of each chosen layer,
    one panel each, labelled. `weights[layer]` (nh, T, T) for one sequence (a tensor or a dict by layer);
    `tokens`: a tick label per position (default 0, 1, ...). Returns the Figure; the panels are the axes that hold
    an image (1 + len(layers) * len(heads) of them)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    import numpy as np
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap

    T = weights[layers[0]].size(-1)
    rows, columns = len(layers), len(heads) + 1
    figure = Figure(figsize=(2.1 * columns + 0.8, 2.1 * rows + 0.6), layout="constrained")
    FigureCanvasAgg(figure)  # render with Agg, never an interactive backend
    grid = figure.subplots(rows, columns, squeeze=False)
    # One convention in every panel: a masked cell is grey (MASKED_COLOUR), which no weight is; a weight of 0 is
    # the colour map's darkest. The mask panel draws the cells a query may look at in white.
    masked = ~causal_mask(T, T).numpy()  # (T, T), True where the mask removes the key
    grid[0][0].imshow(np.ma.masked_array(np.ones((T, T)), masked),
                      cmap=ListedColormap(["white"]).with_extremes(bad=MASKED_COLOUR), vmin=0, vmax=1)
    grid[0][0].set_title(labels("attention.plot.mask"), fontsize=9)
    for row in range(1, rows):
        grid[row][0].set_axis_off()
    weight_colours = colormaps["viridis"].with_extremes(bad=MASKED_COLOUR)
    image = None
    for row, layer in enumerate(layers):
        for column, head in enumerate(heads, start=1):
            axes = grid[row][column]
            panel = np.ma.masked_array(weights[layer][head].float().cpu().numpy(), masked)  # (T, T)
            image = axes.imshow(panel, cmap=weight_colours, vmin=0, vmax=1)
            axes.set_title(labels("attention.plot.panel", layer=layer, head=head), fontsize=9)
    for axes in figure.axes:
        if axes.get_images():
            if tokens is None:
                axes.set_xticks(range(T))
                axes.set_yticks(range(T))
            else:
                axes.set_xticks(range(T), tokens, rotation=90)
                axes.set_yticks(range(T), tokens)
            axes.tick_params(labelsize=7)
            axes.set_xlabel(labels("attention.plot.key"), fontsize=8)
            axes.set_ylabel(labels("attention.plot.query"), fontsize=8)
    figure.colorbar(image, ax=grid[:, 1:].ravel().tolist(), shrink=0.8, label=labels("attention.plot.colorbar"))
    figure.suptitle(labels("attention.plot.title", T=T))
    return figure


def write_plot(weights, layers, heads, path: Path, t, texts=None) -> list[str]:
    """The PNG, in the user's language when a font can draw it; the tokens' text on the axes when known, in a
    font that can draw it (the Chinese font when one is installed), else the positions t0, t1, ... and a line
    that says so."""
    tokens = None if texts is None else [visible(text) for text in texts]
    undrawable = False

    def draw(labels):
        nonlocal undrawable
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            figure = attention_figure(weights, layers, heads, labels, tokens)
            figure.canvas.draw()  # a glyph no font has is a warning here, before anything is written
        undrawable = tokens is not None and any("Glyph" in str(warning.message) for warning in caught)
        return attention_figure(weights, layers, heads, labels, column_labels(len(tokens))) if undrawable else figure

    said = write_png(path, t, draw)
    lines = wrap(t("attention.plot_written", file=str(path), panels=len(layers) * len(heads), layers=len(layers),
                   heads=len(heads))) + said
    if undrawable:
        lines += wrap(t("attention.plot_positions"))
    return lines


def run(args, t) -> list[str]:
    plot = check_png_path(args)
    model = model_from_args(args)
    config = model.config
    _check_choice(args.layer, config.n_layer, "--layer")
    _check_choice(args.head, config.n_head, "--head")
    layer, head = args.layer or 0, args.head or 0
    example = example_input(args, model, 1, min(TOKENS, config.block_size))
    idx, texts = example.idx, example.texts  # (1, T)
    T = idx.size(1)
    # only the layers shown: every layer for a plot of them all, else the one layer (the pass stops after it)
    shown = list(range(config.n_layer)) if plot is not None and args.layer is None else [layer]
    weights = dict(zip(shown, attention_weights(model, idx, shown)[:, 0].cpu()))  # layer -> (nh, T, T)
    for layer_weights in weights.values():
        require_finite(layer_weights, args)

    lines = heading(t("attention.title", config=describe(config)))
    lines += wrap(t("attention.intro", layer=layer, head=head, nh=config.n_head, hs=config.head_size))
    if texts is not None:
        lines += tokens_line(idx[0].tolist(), texts, t)
    # the step-by-step view prints T x T matrices: a longer text shows its first tokens, which causal attention
    # computes exactly as in the whole text (they see nothing later)
    first = idx[:, :TOKENS]
    if T > TOKENS:
        lines += [""] + wrap(t("attention.first_tokens", shown=TOKENS, T=T))
    walk = walk_through_head(model, first, layer, head)
    shown_texts = None if texts is None else texts[:TOKENS]
    lines += walkthrough_lines(walk, scale_demo(config.head_size, n_keys=first.size(1), seed=args.seed), config, t,
                               shown_texts)
    lines += ["", *heading(t("attention.mask_title"))]
    lines += mask_demo_lines(mask_demo(model, first, layer, head), config, t, shown_texts)

    heads = [args.head] if args.head is not None else list(range(config.n_head))
    lines += ["", *heading(t("attention.heatmap_heading"))]
    lines += heatmap_lines(weights[layer], layer, heads, t, texts)
    if plot is not None:
        layers = [args.layer] if args.layer is not None else list(range(config.n_layer))
        lines += [""] + write_plot(weights, layers, heads, plot, t, texts)
    return lines
