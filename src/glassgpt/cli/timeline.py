"""timeline mode: what a training run recorded as it went, and the phase change in it (Olsson et al.'s first
argument: induction heads form, and in-context learning improves, in the same short window).

    glassgpt train --task induction --out induction    # records the timeline as it trains
    glassgpt timeline --checkpoint induction
    glassgpt timeline --checkpoint induction --json
    glassgpt timeline --checkpoint induction --plot formed.png
"""

import math
from pathlib import Path

from ..analysis import GOAL_INDUCTION
from ..errors import GlassGPTError
from ..timeline import MIN_RISE, TIMELINE_JSON, chance, phase_change, read_timeline
from .output import finite_json
from .options import UsageError
from .plotting import check_png_path, write_png
from .render import display_width, heading, pad, wrap

ROWS = 24  # rows of the text table at most (the window's edges always among them)


def add_arguments(parser, t) -> None:
    parser.description = t("timeline.about")
    parser.add_argument("--checkpoint", metavar="DIR", help=t("timeline.opt.checkpoint"))
    parser.add_argument("--json", action="store_true", help=t("timeline.opt.json"))
    parser.add_argument("--plot", metavar="FILE.png", help=t("timeline.opt.plot"))


def sentences(timeline, change, t) -> list[str]:
    """The phase change, and whether the in-context measure improved in it, in sentences."""
    if change is None:
        best = _nan(timeline.best("induction"))
        return [t("timeline.no_change", rise=MIN_RISE, first=best[0], last=best[-1])]
    fields = dict(before=change.measure_before, after=change.measure_after, share=change.share,
                  fast_start=change.fastest[0], fast_end=change.fastest[1])
    return [t("timeline.window", start=change.start, end=change.end, before=change.score_before,
              after=change.score_after),
            t("timeline.improved", **fields) if change.improved else t("timeline.not_improved", **fields)]


def as_json(timeline, change, folder: str, t) -> str:
    return finite_json({
        "checkpoint": folder, "task": timeline.task, "measure": timeline.measure, "every": timeline.every,
        "steps": timeline.steps, "train_loss": timeline.train_loss, "in_context": timeline.in_context,
        "best": {"induction": timeline.best("induction"), "previous_token": timeline.best("previous_token")},
        "scores": {name: [[[None if v != v else v for v in row] for row in point] for point in values.tolist()]
                   for name, values in timeline.scores.items()},  # NaN (v != v): a model too small to score
        "phase_change": None if change is None else {
            "start": change.start, "end": change.end, "score_before": change.score_before,
            "score_after": change.score_after, "measure_before": change.measure_before,
            "measure_after": change.measure_after, "share": change.share, "fastest": list(change.fastest),
            "improved": change.improved},
        "sentences": sentences(timeline, change, t),
    })


def shown_rows(steps: list[int], change) -> list[int]:
    """At most ROWS point indices, evenly spread, with the window's edges among them."""
    n = len(steps)
    picked = {round(i * (n - 1) / (ROWS - 1)) for i in range(ROWS)} if n > ROWS else set(range(n))
    if change is not None:
        picked |= {steps.index(change.start), steps.index(change.end)}
    return sorted(picked)


