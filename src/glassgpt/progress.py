"""Training progress as a tqdm bar (`tqdm.auto`, the field's convention): a widget in Jupyter, one line redrawn
in place on a terminal, and nothing at all when output goes to a file or a pipe (a log should not fill with bars).

    bar = progress_bar()                    # None where no one is watching (no Jupyter, stderr not a terminal)
    train(settings, out, progress=bar)      # training.train uses it by default: progress="auto"

The bar is a `training.Progress` callback: called after every step with the step, the total and the loss. Its
numbers are the same in every language, so it carries no sentence.
"""

import sys
import warnings


def in_jupyter() -> bool:
    """True inside a Jupyter kernel (IPython's kernel shell), where tqdm.auto draws a widget."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return shell is not None and hasattr(shell, "kernel")


def watched(stream=None) -> bool:
    """Someone can see a bar: in Jupyter, or with `stream` (stderr) on a terminal."""
    stream = sys.stderr if stream is None else stream
    try:
        return in_jupyter() or bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


class ProgressBar:
    """A training.Progress callback drawing a tqdm.auto bar, opened at the first step (a resumed run starts
    part of the way) and closed at the last, or by `close()`."""

    def __init__(self, stream=None, **tqdm_options):
        self.stream, self.options, self.bar = stream, tqdm_options, None

    def __call__(self, progress) -> None:
        if self.bar is None:
            with warnings.catch_warnings():  # Jupyter without ipywidgets: tqdm.auto warns, then draws text, which
                warnings.simplefilter("ignore")  # a notebook shows well (one line, redrawn)
                from tqdm.auto import tqdm

            self.bar = tqdm(total=progress.steps, initial=progress.step - 1, file=self.stream or sys.stderr,
                            unit="step", dynamic_ncols=True, **self.options)
        self.bar.update(progress.step - self.bar.n)
        self.bar.set_postfix(loss=f"{progress.loss:.4f}", refresh=False)
        if progress.step >= progress.steps:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def progress_bar(enabled: bool | None = None, stream=None) -> ProgressBar | None:
    """A ProgressBar when `enabled` (default: when someone is watching, `watched`), else None."""
    if enabled is None:
        enabled = watched(stream)
    return ProgressBar(stream) if enabled else None
