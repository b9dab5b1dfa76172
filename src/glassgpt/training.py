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
- Ctrl-C (KeyboardInterrupt) stops the loop and saves what it has.
"""

import math
import string
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import torch

from .analysis import repeated_random_tokens
from .config import GPTConfig
from .errors import GlassGPTError
from .model import GPT
from .progress import progress_bar
from .text import CharTokenizer, read_tokenizer
from .timeline import Recorder, held_out, read_timeline

TASKS = ("induction", "text")
TRAINING_STATE = "training_state.pt"
MAX_SEED = 2**63 - 1  # torch's generators take 64-bit seeds; a negative one would be folded into this range unseen
# the induction task's tokens get one character each, so that a trained model can be read as text
# (`glassgpt lens --text abcdabcd`); past 62, Chinese characters
_ALPHABET = string.ascii_lowercase + string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class TrainSettings:
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
                     "max_period", "random_start_step", "warmup_steps", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise GlassGPTError("config_not_int", field=name, value=repr(value))
            if name == "seed" and not 0 <= value <= MAX_SEED:
                raise GlassGPTError("train_seed", value=value, largest=MAX_SEED)
            if name in ("random_start_step", "warmup_steps") and value < 0:
                raise GlassGPTError("config_negative", field=name, value=value)
            if value < 1 and name not in ("seed", "random_start_step", "warmup_steps"):
                raise GlassGPTError("config_not_positive", field=name, value=value)
        largest = min(self.vocab_size - 1, (self.seq_len + 1) // 2)  # room for filler ids, and for two periods
        if self.task == "induction" and not self.min_period <= self.max_period <= largest:
            raise GlassGPTError("repeat_periods", min_period=self.min_period, max_period=self.max_period,
                                seq_len=self.seq_len, vocab_size=self.vocab_size, largest=largest)
        for name in ("learning_rate", "weight_decay"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or value < 0 or (name == "learning_rate" and value == 0):
                raise GlassGPTError("train_rate", field=name, value=repr(value))

    def replace(self, **changes) -> "TrainSettings":
        known = {f.name for f in fields(self)}
        for name in changes:
            if name not in known:
                raise GlassGPTError("unknown_field", name=name, known=", ".join(sorted(known)))
        return replace(self, **changes)


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
    interrupted: bool  # Ctrl-C stopped it early (what it had is saved all the same)


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
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise GlassGPTError("train_data_unreadable", file=str(file), reason=type(e).__name__) from e


def induction_tokenizer(vocab_size: int) -> CharTokenizer:
    """One character per token: a-z, A-Z, 0-9, then Chinese characters from 一 (U+4E00) on."""
    extra = "".join(chr(0x4E00 + i) for i in range(max(0, vocab_size - len(_ALPHABET))))
    return CharTokenizer({c: i for i, c in enumerate((_ALPHABET + extra)[:vocab_size])})


def _task(settings: TrainSettings, tokenizer: CharTokenizer | None):
    """(batch function (step, generator) -> (idx, targets), tokenizer)."""
    if settings.task == "induction":
        def batches(step, generator):
            return induction_batch(settings, generator, random_start=step >= settings.random_start_step)
        return batches, tokenizer or induction_tokenizer(settings.vocab_size)
    text = read_text(settings.data)
    tokenizer = tokenizer or CharTokenizer.from_text(text)
    data = torch.tensor(tokenizer.encode(text))
    if len(data) <= settings.seq_len:
        raise GlassGPTError("train_data_short", file=str(settings.data), length=len(data),
                            needed=settings.seq_len + 1)
    return (lambda step, generator: text_batch(data, settings, generator)), tokenizer


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
          device="cpu", record: bool = True) -> TrainResult:
    """Train a fresh model from `settings` and save it (weights, tokenizer, training state) to `out_dir`.

    `progress(Progress)` is called after every step; "auto" (the default) is a tqdm bar where someone watches (in
    Jupyter, or on a terminal: progress.py) and nothing elsewhere; None is quiet. A KeyboardInterrupt (Ctrl-C, or
    raised by `progress`) ends the run early, and what it has is saved all the same (result.interrupted).
    `record`: keep a timeline of the run beside it (timeline.py)."""
    batches, tokenizer = _task(settings, None)
    with torch.random.fork_rng(devices=[]):  # seed the initial weights without touching the caller's RNG
        torch.manual_seed(settings.seed)
        model = GPT(model_config(settings, tokenizer.vocab_size))
    model.to(device)
    generator = torch.Generator().manual_seed(settings.seed)
    recorder = Recorder(settings.task, batches, settings.steps) if record else None
    return _loop(model, make_optimizer(model, settings), batches, tokenizer, generator, settings, 0,
                 Path(out_dir), progress, recorder)


def resume(out_dir, steps: int | None = None, progress: Callable[[Progress], None] | str | None = "auto",
           device="cpu", record: bool = True) -> TrainResult:
    """Go on with the run saved in `out_dir` (by train or resume) up to `steps` in all (default: its own total),
    exactly as if it had never stopped; saves back to `out_dir`. `progress`: as in train."""
    out_dir = Path(out_dir)
    state = read_training_state(out_dir)
    settings = state["settings"]
    if steps is not None:
        settings = settings.replace(steps=steps)
    model = GPT.from_pretrained(out_dir).to(device)
    batches, tokenizer = _task(settings, read_tokenizer(out_dir))
    optimizer = make_optimizer(model, settings)
    optimizer.load_state_dict(state["optimizer"])
    generator = torch.Generator()
    generator.set_state(state["generator"])
    recorder = Recorder(settings.task, batches, settings.steps, read_timeline(out_dir)) if record else None
    return _loop(model, optimizer, batches, tokenizer, generator, settings, state["step"], out_dir, progress,
                 recorder)


def held_out_batch(settings: TrainSettings, step: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(idx, targets): the fixed held-out batch a run's timeline measures on, of the rows trained on at `step`
    (default: the last step). Never trained on (timeline.held_out)."""
    return held_out(_task(settings, None)[0], settings.steps if step is None else step)