def text_lines(timeline, change, folder: str, t) -> list[str]:
    lines = heading(t("timeline.title", folder=folder))
    lines += wrap(t("timeline.points", n=len(timeline.steps), first=timeline.steps[0], last=timeline.steps[-1],
                    every=timeline.every, task=timeline.task))
    definition = (t("timeline.def.copy_loss", chance=chance(timeline.vocab_size)) if timeline.measure == "copy_loss"
                  else t("timeline.def.icl_score"))
    lines += wrap(definition) + wrap(t("timeline.def.scores")) + [""]
    measure = t("timeline.col.copy_loss") if timeline.measure == "copy_loss" else t("timeline.col.icl_score")
    columns = [t("timeline.col.step"), t("timeline.col.train_loss"), measure, t("timeline.col.induction"),
               t("timeline.col.previous")]
    widths = [max(8, display_width(c) + 2) for c in columns]
    lines.append("  " + "".join(pad(c, w, ">") for c, w in zip(columns, widths)))
    induction, previous = timeline.best("induction"), timeline.best("previous_token")
    for i in shown_rows(timeline.steps, change):
        loss = timeline.train_loss[i]
        inside = change is not None and change.start <= timeline.steps[i] <= change.end
        cells = [f"{'*' if inside else ' '}{timeline.steps[i]}", "-" if loss is None else f"{loss:.3f}",
                 f"{timeline.in_context[i]:.3f}", "-" if induction[i] is None else f"{induction[i]:.2f}",
                 "-" if previous[i] is None else f"{previous[i]:.2f}"]
        lines.append("  " + "".join(pad(c, w, ">") for c, w in zip(cells, widths)))
    lines.append("")
    for sentence in sentences(timeline, change, t):
        lines += wrap(sentence)
    return lines


def _nan(values: list) -> list[float]:
    return [math.nan if v is None else v for v in values]


def figure_of(timeline, change, labels, measure_label: str):
    """Three panels on one step axis, like Olsson et al.'s figure: training loss, the in-context measure, the best
    head scores; the phase-change window shaded in each."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 7), layout="constrained")
    FigureCanvasAgg(figure)
    panels = figure.subplots(3, 1, sharex=True)
    steps = timeline.steps
    trained = [(s, loss) for s, loss in zip(steps, timeline.train_loss) if loss is not None]
    panels[0].plot([s for s, _ in trained], [loss for _, loss in trained], color="#555555")
    panels[0].set_ylabel(labels("timeline.col.train_loss"))
    panels[1].plot(steps, timeline.in_context, color="#d95f02")
    panels[1].set_ylabel(measure_label)
    panels[2].plot(steps, _nan(timeline.best("induction")), label=labels("timeline.col.induction"), color="#1b9e77")
    panels[2].plot(steps, _nan(timeline.best("previous_token")), label=labels("timeline.col.previous"), color="#7570b3")
    panels[2].axhline(GOAL_INDUCTION, color="#bbbbbb", linewidth=0.8, linestyle=":")
    panels[2].set_ylim(0, 1)
    panels[2].set_ylabel(labels("timeline.plot.scores"))
    panels[2].set_xlabel(labels("timeline.plot.step"))
    panels[2].legend(loc="lower right", fontsize=8)
    for axes in panels:
        axes.grid(alpha=0.3)
        if change is not None:
            axes.axvspan(change.start, change.end, color="#fdd49e", alpha=0.6, linewidth=0,
                         label=labels("timeline.plot.window") if axes is panels[0] else None)
    if change is not None:
        panels[0].legend(loc="upper right", fontsize=8)
    figure.suptitle(labels("timeline.plot.title"))
    return figure


def write_plot(timeline, change, path: Path, t) -> list[str]:
    def draw(labels):
        measure = labels("timeline.col.copy_loss" if timeline.measure == "copy_loss" else "timeline.col.icl_score")
        return figure_of(timeline, change, labels, measure)

    said = write_png(path, t, draw)
    return wrap(t("timeline.plot_written", file=str(path))) + said


def run(args, t) -> list[str]:
    plot = check_png_path(args)
    if not args.checkpoint:
        raise UsageError("timeline.needs_checkpoint")
    timeline = read_timeline(args.checkpoint)
    if timeline is None:
        raise GlassGPTError("timeline_missing", folder=args.checkpoint, file=TIMELINE_JSON)
    change = phase_change(timeline)
    lines = [as_json(timeline, change, args.checkpoint, t)] if args.json else \
        text_lines(timeline, change, args.checkpoint, t)
    if plot is not None:
        plot_lines = write_plot(timeline, change, plot, t)
        if not args.json:
            lines += [""] + plot_lines
    return lines

