"""A short, honest training loop whose only purpose is to grow structure worth looking at.

(The course's step 3 tells the full pretraining story; this is not a replacement.) Two tasks:
- "induction": rows of random tokens that repeat themselves, each with its own period (the setting of Olsson et
  al. 2022, "In-context Learning and Induction Heads"). The only way to predict a repeated token is to find its
  earlier occurrence and copy the token that followed it: an induction head, and in an earlier layer the
  previous-token head it relies on. With the defaults both appear within a few hundred steps on a laptop CPU.
- "text": next-character prediction on any UTF-8 text file (Chinese included), with text.CharTokenizer.

Notable:
- Induction loss only where it can be earned. A row's first period is uniformly random: no model can predict it,
  so its loss is a constant log(vocab_size) whose gradient is noise. Leaving it out (target -1) spends every
  gradient on copying, and the loss goes to 0 exactly when the induction circuit works.
- The period varies from row to row. With one fixed period P, a head that attends P - 1 positions back solves the
  task from learned positions alone, with no induction at all (see analysis.py).
- Where the repeats start moves, after a while. If every row starts repeating at position 0, a token's first
  occurrence is always in the first half of the row, so the previous-token head is needed, and grows, only there
  (measured: sharp before position 24 of 48, absent after, a score stuck near 0.45). If rows start repeating at
  random places from the first step, the circuit hardly forms in a few hundred steps (the loss sits on its
  plateau). So the first `random_start_step` steps use aligned rows, where the circuit forms fast, and the rest
  start each row's repeats at a random place, which spreads the previous-token head over every position.
- The checkpoint is a Hugging Face GPT-2 folder (save_pretrained) with the tokenizer beside it, plus
  `training_state.pt`: the step, the settings, AdamW's state and the data generator's state, all plain tensors and
  numbers (`torch.load(weights_only=True)` reads it). A run stopped at step N of M and resumed ends with the same
  weights, bit for bit, as the same M steps without a stop (tests/test_training.py).
- Ctrl-C (KeyboardInterrupt) and SIGTERM (what a job scheduler or `kill` sends) stop the loop and save what it
  has; `TrainResult.stop_signal` says which. Where the run will be saved is checked before the first step: a folder
  that a save would refuse (someone's own files, a read-only disk) is refused before any work is done.
- The text task reads its file once (`load_task`), only a regular file, and at most MAX_DATA_BYTES of it.
"""

import contextlib
import math
import os
import signal
import stat
import string
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from .analysis import largest_period, repeated_random_tokens
from .checkpoints import check_save_target
from .config import GPTConfig, Replaceable, require_seed, require_whole
from .errors import GlassGPTError
from .model import GPT
from .progress import progress_bar
from .text import CharTokenizer, read_tokenizer
from .timeline import TIMELINE_JSON, TIMELINE_TENSORS, Recorder, held_out, read_timeline

