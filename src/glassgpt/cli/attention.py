"""attention mode: one head on a tiny example, step by step with the real numbers; why the causal mask is needed,
shown by changing a later token; the attention weights as a shaded heatmap, and with --plot as a PNG figure."""

import os
import tempfile
from pathlib import Path

import torch

from ..inspection import attention_weights, mask_demo, scale_demo, walk_through_head
from .messages import Messages
from .options import UsageError, describe, model_from_args
from .render import MASKED, SHADES, flow, heading, heatmap, matrix, side_by_side, wrap

TOKENS = 6  # length of the tiny example: small enough to print every T x T matrix in full
SHOWN_COLUMNS = 3  # columns of Q, K, V and the output printed (hs is larger)
# fonts that can draw Chinese, if one is installed; matplotlib ships none
CHINESE_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                 "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "Arial Unicode MS")


def add_arguments(group, t) -> None:
    group.add_argument("--layer", type=int, metavar="L", help=t("attention.opt.layer"))
    group.add_argument("--head", type=int, metavar="H", help=t("attention.opt.head"))
    group.add_argument("--plot", metavar="FILE.png", help=t("attention.opt.plot"))


def _check_choice(value, count: int, option: str, t) -> None:
    if value is not None and not 0 <= value < count:
        raise UsageError(t("usage.error", detail=t("attention.bad_index", option=option, value=value,
                                                        last=count - 1)))


def _check_plot_path(path: str | None, t) -> Path | None:
    if path is None:
        return None
    target = Path(path)
    if target.suffix.lower() != ".png":
        raise UsageError(t("usage.error", detail=t("attention.plot_not_png", file=path)))
    if not target.parent.is_dir():
        raise UsageError(t("usage.error", detail=t("attention.plot_no_dir", folder=str(target.parent))))
    return target


def _labels(T: int) -> list[str]:
    return [f"t{i}" for i in range(T)]


def walkthrough_lines(walk, demo_scale, config, t) -> list[str]:
    """Steps 1-7 of one head's attention, with the numbers of `walk` (inspection.HeadWalkthrough)."""
    T, hs = walk.q.shape
    rows, shown = _labels(T), min(SHOWN_COLUMNS, hs)
    columns = [str(j) for j in range(shown)]
    lines = wrap(t("attention.example", T=T, tokens=walk.tokens.tolist(), layer=walk.layer,
                   shape=str(tuple(walk.x.shape))))

    lines += [""] + wrap(t("attention.step_qkv", head=walk.head, T=T, hs=hs, shown=shown))
    blocks = [[("  " if i == 0 else "") + name]
              + matrix(values[:, :shown], rows if i == 0 else [""] * T, columns, cell=7, indent=2 if i == 0 else 0)
              for i, (name, values) in enumerate((("Q", walk.q), ("K", walk.k), ("V", walk.v)))]
    lines += side_by_side(blocks)

    lines += [""] + wrap(t("attention.step_scores", T=T))
    lines += matrix(walk.scores, rows, rows)

    lines += [""] + wrap(t("attention.step_scale", hs=hs, scale=walk.scale))
    lines += wrap(t("attention.scale_why", hs=hs, std_raw=demo_scale.std_raw, std_scaled=demo_scale.std_scaled,
                    n=demo_scale.n_keys, peak_raw=demo_scale.peak_raw, peak_scaled=demo_scale.peak_scaled),
                  indent="  ")

    lines += [""] + wrap(t("attention.step_mask"))
    lines += matrix(walk.masked, rows, rows)

    lines += [""] + wrap(t("attention.step_softmax"))
    lines += matrix(walk.weights, rows, rows, signed=False)
    sums = " ".join(f"{s:.6f}" for s in walk.weights.float().sum(-1).tolist())
    masked_zero = bool((walk.weights[~walk.mask] == 0).all())
    lines += wrap(t("attention.row_sums", sums=sums), indent="  ")
    lines += wrap(t("attention.masked_zero" if masked_zero else "attention.masked_not_zero"), indent="  ")
    difference = (walk.weights - walk.model_weights).abs().max().item()
    lines += wrap(t("attention.same_as_model", layer=walk.layer, difference=difference), indent="  ")

    lines += [""] + wrap(t("attention.step_out", T=T, hs=hs, shown=shown))
    lines += matrix(walk.out[:, :shown], rows, columns)

    merged_difference = (walk.merged - walk.model_merged).abs().max().item()
    lines += [""] + wrap(t("attention.step_merge", nh=config.n_head, T=T, hs=hs, d=config.n_embd,
                           head=walk.head, first=walk.head * hs, last=walk.head * hs + hs - 1,
                           difference=merged_difference, shape=str(tuple(walk.projected.shape))))
    return lines


