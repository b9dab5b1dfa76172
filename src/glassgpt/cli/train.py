"""train mode: grow structure worth looking at, in seconds, then say what grew.

    glassgpt train --task induction --out induction      # an induction head, in well under a minute on a CPU
    glassgpt train --data poem.txt --out poem --steps 2000
    glassgpt train --out induction --resume --steps 1000  # go on where it stopped (Ctrl-C saves)

The progress bar goes to stderr (on a terminal, one line redrawn in place; elsewhere a line every tenth of the
run), so that stdout holds only the report.
"""

import shlex
import signal
import sys
import time
from pathlib import Path

from ..analysis import GOAL_INDUCTION, GOAL_PREVIOUS, head_scores
from ..checkpoints import check_save_target
from ..model import GPT
from ..text import read_tokenizer
from ..training import (
    SAVED_FILES, TRAINING_STATE, TrainSettings, load_task, model_config, read_training_state, resume, train,
)
from .options import UsageError, add_device_option, add_seed_option, describe, device_from_args
from .output import escaped, write
from .render import heading, wrap

DEFAULT_OUT = "glassgpt-run"
DEFAULT_SETTINGS = TrainSettings()
BAR_WIDTH = 24
REDRAWS_PER_SECOND = 10
EXAMPLE_LENGTH = 16  # characters of the text suggested for the lens


def add_arguments(parser, t) -> None:
    parser.description = t("train.about")
    parser.add_argument("--task", choices=("induction", "text"), help=t("train.opt.task"))
    parser.add_argument("--data", metavar="FILE", help=t("train.opt.data"))
    parser.add_argument("--out", metavar="DIR", default=DEFAULT_OUT, help=t("train.opt.out", default=DEFAULT_OUT))
    parser.add_argument("--steps", type=int, metavar="N", help=t("train.opt.steps", default=DEFAULT_SETTINGS.steps))
    # no default here: None means the library's default seed, or, resuming, the run's own
    add_seed_option(parser, t, default=None, help=t("train.opt.seed", default=DEFAULT_SETTINGS.seed))
    parser.add_argument("--resume", action="store_true", help=t("train.opt.resume"))
    add_device_option(parser, t)


class ProgressBar:
    """Draws Progress reports on stderr: redrawn in place on a terminal, else a line every tenth of the run."""

    def __init__(self, t, stream=None):
        self.t, self.stream = t, stream or sys.stderr
        self.live = self.stream.isatty()
        self.last_draw, self.last_tenth, self.drawn = 0.0, -1, False

    def __call__(self, progress) -> None:
        done = progress.step / progress.steps
        now = time.monotonic()
        if self.live:
            if now - self.last_draw < 1 / REDRAWS_PER_SECOND and progress.step < progress.steps:
                return
            write("\r" + self.line(progress, done), self.stream, end="")
        else:
            tenth = int(done * 10)
            if tenth == self.last_tenth:
                return
            write(self.line(progress, done), self.stream)
            self.last_tenth = tenth
        self.last_draw, self.drawn = now, True

    def line(self, progress, done: float) -> str:
        filled = round(done * BAR_WIDTH)
        bar = "█" * filled + "░" * (BAR_WIDTH - filled)
        return f"[{bar}] " + self.t("train.progress", step=progress.step, steps=progress.steps, loss=progress.loss,
                                    rate=progress.tokens_per_second)

    def close(self) -> None:
        if self.live and self.drawn:
            write("", self.stream)  # end the line the bar was redrawn on


def _settings(args) -> TrainSettings:
    """The settings of a fresh run, from the options."""
    if args.data and args.task == "induction":
        raise UsageError("train.data_and_task")
    changes = {"task": "text" if args.data else (args.task or "induction")}
    if args.data:
        changes["data"] = str(Path(args.data).resolve())  # a resumed run finds it from any folder
    if args.steps is not None:
        changes["steps"] = args.steps
    if args.seed is not None:
        changes["seed"] = args.seed
    return DEFAULT_SETTINGS.replace(**changes)


