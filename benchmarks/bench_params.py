"""How fast and how small `glassgpt params --preset gpt2-xl --json` is, beside the floor (importing torch) and,
with --build-model, beside what the first version did (building GPT-2 XL for real to count its parameters).

    python benchmarks/bench_params.py [--repeats 5] [--build-model]

Each command runs in a fresh process under `/usr/bin/time -v` (GNU time, Linux); the table gives the median wall
time and the largest peak resident memory over the repeats, and each against the floor measured in the same run.
"""

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "import torch (floor)": [sys.executable, "-c", "import torch"],
    "params --preset gpt2-xl --json": [sys.executable, "model.py", "params", "--preset", "gpt2-xl", "--json"],
}
BUILD_MODEL = [sys.executable, "-c", "import sys; sys.path.insert(0, 'src'); from glassgpt import GPT, GPTConfig; "
               "print(sum(p.numel() for p in GPT(GPTConfig.from_preset('gpt2-xl')).parameters()))"]


def measure(command: list[str]) -> tuple[float, int]:
    """(wall seconds, peak resident set in bytes) of one run of `command`."""
    result = subprocess.run(["/usr/bin/time", "-v", *command], cwd=ROOT, capture_output=True, text=True, check=True)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", result.stderr).group(1)
    seconds = sum(float(part) * 60 ** i for i, part in enumerate(reversed(wall.split(":"))))
    peak_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    return seconds, peak_kib * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--build-model", action="store_true", help="also time building GPT-2 XL for real (slow)")
    args = parser.parse_args()
    commands = dict(COMMANDS, **({"build GPT-2 XL, sum numel": BUILD_MODEL} if args.build_model else {}))
    rows = {}
    for name, command in commands.items():
        runs = [measure(command) for _ in range(args.repeats if command is not BUILD_MODEL else 1)]
        rows[name] = (statistics.median(s for s, _ in runs), max(b for _, b in runs))
    floor_s, floor_b = rows["import torch (floor)"]
    print(f"{'command':<34} {'wall s':>7} {'x floor':>8} {'peak MB':>8} {'x floor':>8}")
    for name, (seconds, peak) in rows.items():
        print(f"{name:<34} {seconds:>7.2f} {seconds / floor_s:>8.2f} {peak / 1e6:>8.0f} {peak / floor_b:>8.2f}")


if __name__ == "__main__":
    main()
