"""Before and after a change, in the same run: the training step and greedy generation of two source trees.

A change that only moves code (one helper instead of two, a check moved to where the cache is allocated, the data
read once) should not change speed. Each round runs one fresh process per tree, in alternating order, and each
process measures the same two things: the default induction run's training speed over STEPS steps (tokens a
second, as `train` reports it, no timeline) and greedy cached generation with the `small` preset (new tokens a
second, after a warm-up). What is compared is the ratio after / before within each round, then the median of those
ratios: the neighbours on a shared machine slow both sides of a round alike far more often than one side alone.

    python benchmarks/bench_before_after.py --before /path/to/main/src --after src --rounds 9
"""

import argparse
import os
import statistics
import subprocess
import sys

import torch

from common import describe_machine  # benchmarks/common.py

STEPS = 60
NEW_TOKENS = 50
CHILD = f"""
import tempfile, time, torch
torch.set_num_threads(1)
from glassgpt import GPT, GPTConfig
from glassgpt.training import TrainSettings, train
with tempfile.TemporaryDirectory() as folder:
    trained = train(TrainSettings(steps={STEPS}), folder + "/run", record=False).tokens_per_second
torch.manual_seed(0)
model = GPT(GPTConfig.from_preset("small")).eval()
idx = torch.randint(0, model.config.vocab_size, (1, 8))
model.generate(idx, 20, temperature=0)  # warm-up
start = time.perf_counter()
model.generate(idx, {NEW_TOKENS}, temperature=0)
print(trained, {NEW_TOKENS} / (time.perf_counter() - start))
"""


def measure(src: str) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": os.path.abspath(src), "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True).stdout
    train_rate, generate_rate = map(float, out.split())
    return train_rate, generate_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", required=True, help="the src folder of the tree before the change")
    parser.add_argument("--after", default="src", help="the src folder of the tree after it (default: src)")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    ratios = {"train tokens/s": [], "generate tokens/s": []}
    for round_ in range(args.rounds):
        order = [args.before, args.after] if round_ % 2 == 0 else [args.after, args.before]
        seen = {src: measure(src) for src in order}
        for i, name in enumerate(ratios):
            ratios[name].append(seen[args.after][i] / seen[args.before][i])
    print(describe_machine(torch.device("cpu")), f"load average {os.getloadavg()[0]:.1f}")
    for name, values in ratios.items():
        print(f"{name}: after / before, median of {len(values)} rounds {statistics.median(values):.2f} "
              f"(lowest {min(values):.2f}, highest {max(values):.2f})")


if __name__ == "__main__":
    main()