def _task_lines(settings: TrainSettings, task, t) -> list[str]:
    """The lines that say what the task is."""
    if task.text is None:
        return wrap(t("train.task_induction", low=settings.min_period, high=settings.max_period,
                      switch=settings.random_start_step))
    return wrap(t("train.task_text", file=settings.data, length=len(task.text), vocab=task.tokenizer.vocab_size))


def _example(task) -> str:
    """A text to look at with the lens: a repeat for the induction task, the text's own start for the text task."""
    if task.text is None:
        return "abcdefabcdef"
    text = task.text
    return text.strip().split("\n")[0][:EXAMPLE_LENGTH] or text[:EXAMPLE_LENGTH]  # every character is known


def _score_lines(out: Path, t) -> list[str]:
    scores = head_scores(GPT.from_pretrained(out))
    induction = scores.top("induction")[0]
    lines = ["", *heading(t("train.scores_heading"))]
    lines += wrap(t("train.induction_head", layer=induction.layer, head=induction.head, score=induction.score,
                    goal=GOAL_INDUCTION))
    if induction.layer == 0:
        return lines + wrap(t("train.no_earlier_layer"))
    previous = scores.top("previous_token", before_layer=induction.layer)[0]
    return lines + wrap(t("train.previous_head", layer=previous.layer, head=previous.head, score=previous.score,
                          goal=GOAL_PREVIOUS))


def run(args, t):
    device = device_from_args(args)
    out = Path(args.out)
    if args.resume:
        given = [option for option, value in (("--task", args.task), ("--data", args.data), ("--seed", args.seed))
                 if value is not None]
        if given:
            raise UsageError("train.resume_and_options", options=", ".join(given))
        state = read_training_state(out)
        settings = state["settings"]
        if args.steps is not None:
            settings = settings.replace(steps=args.steps)
        step = state["step"]
    else:
        settings, step = _settings(args), 0
    check_save_target(out, SAVED_FILES)  # a folder the save would refuse is refused now, not after the training
    # reads --data once (a bad file is refused before any output), with a resumed run's own tokenizer
    task = load_task(settings, read_tokenizer(out) if args.resume else None)

    yield from heading(t("train.title", config=describe(model_config(settings, task.tokenizer.vocab_size))))
    yield from _task_lines(settings, task, t)
    yield from wrap(t("train.settings", steps=settings.steps, batch=settings.batch_size, seq_len=settings.seq_len,
                      lr=settings.learning_rate, warmup=settings.warmup_steps, seed=settings.seed))
    if args.resume:
        if step >= settings.steps:
            yield from wrap(t("train.nothing_to_do", out=str(out), step=step))
            return 0
        yield from wrap(t("train.resuming", out=str(out), step=step, steps=settings.steps))

    bar = ProgressBar(t)
    try:
        if args.resume:
            result = resume(out, steps=settings.steps, progress=bar, device=device, task=task)
        else:
            result = train(settings, out, progress=bar, device=device, task=task)
    finally:
        bar.close()
    yield ""
    yield from wrap(t("train.done", step=result.step, seconds=result.seconds, rate=result.tokens_per_second,
                      loss=float("nan") if result.loss is None else result.loss))
    yield from wrap(t("train.saved", out=str(out), state=TRAINING_STATE))
    if result.interrupted:
        yield from wrap(t("train.interrupted", step=result.step, steps=settings.steps, out=str(out)))
        return 128 + (result.stop_signal or signal.SIGINT)  # the shell's convention: 130 for Ctrl-C, 143 for SIGTERM
    if settings.task == "induction":
        yield from _score_lines(out, t)
    yield ""
    yield t("train.next")
    yield f"  glassgpt heads --checkpoint {shlex.quote(str(out))}"
    yield f"  glassgpt timeline --checkpoint {shlex.quote(str(out))}"
    yield f"  glassgpt ablate --checkpoint {shlex.quote(str(out))}"
    yield f"  glassgpt lens --checkpoint {shlex.quote(str(out))} --text {escaped(shlex.quote(_example(task)))}"
    return 0
