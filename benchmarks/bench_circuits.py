"""Olsson et al.'s two arguments on the default `train --task induction` run, seed by seed, and what recording the
timeline costs.

For each seed: the default run trained twice in this process, with its timeline and without (alternating which
goes first), wall time of the whole `training.train` call (training, recording, saving); then, on the recorded run:
- co-occurrence: the phase-change window `timeline --json` reports (timeline.phase_change) and the interval where
  the held-out copy loss falls fastest; whether the window contains it;
- ablation (interventions, zero ablation, on the run's held-out batch): copy loss with the previous-token head
  that `heads` finds (analysis.head_scores, the CLI's default seed) knocked out, and with every induction head
  (score >= 0.3) of the layer above knocked out at once, each as a share of chance (log 32); also every
  previous-token head (score >= 0.3) of the previous-token head's layer at once; the largest change
  any other head makes alone; the circuit find_circuit names.
Recording overhead: (time with) / (time without) - 1, per seed and over all seeds together.

    python benchmarks/bench_circuits.py                 # seeds 0 to 4: ten default runs (about 3 minutes on 2
                                                        # quiet cores; much more on a shared, busy machine)
    python benchmarks/bench_circuits.py --seeds 0 --steps 400
"""

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

from common import describe_machine, markdown_table  # benchmarks/common.py
import torch

from glassgpt import GPT
from glassgpt.analysis import head_scores
from glassgpt.cli.options import DEFAULT_SEED
from glassgpt.interventions import ablate_each_head, ablate_heads, find_circuit
from glassgpt.timeline import Recorder, contains, phase_change, read_timeline
from glassgpt.training import TrainSettings, held_out_batch, train

INDUCTION_HEAD = 0.3


RECORDING = [0.0]  # seconds spent inside Recorder.record in the current run


def _timed_record(record):
    def wrapper(self, model, step):
        start = time.perf_counter()
        try:
            return record(self, model, step)
        finally:
            RECORDING[0] += time.perf_counter() - start
    return wrapper


Recorder.record = _timed_record(Recorder.record)


def timed(settings: TrainSettings, folder: Path, record: bool) -> tuple[float, float]:
    """(wall seconds of the whole train() call, seconds of it spent recording)."""
    RECORDING[0] = 0.0
    start = time.perf_counter()
    train(settings, folder, record=record)
    return time.perf_counter() - start, RECORDING[0]


def one_seed(seed: int, steps: int | None, folder: Path) -> dict:
    settings = TrainSettings(seed=seed, **({"steps": steps} if steps else {}))
    order = (True, False) if seed % 2 == 0 else (False, True)
    runs = {record: timed(settings, folder / f"{seed}-{record}", record) for record in order}
    seconds = {record: wall for record, (wall, _) in runs.items()}
    recording = runs[True][1]
    run = folder / f"{seed}-True"
    timeline, model = read_timeline(run), GPT.from_pretrained(run)
    change = phase_change(timeline)
    idx, targets = held_out_batch(settings)
    scores = head_scores(model, seed=DEFAULT_SEED)
    top = scores.top("induction")[0]
    previous = scores.top("previous_token", before_layer=top.layer)[0] if top.layer else None
    previous_heads = [] if previous is None else [(previous.layer, h) for h in range(model.config.n_head)
                                                  if scores.previous_token[previous.layer, h] >= INDUCTION_HEAD]
    inductions = [(top.layer, h) for h in range(model.config.n_head)
                  if scores.induction[top.layer, h] >= INDUCTION_HEAD]
    chance = math.log(model.config.vocab_size)
    each = ablate_each_head(model, idx, targets)
    circuit = set(inductions) | ({(previous.layer, previous.head)} if previous else set())
    outside = [abs(float(each.change[l, h])) for l in range(model.config.n_layer) for h in range(model.config.n_head)
               if (l, h) not in circuit]
    found = find_circuit(model, idx, targets, each)
    return {
        "seed": seed, "with": seconds[True], "without": seconds[False], "points": len(timeline.steps),
        "recording": recording,
        "change": change, "clean": each.loss_before, "chance": chance,
        "previous": previous, "previous_loss": float("nan") if previous is None else
        ablate_heads(model, idx, targets, [(previous.layer, previous.head)]).loss_after,
        "previous_heads": previous_heads, "previous_heads_loss": float("nan") if not previous_heads else
        ablate_heads(model, idx, targets, previous_heads).loss_after,
        "inductions": inductions, "inductions_loss": ablate_heads(model, idx, targets, inductions).loss_after,
        "outside": max(outside, default=0.0), "found": found,
    }


def heads_text(heads) -> str:
    return "+".join(f"{l}.{h}" for l, h in heads)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--steps", type=int, default=None, help="steps per run (default: the library's)")
    args = parser.parse_args()
    print(describe_machine(torch.device("cpu")), f"torch threads: {torch.get_num_threads()}")
    rows, results = [], []
    with tempfile.TemporaryDirectory() as folder:
        train(TrainSettings(steps=4), Path(folder) / "warm-up")  # imports and first calls, timed in neither run
        for seed in args.seeds:
            r = one_seed(seed, args.steps, Path(folder))
            results.append(r)
            c = r["change"]
            window = "none" if c is None else f"{c.start}-{c.end}"
            fastest = "-" if c is None else f"{c.fastest[0]}-{c.fastest[1]}"
            holds = c is not None and contains(c, c.fastest)
            found = r["found"]
            named = f"alone {heads_text(found.alone) or '-'}; together " + \
                    (" / ".join(heads_text(g) for g in found.together) or "-")
            rows.append([str(seed), str(r["points"]), window, fastest, "yes" if holds else "NO",
                         "-" if c is None else f"{c.share:.0%}",
                         f"{r['clean']:.3f}",
                         f"{heads_text([(r['previous'].layer, r['previous'].head)] if r['previous'] else [])}: "
                         f"{r['previous_loss']:.2f} "
                         f"({r['previous_loss'] / r['chance']:.0%})",
                         f"{heads_text(r['previous_heads'])}: {r['previous_heads_loss']:.2f} "
                         f"({r['previous_heads_loss'] / r['chance']:.0%})",
                         f"{heads_text(r['inductions'])}: {r['inductions_loss']:.2f} "
                         f"({r['inductions_loss'] / r['chance']:.0%})",
                         f"{r['outside']:.3f}", named,
                         f"{r['without']:.1f} / {r['with']:.1f} ({r['with'] / r['without'] - 1:+.1%})",
                         f"{r['recording']:.1f} s ({r['recording'] / (r['with'] - r['recording']):.1%})"])
            print(f"seed {seed} done", file=sys.stderr, flush=True)
    print(markdown_table(["seed", "points", "window", "fastest fall", "contains", "fall in window",
                          "copy loss", "prev-token head out (of chance)",
                          "its layer's prev-token heads out", "induction heads out (of chance)",
                          "max other head", "circuit found", "s without / with (overhead)",
                          "recording inside the run (of the rest)"], rows))
    total_with, total_without = sum(r["with"] for r in results), sum(r["without"] for r in results)
    recording = sum(r["recording"] for r in results)
    print(f"\nrecording overhead over all seeds: {total_with / total_without - 1:+.1%} "
          f"({total_without:.1f} s without, {total_with:.1f} s with); time spent inside the recorder: "
          f"{recording:.1f} s, {recording / (total_with - recording):.1%} of the rest of those runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