def mask_demo_lines(demo, config, t) -> list[str]:
    """The causal mask's reason, in numbers: how far each position's output moves when the last token changes."""
    T = len(demo.change_with_mask)
    if T < 2 or config.vocab_size < 2:
        return wrap(t("attention.mask_demo_skipped"))
    lines = wrap(t("attention.mask_demo", position=demo.position, old=demo.old_token, new=demo.new_token,
                   head=demo.head, layer=demo.layer))
    header = ["", t("attention.col_with_mask"), t("attention.col_without_mask")]
    cells = [[f"t{i}" + (" *" if i == demo.position else ""),
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


def heatmap_lines(weights, layer: int, heads: list[int], t) -> list[str]:
    """weights (nh, T, T) of one layer for one sequence, as shaded text, one block per head."""
    T = weights.size(-1)
    allowed = torch.ones(T, T, dtype=torch.bool).tril()
    lines = wrap(t("attention.heatmap_title", layer=layer))
    lines += wrap(t("attention.heatmap_legend", s0=SHADES[0], s1=SHADES[1], s2=SHADES[2], s3=SHADES[3], m=MASKED),
                  indent="  ")
    blocks = [heatmap(weights[h].float().tolist(), allowed.tolist(), t("attention.heatmap_head", head=h))
              for h in heads]
    return lines + [""] + ["  " + line if line else line for line in flow(blocks, width=78)]


def _chinese_font() -> str | None:
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CHINESE_FONTS if name in installed), None)


def attention_figure(weights, layers: list[int], heads: list[int], labels: Messages):
    """A matplotlib figure: the causal mask, then the attention weights of each chosen head of each chosen layer,
    one panel each, labelled. `weights` (n_layer, nh, T, T) for one sequence. Returns the Figure; the panels are
    the axes that hold an image (1 + len(layers) * len(heads) of them)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    T = weights.size(-1)
    rows, columns = len(layers), len(heads) + 1
    figure = Figure(figsize=(2.1 * columns + 0.8, 2.1 * rows + 0.6), layout="constrained")
    FigureCanvasAgg(figure)  # render with Agg, never an interactive backend
    grid = figure.subplots(rows, columns, squeeze=False)
    mask = torch.ones(T, T).tril()
    grid[0][0].imshow(mask.numpy(), cmap="Greys", vmin=0, vmax=1)
    grid[0][0].set_title(labels("attention.plot.mask"), fontsize=9)
    for row in range(1, rows):
        grid[row][0].set_axis_off()
    image = None
    for row, layer in enumerate(layers):
        for column, head in enumerate(heads, start=1):
            axes = grid[row][column]
            image = axes.imshow(weights[layer, head].float().cpu().numpy(), cmap="viridis", vmin=0, vmax=1)
            axes.set_title(labels("attention.plot.panel", layer=layer, head=head), fontsize=9)
    for axes in figure.axes:
        if axes.get_images():
            axes.set_xticks(range(T))
            axes.set_yticks(range(T))
            axes.tick_params(labelsize=7)
            axes.set_xlabel(labels("attention.plot.key"), fontsize=8)
            axes.set_ylabel(labels("attention.plot.query"), fontsize=8)
    figure.colorbar(image, ax=grid[:, 1:].ravel().tolist(), shrink=0.8, label=labels("attention.plot.colorbar"))
    figure.suptitle(labels("attention.plot.title", T=T))
    return figure


def save_png(figure, path: Path) -> None:
    """Write the figure as PNG atomically: into a temporary file beside `path`, then renamed over it, so a
    reader never sees half a file."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            figure.savefig(file, format="png", dpi=100)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; a plot is an ordinary file
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def write_plot(weights, layers, heads, path: Path, t) -> list[str]:
    import matplotlib

    font = _chinese_font() if t.lang == "zh" else None
    labels = Messages("zh" if font else "en")
    families = [font] if font else []
    with matplotlib.rc_context({"font.sans-serif": families + matplotlib.rcParams["font.sans-serif"]}):
        figure = attention_figure(weights, layers, heads, labels)
        try:
            save_png(figure, path)
        except OSError as error:
            raise UsageError(t("usage.error", detail=t("attention.plot_failed", file=str(path),
                                                            reason=error.strerror or str(error)))) from error
    lines = wrap(t("attention.plot_written", file=str(path), panels=len(layers) * len(heads), layers=len(layers),
                   heads=len(heads)))
    if t.lang == "zh" and not font:
        lines += wrap(t("attention.plot_english"))
    return lines


def run(args, t) -> int:
    plot = _check_plot_path(args.plot, t)
    model = model_from_args(args, t).eval()
    config = model.config
    _check_choice(args.layer, config.n_layer, "--layer", t)
    _check_choice(args.head, config.n_head, "--head", t)
    layer, head = args.layer or 0, args.head or 0
    T = min(TOKENS, config.block_size)
    generator = torch.Generator().manual_seed(args.seed)
    idx = torch.randint(0, config.vocab_size, (1, T), generator=generator).to(next(model.parameters()).device)

    walk = walk_through_head(model, idx, layer, head)
    lines = heading(t("attention.title", config=describe(config)))
    lines += wrap(t("attention.intro", layer=layer, head=head, nh=config.n_head, hs=config.head_size))
    lines += walkthrough_lines(walk, scale_demo(config.head_size, n_keys=T, seed=args.seed), config, t)
    lines += ["", *heading(t("attention.mask_title"))]
    lines += mask_demo_lines(mask_demo(model, idx, layer, head), config, t)

    weights = attention_weights(model, idx)[:, 0].cpu()  # (n_layer, nh, T, T), the one sequence
    heads = [args.head] if args.head is not None else list(range(config.n_head))
    lines += ["", *heading(t("attention.heatmap_heading"))]
    lines += heatmap_lines(weights[layer], layer, heads, t)
    if plot is not None:
        layers = [args.layer] if args.layer is not None else list(range(config.n_layer))
        lines += [""] + write_plot(weights, layers, heads, plot, t)
    print("\n".join(lines))
    return 0