def read_training_state(out_dir: Path) -> dict:
    file = Path(out_dir) / TRAINING_STATE
    if not file.is_file():
        raise GlassGPTError("train_no_state", folder=str(out_dir), file=TRAINING_STATE)
    try:
        state = torch.load(file, map_location="cpu", weights_only=True)
        state["settings"] = TrainSettings(**state["settings"])
        if not isinstance(state["step"], int) or not isinstance(state["generator"], torch.Tensor):
            raise TypeError
    except GlassGPTError:
        raise
    except Exception as e:  # torch.load and a damaged dict fail in many ways; all mean the same
        raise GlassGPTError("checkpoint_damaged", file=str(file)) from e
    return state


def _loop(model: GPT, optimizer, batches, tokenizer, generator: torch.Generator, settings: TrainSettings,
          step: int, out_dir: Path, progress, recorder: Recorder | None = None) -> TrainResult:
    bar = progress_bar() if progress == "auto" else None
    try:
        return _steps(model, optimizer, batches, tokenizer, generator, settings, step, out_dir,
                      bar if progress == "auto" else progress, recorder)
    finally:
        if bar is not None:
            bar.close()


def _steps(model: GPT, optimizer, batches, tokenizer, generator: torch.Generator, settings: TrainSettings,
           step: int, out_dir: Path, progress, recorder: Recorder | None) -> TrainResult:
    device = next(model.parameters()).device
    tokens_per_step = settings.batch_size * settings.seq_len
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
        # Saved as it is. Ctrl-C in the middle of optimizer.step can leave that one update half applied: still a
        # working model to look at, but a resume from it no longer replays the uninterrupted run exactly.
        interrupted = True
    seconds = time.perf_counter() - start
    if recorder is not None:
        try:
            recorder.record(model, step)  # the last point, also of a run stopped early (no second one otherwise)
        except KeyboardInterrupt:  # a second Ctrl-C: the timeline ends at its last point, the model is saved
            interrupted = True
    model.eval()
    save(model, optimizer, tokenizer, generator, settings, step, out_dir, recorder.files() if recorder else {})
    rate = (step - first_step) * tokens_per_step / seconds if seconds > 0 else 0.0
    return TrainResult(out_dir, settings, step, loss, seconds, rate, interrupted)


def save(model: GPT, optimizer, tokenizer, generator: torch.Generator, settings: TrainSettings, step: int,
         out_dir: Path, files: dict | None = None) -> None:
    """The model as a Hugging Face folder with its tokenizer, and the training state beside it, in one save."""
    state = {"step": step, "settings": asdict(settings), "optimizer": optimizer.state_dict(),
             "generator": generator.get_state()}
    model.save_pretrained(out_dir, tokenizer=tokenizer,
                          files={TRAINING_STATE: lambda f: torch.save(state, f), **(files or {})})