TASKS = ("induction", "text")
TRAINING_STATE = "training_state.pt"
SAVED_FILES = (TRAINING_STATE, TIMELINE_JSON, TIMELINE_TENSORS)  # what a run saves beside the model
# The text task's file is read whole, then held as int64 ids (8 bytes a character): 32 MiB of text is up to
# ~256 MiB of ids, and ~30 times Tiny Shakespeare (1.1 MB), far more than the few thousand steps of this trainer
# ever see. The bound keeps `--data /dev/zero`-like mistakes (or a huge file) from eating the memory.
MAX_DATA_BYTES = 32 * 2**20
# the induction task's tokens get one character each, so that a trained model can be read as text
# (`glassgpt lens --text abcdabcd`); past 62, Chinese characters
_ALPHABET = string.ascii_lowercase + string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class TrainSettings(Replaceable):
    """Everything that decides a run. The defaults grow an induction head (score >= 0.5) and the previous-token head
    it relies on (>= 0.4) in seconds on a 2-core CPU (benchmarks/bench_induction.py)."""

    task: str = "induction"  # "induction" or "text"
    data: str | None = None  # the UTF-8 text file of the "text" task
    steps: int = 800  # optimizer steps in all (a resumed run counts the steps before it)
    batch_size: int = 32
    seq_len: int = 48  # tokens per row; the model's block_size
    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 64
    vocab_size: int = 32  # induction only; the text task's vocabulary is the file's distinct characters
    min_period: int = 4  # induction: each row's period is drawn from [min_period, max_period]
    max_period: int = 24
    random_start_step: int = 300  # induction: from this step on, each row's repeats begin at a random place
    learning_rate: float = 3e-3  # peak, reached after warmup_steps; cosine decay to a tenth of it at `steps`
    warmup_steps: int = 50
    weight_decay: float = 0.0  # AdamW's decoupled decay, on the weight matrices only
    seed: int = 0  # the model's initial weights and every batch

    def __post_init__(self):
        if self.task not in TASKS:
            raise GlassGPTError("config_choice", field="task", value=repr(self.task), choices=", ".join(TASKS))
        if self.task == "text" and not self.data:
            raise GlassGPTError("train_needs_data")
        for name in ("steps", "batch_size", "seq_len", "n_layer", "n_head", "n_embd", "vocab_size", "min_period",
                     "max_period"):
            require_whole(name, getattr(self, name))
        for name in ("random_start_step", "warmup_steps"):
            require_whole(name, getattr(self, name), least=0)
        require_seed(self.seed)
        # rows are seq_len + 1 ids (the last one is only a target), some with a random start: the stricter bound
        largest = largest_period(self.seq_len + 1, self.vocab_size, random_start=True)
        if self.task == "induction" and not self.min_period <= self.max_period <= largest:
            raise GlassGPTError("repeat_periods", min_period=self.min_period, max_period=self.max_period,
                                seq_len=self.seq_len, vocab_size=self.vocab_size, largest=largest)
        for name in ("learning_rate", "weight_decay"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or value < 0 or (name == "learning_rate" and value == 0):
                raise GlassGPTError("train_rate", field=name, value=repr(value))


@dataclass(frozen=True)
class Progress:
    """Handed to the progress callback after every step."""

    step: int  # steps done, counting those before a resume
    steps: int  # the run's total
    loss: float  # this step's training loss
    tokens_per_second: float  # since this call of train / resume began
    seconds: float


@dataclass(frozen=True)
class TrainResult:
    out_dir: Path
    settings: TrainSettings
    step: int  # steps done, counting those before a resume
    loss: float | None  # the last step's loss; None when no step ran
    seconds: float  # time spent training in this call, not counting the save
    tokens_per_second: float
    interrupted: bool  # Ctrl-C or SIGTERM stopped it early (what it had is saved all the same)
    stop_signal: int | None = None  # signal.SIGINT (Ctrl-C) or signal.SIGTERM when interrupted, else None


@dataclass(frozen=True)
class Task:
    """What a run trains on, read once: `batches(step, generator) -> (idx, targets)`, each (B, T); the tokenizer;
    and the text task's text (None for the induction task)."""

    batches: Callable[[int, torch.Generator], tuple[torch.Tensor, torch.Tensor]]
    tokenizer: CharTokenizer
    text: str | None


# --- the data --------------------------------------------------------------------------------------------------------

def induction_batch(settings: TrainSettings, generator: torch.Generator,
                    random_start: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """(idx, targets), each (B, T): repeated random tokens (see analysis.repeated_random_tokens); a target is -1
    (left out of the loss) unless the token before it has occurred before, since no model can predict the rest."""
    T = settings.seq_len
    rows = repeated_random_tokens(settings.batch_size, T + 1, settings.vocab_size, settings.min_period,
                                  settings.max_period, generator, random_start)  # one token more: the last target
    idx, targets = rows.idx[:, :-1], rows.idx[:, 1:].clone()  # (B, T), (B, T)
    first_seen = torch.arange(T) < (rows.starts + rows.periods)[:, None]  # (B, T): x_t has not occurred before
    targets[first_seen] = -1
    return idx, targets


def text_batch(data: torch.Tensor, settings: TrainSettings,
               generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(idx, targets), each (B, T): windows of the text's ids at random places; targets are the next ids."""
    T = settings.seq_len
    starts = torch.randint(0, len(data) - T, (settings.batch_size,), generator=generator)  # (B,)
    windows = data[starts[:, None] + torch.arange(T + 1)]  # (B, T + 1)
    return windows[:, :-1], windows[:, 1:]


def read_text(file) -> str:
    """The UTF-8 text of a regular file of at most MAX_DATA_BYTES bytes (see its comment for why that bound).
    Opened without blocking and checked before reading: a FIFO would wait for a writer forever, and a device such
    as /dev/zero never ends; both are refused, as are an empty file and one past the bound."""
    name = str(file)
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise GlassGPTError("train_data_unreadable", file=name, reason=e.strerror or type(e).__name__) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise GlassGPTError("train_data_not_file", file=name)
        chunks, size = [], 0
        while size <= MAX_DATA_BYTES and info.st_size <= MAX_DATA_BYTES:  # st_size: refused without reading
            chunk = os.read(fd, min(2**20, MAX_DATA_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        raise GlassGPTError("train_data_unreadable", file=name, reason=e.strerror or type(e).__name__) from None
    finally:
        os.close(fd)
    if max(size, info.st_size) > MAX_DATA_BYTES:
        raise GlassGPTError("train_data_too_big", file=name, size=max(size, info.st_size), limit=MAX_DATA_BYTES)
    if size == 0:
        raise GlassGPTError("train_data_empty", file=name)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise GlassGPTError("train_data_unreadable", file=name, reason="UnicodeDecodeError") from None


def induction_tokenizer(vocab_size: int) -> CharTokenizer:
    """One character per token: a-z, A-Z, 0-9, then Chinese characters from 一 (U+4E00) on."""
    extra = "".join(chr(0x4E00 + i) for i in range(max(0, vocab_size - len(_ALPHABET))))
    return CharTokenizer({c: i for i, c in enumerate((_ALPHABET + extra)[:vocab_size])})


def load_task(settings: TrainSettings, tokenizer: CharTokenizer | None = None) -> Task:
    """The run's data, read once: the batch function, the tokenizer (`tokenizer`, a resumed run's own, else made
    from the task: the text's distinct characters, counted here and nowhere else) and the text."""
    if settings.task == "induction":
        def batches(step, generator):
            return induction_batch(settings, generator, random_start=step >= settings.random_start_step)
        return Task(batches, tokenizer or induction_tokenizer(settings.vocab_size), None)
    text = read_text(settings.data)
    tokenizer = tokenizer or CharTokenizer.from_text(text)
    data = torch.tensor(tokenizer.encode(text))
    if len(data) <= settings.seq_len:
        raise GlassGPTError("train_data_short", file=str(settings.data), length=len(data),
                            needed=settings.seq_len + 1)
    return Task(lambda step, generator: text_batch(data, settings, generator), tokenizer, text)


# --- the loop --------------------------------------------------------------------------------------------------------

def model_config(settings: TrainSettings, vocab_size: int) -> GPTConfig:
    """A GPT-2-shaped config of the settings' size; no dropout (a few hundred steps cannot overfit)."""
    return GPTConfig(vocab_size=vocab_size, block_size=settings.seq_len, n_layer=settings.n_layer,
                     n_head=settings.n_head, n_embd=settings.n_embd, dropout=0.0)


def make_optimizer(model: GPT, settings: TrainSettings) -> torch.optim.AdamW:
    # decay the matrices only (nanoGPT's rule): shrinking biases and LayerNorm gains does not regularise anything
    parameters = list(model.parameters())
    groups = [{"params": [p for p in parameters if p.dim() >= 2], "weight_decay": settings.weight_decay},
              {"params": [p for p in parameters if p.dim() < 2], "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=settings.learning_rate, betas=(0.9, 0.95))


def learning_rate(step: int, settings: TrainSettings) -> float:
    """Linear warmup to the peak over warmup_steps, then cosine decay to a tenth of it at the last step."""
    peak = settings.learning_rate
    if step < settings.warmup_steps:
        return peak * (step + 1) / settings.warmup_steps
    progress = (step - settings.warmup_steps) / max(1, settings.steps - settings.warmup_steps)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def train(settings: TrainSettings, out_dir, progress: Callable[[Progress], None] | str | None = "auto",
          device="cpu", record: bool = True, task: Task | None = None) -> TrainResult:
    """Train a fresh model from `settings` and save it (weights, tokenizer, training state) to `out_dir`.

    `progress(Progress)` is called after every step; "auto" (the default) is a tqdm bar where someone watches (in
    Jupyter, or on a terminal: progress.py) and nothing elsewhere; None is quiet. A KeyboardInterrupt (Ctrl-C, or raised by `progress`) or a
    SIGTERM ends the run early, and what it has is saved all the same (result.interrupted, result.stop_signal).
    `record`: keep a timeline of the run beside it (timeline.py). `task`: the settings' task already loaded
    (load_task), so that its file is not read again. `out_dir` is checked first (check_save_target): a folder
    the save would refuse is refused before any step."""
    check_save_target(out_dir, SAVED_FILES)
    task = task or load_task(settings)
    with torch.random.fork_rng(devices=[]):  # seed the initial weights without touching the caller's RNG
        torch.manual_seed(settings.seed)
        model = GPT(model_config(settings, task.tokenizer.vocab_size))
    model.to(device)
    generator = torch.Generator().manual_seed(settings.seed)
    recorder = Recorder(settings.task, task.batches, settings.steps) if record else None
    return _loop(model, make_optimizer(model, settings), task, generator, settings, 0, Path(out_dir), progress,
                 recorder)


def resume(out_dir, steps: int | None = None, progress: Callable[[Progress], None] | str | None = "auto",
           device="cpu", record: bool = True, task: Task | None = None) -> TrainResult:
    """Go on with the run saved in `out_dir` (by train or resume) up to `steps` in all (default: its own total),
    exactly as if it had never stopped; saves back to `out_dir`. `progress`: as in train. A training state that does not belong to the
    model beside it, or that is damaged, is one GlassGPTError before any step. `task`: the run's task already
    loaded with the run's own tokenizer (load_task(settings, read_tokenizer(out_dir)))."""
    out_dir = Path(out_dir)
    state = read_training_state(out_dir)
    check_save_target(out_dir, SAVED_FILES)
    settings = state["settings"]
    if steps is not None:
        settings = settings.replace(steps=steps)
    model = GPT.from_pretrained(out_dir).to(device)
    task = task or load_task(settings, read_tokenizer(out_dir))
    optimizer, generator = _restore(state, model, settings, task, out_dir / TRAINING_STATE)
    recorder = Recorder(settings.task, task.batches, settings.steps, read_timeline(out_dir)) if record else None
    return _loop(model, optimizer, task, generator, settings, state["step"], out_dir, progress, recorder)


def _restore(state: dict, model: GPT, settings: TrainSettings, task: Task, file: Path):
    """(optimizer, generator) as the saved run left them; refused when the state is of another model (another
    shape) or damaged (an optimizer state of the wrong kind or shapes, a generator state torch does not take)."""
    expected = model_config(settings, task.tokenizer.vocab_size)
    if (expected.block_size, expected.n_layer, expected.n_head, expected.n_embd, expected.vocab_size) != (
            model.config.block_size, model.config.n_layer, model.config.n_head, model.config.n_embd,
            model.config.vocab_size):
        raise GlassGPTError("train_state_other_model", file=str(file), state=_shape(expected),
                            model=_shape(model.config))
    optimizer = make_optimizer(model, settings)
    generator = torch.Generator()
    try:
        optimizer.load_state_dict(state["optimizer"])
        for group in optimizer.param_groups:
            for parameter in group["params"]:
                for value in optimizer.state.get(parameter, {}).values():
                    if not isinstance(value, torch.Tensor) or (value.dim() and value.shape != parameter.shape):
                        raise TypeError("an optimizer state of another shape")
        generator.set_state(state["generator"])
    except Exception as e:  # load_state_dict and set_state fail in many ways on a damaged state; all mean the same
        raise GlassGPTError("checkpoint_damaged", file=str(file)) from e
    return optimizer, generator


def _shape(config: GPTConfig) -> str:
    return f"n_layer={config.n_layer} n_head={config.n_head} n_embd={config.n_embd} block_size={config.block_size}"


def held_out_batch(settings: TrainSettings, step: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(idx, targets): the fixed held-out batch a run's timeline measures on, of the rows trained on at `step`
    (default: the last step). Never trained on (timeline.held_out)."""
    return held_out(load_task(settings).batches, settings.steps if step is None else step)


def read_training_state(out_dir: Path) -> dict:
    file = Path(out_dir) / TRAINING_STATE
    if not file.is_file():
        raise GlassGPTError("train_no_state", folder=str(out_dir), file=TRAINING_STATE)
    try:
        state = torch.load(file, map_location="cpu", weights_only=True)
        state["settings"] = TrainSettings(**state["settings"])
        step = state["step"]
        if isinstance(step, bool) or not isinstance(step, int) or step < 0 \
                or not isinstance(state["generator"], torch.Tensor) or not isinstance(state["optimizer"], dict):
            raise TypeError("not a training state")
    except Exception as e:  # torch.load and a damaged dict fail in many ways; all mean the same
        raise GlassGPTError("checkpoint_damaged", file=str(file)) from e
    return state


class _Stop:
    """While training, SIGTERM ends the loop as Ctrl-C does (a KeyboardInterrupt where the loop is), so that the
    run is saved; `signal` is the one that stopped it. Once the loop is over, a SIGTERM is only noted: the save
    runs to its end. Signals can only be handled in the main thread: elsewhere SIGTERM keeps its own meaning."""

    def __init__(self):
        self.signal, self.armed = None, True

    def _handle(self, signum, frame):
        self.signal = self.signal or signum
        if self.armed:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def installed(self):
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.signal(signal.SIGTERM, self._handle)
        try:
            yield self
        finally:
            signal.signal(signal.SIGTERM, previous)


def _loop(model: GPT, optimizer, task: Task, generator: torch.Generator, settings: TrainSettings, step: int,
          out_dir: Path, progress, recorder: Recorder | None = None) -> TrainResult:
    bar = progress_bar() if progress == "auto" else None
    try:
        with _Stop().installed() as stop:
            result = _steps(model, optimizer, task, generator, settings, step, out_dir,
                            bar if progress == "auto" else progress, recorder, stop)
    finally:
        if bar is not None:
            bar.close()
    return result


def _steps(model: GPT, optimizer, task: Task, generator: torch.Generator, settings: TrainSettings, step: int,
           out_dir: Path, progress, recorder: Recorder | None, stop: _Stop) -> TrainResult:
    device = next(model.parameters()).device
    tokens_per_step = settings.batch_size * settings.seq_len
    batches = task.batches
    model.train()
    start, first_step, loss, interrupted = time.perf_counter(), step, None, False
    try:
        if recorder is not None:
            recorder.begin(model, step)
        while step < settings.steps:
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step, settings)
            idx, targets = batches(step, generator)  # (B, T), (B, T)
            _, loss_tensor = model(idx.to(device), targets.to(device))
            optimizer.zero_grad(set_to_none=True)
            loss_tensor.backward()
            optimizer.step()
            step, loss = step + 1, loss_tensor.item()
            if recorder is not None:
                recorder.after_step(model, step, loss, last=step == settings.steps)
            if progress is not None:
                seconds = time.perf_counter() - start
                progress(Progress(step, settings.steps, loss, (step - first_step) * tokens_per_step / seconds,
                                  seconds))
    except KeyboardInterrupt:
        # Saved as it is. Ctrl-C (or SIGTERM) in the middle of optimizer.step can leave that one update half
        # applied: still a working model to look at, but a resume from it no longer replays the uninterrupted run
        # exactly.
        interrupted = True
    seconds = time.perf_counter() - start
    if recorder is not None:
        try:
            recorder.record(model, step)  # the last point, also of a run stopped early (no second one otherwise)
        except KeyboardInterrupt:  # a second Ctrl-C: the timeline ends at its last point, the model is saved
            interrupted = True
    stop.armed = False  # from here on a SIGTERM waits for the save
    model.eval()
    save(model, optimizer, task.tokenizer, generator, settings, step, out_dir, recorder.files() if recorder else {})
    rate = (step - first_step) * tokens_per_step / seconds if seconds > 0 else 0.0
    stop_signal = stop.signal or (signal.SIGINT if interrupted else None)
    return TrainResult(out_dir, settings, step, loss, seconds, rate, stop_signal is not None, stop_signal)


def save(model: GPT, optimizer, tokenizer, generator: torch.Generator, settings: TrainSettings, step: int,
         out_dir: Path, files: dict | None = None) -> None:
    """The model as a Hugging Face folder with its tokenizer, and the training state beside it, in one save."""
    state = {"step": step, "settings": asdict(settings), "optimizer": optimizer.state_dict(),
             "generator": generator.get_state()}
    model.save_pretrained(out_dir, tokenizer=tokenizer,
                          files={TRAINING_STATE: lambda f: torch.save(state, f), **(files or {})})
